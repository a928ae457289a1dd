#!/usr/bin/env node
/**
 * The CDK app: `npx cdk synth|deploy -c config=./gateway.yaml` (cdk.json runs `node infra/bin/app.ts`;
 * Node 22 strips the types). gateway.yaml is validated here with the functions' own loader and bundled
 * into every function; deployment settings come from context (see infra/options.ts and infra/README.md).
 * Synthesizes offline: no AWS credentials (the stack is environment-agnostic) and no Docker (esbuild).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { REPO_ROOT } from '../constructs/bundle.ts';
import { loadSynthConfig, readDeployOptions } from '../options.ts';
import { GatewayStack, type FunctionEntries } from '../stacks/gateway-stack.ts';
import { acknowledgeAcceptedFindings } from '../stacks/nag-suppressions.ts';

/** functions/<name>.ts for each handler; replay and scrape only when their files exist. */
export function functionEntries(root: string): FunctionEntries {
  const entry = (name: string): string => path.join(root, 'functions', `${name}.ts`);
  const optional = (name: string): string | undefined => (existsSync(entry(name)) ? entry(name) : undefined);
  const replay = optional('replay');
  const scrape = optional('scrape');
  const aggregate = optional('aggregate');
  return { ingest: entry('ingest'), deliver: entry('deliver'), ...(replay ? { replay } : {}), ...(scrape ? { scrape } : {}), ...(aggregate ? { aggregate } : {}) };
}

const app = new App();
try {
  const options = readDeployOptions((key) => app.node.tryGetContext(key));
  const config = loadSynthConfig(options.config);
  const stackName = String(app.node.tryGetContext('stackName') ?? 'MetricsGateway');
  const stack = new GatewayStack(app, stackName, { config, options, entries: functionEntries(REPO_ROOT) });
  acknowledgeAcceptedFindings(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
