import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { loadGatewayConfig } from '../../../lib/config/load.ts';
import { DEFAULT_DEPLOY_OPTIONS } from '../../../infra/options.ts';
import { GatewayStack } from '../../../infra/stacks/gateway-stack.ts';
import { ALL_ENTRIES, roleStatements, type Statement } from '../../helpers/infra.ts';
import { AwsSolutionsChecks } from 'cdk-nag';
import { acknowledgeAcceptedFindings } from '../../../infra/stacks/nag-suppressions.ts';

const YAML = `
auth: {mode: none}
remote_write:
  - url: https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1234abcd-56/api/v1/remote_write
    name: amp
    sigv4: {region: eu-west-1, role_arn: "arn:aws:iam::123456789012:role/amp-writer"}
  - url: https://vm.example/api/v1/write
    name: vm
    basic_auth: {username: gw, password_ref: "ssm:/gateway/vm-password"}
scrape_configs:
  - job_name: ec2
    ec2_sd_configs: [{region: eu-west-1, port: 9100}]
    basic_auth: {username: s, password_ref: "secretsmanager:scrape/creds#password"}
`;

function build(yaml: string) {
  const app = new App();
  const stack = new GatewayStack(app, 'Test', {
    env: { account: '123456789012', region: 'eu-west-1' },
    config: { path: 'gateway.yaml', text: yaml, config: loadGatewayConfig(yaml) },
    options: DEFAULT_DEPLOY_OPTIONS,
    entries: ALL_ENTRIES,
    code: (entry) => lambda.Code.fromInline(`// ${entry}`),
  });
  return { app, stack };
}

function statements(fnId: string): Statement[] {
  const template = Template.fromStack(build(YAML).stack);
  const roles = Object.entries(template.findResources('AWS::IAM::Role')).map(([id]) => id).filter((id) => id.startsWith(fnId));
  assert.ok(roles.length, `a role for ${fnId}`);
  return roles.flatMap((r) => roleStatements(template, r));
}

function actionsOn(sts: Statement[], action: string): unknown[] {
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
  return sts.filter((s) => list(s.Action).includes(action)).flatMap((s) => list(s.Resource));
}

describe('grants derived from gateway.yaml', () => {
  it('deliver and replay: aps:RemoteWrite on the workspace in the URL, AssumeRole on role_arn, the referenced parameter only', () => {
    for (const fn of ['Deliver', 'Replay']) {
      const sts = statements(fn);
      assert.deepEqual(JSON.stringify(actionsOn(sts, 'aps:RemoteWrite')).match(/workspace\/ws-1234abcd-56/)?.length, 1, fn);
      assert.deepEqual(actionsOn(sts, 'sts:AssumeRole'), ['arn:aws:iam::123456789012:role/amp-writer']);
      assert.match(JSON.stringify(actionsOn(sts, 'ssm:GetParameter')), /parameter\/gateway\/vm-password/);
      assert.equal(actionsOn(sts, 'ec2:DescribeInstances').length, 0, `${fn} gets no EC2 access`);
      assert.equal(actionsOn(sts, 'secretsmanager:GetSecretValue').length, 0, `${fn} cannot read the scrape secret`);
    }
  });

  it('scrape: EC2 describe calls, its own secret, sd/ in the bucket, and nothing of the remote_write auth', () => {
    const sts = statements('Scrape');
    assert.deepEqual(actionsOn(sts, 'ec2:DescribeInstances'), ['*']);
    assert.match(JSON.stringify(actionsOn(sts, 'secretsmanager:GetSecretValue')), /secret:scrape\/creds-\?\?\?\?\?\?/);
    assert.equal(actionsOn(sts, 'aps:RemoteWrite').length, 0);
    assert.equal(actionsOn(sts, 'ssm:GetParameter').length, 0);
  });

  it('cdk-nag accepts them (each wildcard has a written reason), also for a sigv4 URL without a workspace and blob:sd/ files', () => {
    const yaml = YAML.replace('https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1234abcd-56/api/v1/remote_write', 'https://amp-proxy.example/api/v1/remote_write') + '  - job_name: files\n    file_sd_configs: [{files: ["blob:sd/targets.json"]}]\n';
    for (const y of [YAML, yaml]) {
      const { app, stack } = build(y);
      acknowledgeAcceptedFindings(stack);
      const report = new AwsSolutionsChecks(app).validateScope(app);
      assert.deepEqual(report.violations.map((x) => `${x.ruleName} ${JSON.stringify(x.violatingResources?.[0] ?? '')}`.slice(0, 300)), []);
    }
  });

  it('ingest gets none of them', () => {
    const sts = statements('Ingest');
    for (const a of ['aps:RemoteWrite', 'sts:AssumeRole', 'ec2:DescribeInstances', 'ssm:GetParameter']) assert.equal(actionsOn(sts, a).length, 0, a);
  });
});
