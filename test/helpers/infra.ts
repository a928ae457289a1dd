import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { REPO_ROOT } from '../../infra/constructs/bundle.ts';
import { DEFAULT_DEPLOY_OPTIONS, loadSynthConfig, type DeployOptions } from '../../infra/options.ts';
import { GatewayStack, type FunctionEntries } from '../../infra/stacks/gateway-stack.ts';

export const EXAMPLE_CONFIG = path.join(REPO_ROOT, 'gateway.yaml');

/** All four functions, as once functions/replay.ts and functions/scrape.ts exist. */
export const ALL_ENTRIES: FunctionEntries = { ingest: 'functions/ingest.ts', deliver: 'functions/deliver.ts', replay: 'functions/replay.ts', scrape: 'functions/scrape.ts' };

/**
 * The gateway stack with placeholder code (no bundling: construct tests assert resources, the synth test
 * proves the bundles), and its template.
 */
export function buildStack(opts: { options?: Partial<DeployOptions>; entries?: FunctionEntries; configText?: string } = {}) {
  const app = new App();
  const config = loadSynthConfig(EXAMPLE_CONFIG);
  if (opts.configText !== undefined) config.text = opts.configText;
  const stack = new GatewayStack(app, 'Test', {
    config,
    options: { ...DEFAULT_DEPLOY_OPTIONS, ...opts.options },
    entries: opts.entries ?? { ingest: ALL_ENTRIES.ingest, deliver: ALL_ENTRIES.deliver },
    code: (entry) => lambda.Code.fromInline(`// ${entry}`),
  });
  return { app, stack, template: Template.fromStack(stack) };
}

export interface Statement {
  Action: string | string[];
  Effect: string;
  Resource: unknown;
  Condition?: unknown;
}

/** The statements of every inline policy attached to the role with this logical id. */
export function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const out: Statement[] = [];
  for (const p of Object.values(policies)) {
    const roles = (p.Properties.Roles as { Ref: string }[]).map((r) => r.Ref);
    if (roles.includes(roleLogicalId)) out.push(...(p.Properties.PolicyDocument.Statement as Statement[]));
  }
  return out;
}

/** "action on resource" lines, sorted: a readable, exact picture of what a role may do. */
export function grants(template: Template, roleLogicalId: string): string[] {
  const lines: string[] = [];
  for (const s of roleStatements(template, roleLogicalId)) {
    const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
    for (const a of actions) lines.push(`${s.Effect} ${a} ${describeResource(s.Resource)}${s.Condition ? ' if ' + JSON.stringify(s.Condition) : ''}`);
  }
  return lines.sort();
}

/** Fn::GetAtt [X, Arn] -> "X", Fn::Join [X.Arn, "/spool/*"] -> "X/spool/*", with the logical id's hash suffix cut. */
function describeResource(r: unknown): string {
  const strip = (id: string): string => id.replace(/[0-9A-F]{8}$/, '');
  const o = r as Record<string, unknown>;
  if (o && typeof o === 'object' && 'Fn::GetAtt' in o) return strip((o['Fn::GetAtt'] as string[])[0]!);
  if (o && typeof o === 'object' && 'Fn::Join' in o) {
    const [, parts] = o['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => (typeof p === 'string' ? p : describeResource(p))).join('');
  }
  return JSON.stringify(r);
}

/** The logical id of the single resource of this type whose id starts with prefix. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
}
