import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { acknowledgeAcceptedFindings } from '../../../infra/stacks/nag-suppressions.ts';
import { loadGatewayConfig } from '../../../lib/config/load.ts';
import { DEFAULT_DEPLOY_OPTIONS } from '../../../infra/options.ts';
import { GatewayStack } from '../../../infra/stacks/gateway-stack.ts';
import { ALL_ENTRIES, logicalId, roleStatements, type Statement } from '../../helpers/infra.ts';

const AUTH_YAML = `
auth:
  mode: required
  bearer_tokens:
    - {token_ref: "secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:gw/full-AbCdEf#token", tenant: a}
    - {token_ref: "secretsmanager:gw/by-name#token", tenant: b}
    - {token_ref: "secretsmanager:gw/by-name#other", tenant: c}
    - {token_ref: env:LOCAL_ONLY, tenant: d}
  basic_auth:
    - {username: ci, password_ref: ssm:/gateway/ci, tenant: ci}
    - {username: pg, password_ref: file:/run/secrets/pg, tenant: pg}
remote_write: [{url: "http://vm:8428/api/v1/write"}]
`;

function stackFor(yaml: string): Template {
  return Template.fromStack(build(yaml).stack);
}

function build(yaml: string) {
  const app = new App();
  const stack = new GatewayStack(app, 'Test', {
    env: { account: '123456789012', region: 'eu-west-1' },
    config: { path: 'gateway.yaml', text: yaml, config: loadGatewayConfig(yaml) },
    options: DEFAULT_DEPLOY_OPTIONS,
    entries: { ingest: ALL_ENTRIES.ingest, deliver: ALL_ENTRIES.deliver },
    code: (entry) => lambda.Code.fromInline(`// ${entry}`),
  });
  return { app, stack };
}

/** Fn::Join ['', ['arn:', {Ref: AWS::Partition}, ':...']] -> 'arn:aws:...'. */
function render(r: unknown): unknown {
  if (Array.isArray(r)) return r.map(render).sort();
  const o = r as Record<string, unknown>;
  if (o && typeof o === 'object' && 'Fn::Join' in o) {
    const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p) === '{"Ref":"AWS::Partition"}' ? 'aws' : JSON.stringify(p))).join(sep);
  }
  return r;
}

function secretStatements(template: Template, role: string): Statement[] {
  return roleStatements(template, logicalId(template, 'AWS::IAM::Role', role)).filter((s) => JSON.stringify(s.Action).match(/secretsmanager|ssm|kms/));
}

describe('least privilege: secrets referenced by auth:', () => {
  it('ingest may read exactly the referenced secrets and parameters', () => {
    const t = stackFor(AUTH_YAML);
    assert.deepEqual(secretStatements(t, 'IngestRole').map((s) => ({ Action: s.Action, Resource: render(s.Resource) })), [
      {
        Action: 'secretsmanager:GetSecretValue',
        Resource: ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:gw/by-name-??????', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:gw/full-AbCdEf'],
      },
      { Action: 'ssm:GetParameter', Resource: 'arn:aws:ssm:eu-west-1:123456789012:parameter/gateway/ci' },
    ]);
  });

  it('cdk-nag finds nothing new in the grants', () => {
    const { app, stack } = build(AUTH_YAML);
    acknowledgeAcceptedFindings(stack);
    const report = new AwsSolutionsChecks(app).validateScope(app);
    assert.deepEqual(report.violations.map((x) => x.ruleName), []);
  });

  it('deliver gets none of them', () => {
    assert.deepEqual(secretStatements(stackFor(AUTH_YAML), 'DeliverRole'), []);
  });

  it('auth: {mode: none} (the example gateway.yaml) grants nothing', () => {
    assert.deepEqual(secretStatements(stackFor('auth: {mode: none}\nremote_write: [{url: "http://vm:8428/api/v1/write"}]\n'), 'IngestRole'), []);
  });
});
