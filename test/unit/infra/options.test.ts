import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_DEPLOY_OPTIONS, loadSynthConfig, readDeployOptions } from '../../../infra/options.ts';
import { EXAMPLE_CONFIG } from '../../helpers/infra.ts';

describe('loadSynthConfig', () => {
  it('accepts the example gateway.yaml and keeps its text for the bundle', () => {
    const c = loadSynthConfig(EXAMPLE_CONFIG);
    assert.equal(c.config.remoteWrite[0]!.name, 'victoriametrics');
    assert.match(c.text, /remote_write:/);
  });
  const bad = [
    { name: 'bad URL and a message size past SQS', input: 'remote_write:\n  - url: ftp://x\nqueue:\n  max_message_bytes: 2000000\n', want: ['remote_write[0].url: must be an http:// or https:// URL, got "ftp://x"', 'queue.max_message_bytes: must be between 4096 and 1048576, got 2000000'] },
    { name: 'YAML syntax error', input: 'remote_write:\n  - url: [\n', want: ['Flow sequence'] },
  ];
  for (const t of bad) {
    it(`fails like the functions would: ${t.name}`, () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-cfg-'));
      const file = path.join(dir, 'gateway.yaml');
      writeFileSync(file, t.input);
      assert.throws(() => loadSynthConfig(file), (err: Error) => {
        assert.ok(err.message.startsWith(`invalid configuration ${file}:\n  `), err.message);
        for (const w of t.want) assert.ok(err.message.includes(w), `${err.message} lacks ${w}`);
        return true;
      });
    });
  }
  it('names a missing file', () => {
    assert.throws(() => loadSynthConfig('/nonexistent/gateway.yaml'), { message: /cannot read gateway config \/nonexistent\/gateway.yaml/ });
  });
});

describe('readDeployOptions', () => {
  const ctx = (values: Record<string, unknown>) => (key: string) => values[key];
  it('defaults without context', () => assert.deepEqual(readDeployOptions(ctx({})), DEFAULT_DEPLOY_OPTIONS));
  it('reads -c strings and cdk.json numbers', () => {
    const o = readDeployOptions(ctx({ deliverBatchSize: '100', deliverBatchingWindow: 5, ingestEndpoint: 'both', ingestAuth: 'iam', logRetentionDays: '90', alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts' }));
    assert.equal(o.deliverBatchSize, 100);
    assert.equal(o.deliverBatchingWindow, 5);
    assert.equal(o.ingestEndpoint, 'both');
    assert.equal(o.ingestAuth, 'iam');
    assert.equal(o.logRetentionDays, 90);
    assert.equal(o.alarmTopicArn, 'arn:aws:sns:us-east-1:123456789012:alerts');
  });
  it('reads the VPC from -c strings (comma-separated) or cdk.json arrays', () => {
    assert.equal(DEFAULT_DEPLOY_OPTIONS.vpc, undefined);
    assert.deepEqual(readDeployOptions(ctx({ vpcId: 'vpc-0123456789abcdef0', vpcSubnetIds: 'subnet-0123456789abcdef0, subnet-0123456789abcdef1' })).vpc, { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'], securityGroupIds: [] });
    assert.deepEqual(readDeployOptions(ctx({ vpcId: 'vpc-01234567', vpcSubnetIds: ['subnet-01234567'], vpcSecurityGroupIds: ['sg-01234567'] })).vpc, { vpcId: 'vpc-01234567', subnetIds: ['subnet-01234567'], securityGroupIds: ['sg-01234567'] });
  });
  it('reads sourceMaps from -c (a string) and cdk.json (a boolean)', () => {
    assert.equal(DEFAULT_DEPLOY_OPTIONS.sourceMaps, true);
    assert.equal(readDeployOptions(ctx({ sourceMaps: false })).sourceMaps, false);
    assert.equal(readDeployOptions(ctx({ sourceMaps: 'true' })).sourceMaps, true);
    assert.equal(readDeployOptions(ctx({ sourceMaps: true })).sourceMaps, true);
    assert.equal(readDeployOptions(ctx({ sourceMaps: 'false' })).sourceMaps, false);
  });
  const bad = [
    { name: 'unknown endpoint', input: { ingestEndpoint: 'alb' }, want: 'context ingestEndpoint: must be http-api, function-url or both, got "alb"' },
    { name: 'unknown auth', input: { ingestAuth: 'token' }, want: 'context ingestAuth: must be none or iam, got "token"' },
    { name: 'batch size past 10000', input: { deliverBatchSize: '10001' }, want: 'context deliverBatchSize: must be an integer in 1..10000, got "10001"' },
    { name: 'deliver timeout past Lambda\'s 900 s', input: { deliverTimeout: 901 }, want: 'context deliverTimeout: must be an integer in 10..900, got 901' },
    { name: 'non-integer memory', input: { ingestMemory: '1.5' }, want: 'context ingestMemory: must be an integer in 128..10240, got "1.5"' },
    { name: 'retention CloudWatch Logs does not offer', input: { logRetentionDays: 10 }, want: 'context logRetentionDays: must be one of 1, 3, 5, 7, 14, 30' },
    { name: 'batch over 10 without a window', input: { deliverBatchSize: 50, deliverBatchingWindow: 0 }, want: 'deliverBatchingWindow: must be at least 1 when deliverBatchSize > 10' },
    { name: 'not an SNS ARN', input: { alarmTopicArn: 'oncall' }, want: 'context alarmTopicArn: must be an SNS topic ARN, got "oncall"' },
    { name: 'a VPC id that is not one', input: { vpcId: 'my-vpc', vpcSubnetIds: 'subnet-01234567' }, want: 'context vpcId: must be a VPC id (vpc-...), got "my-vpc"' },
    { name: 'a VPC without subnets', input: { vpcId: 'vpc-01234567' }, want: 'context vpcSubnetIds: required with vpcId' },
    { name: 'subnets without a VPC', input: { vpcSubnetIds: 'subnet-01234567' }, want: 'context vpcSubnetIds and vpcSecurityGroupIds need vpcId' },
    { name: 'a subnet id that is not one', input: { vpcId: 'vpc-01234567', vpcSubnetIds: 'subnet-01234567,10.0.1.0/24' }, want: 'context vpcSubnetIds: "10.0.1.0/24" is not a subnet id (subnet-...)' },
    { name: 'six security groups', input: { vpcId: 'vpc-01234567', vpcSubnetIds: 'subnet-01234567', vpcSecurityGroupIds: 'sg-01234561,sg-01234562,sg-01234563,sg-01234564,sg-01234565,sg-01234566' }, want: 'context vpcSecurityGroupIds: Lambda takes at most 5 security groups' },
    { name: 'sourceMaps not a boolean', input: { sourceMaps: 'yes' }, want: 'context sourceMaps: must be true or false, got "yes"' },
  ];
  for (const t of bad) {
    it(`refuses ${t.name}`, () => assert.throws(() => readDeployOptions(ctx(t.input)), (err: Error) => err.message.startsWith('invalid deployment options:') && err.message.includes(t.want)));
  }
  it('lists every bad key at once', () => {
    assert.throws(() => readDeployOptions(ctx({ ingestAuth: 'x', deliverTimeout: 0 })), (err: Error) => err.message.split('\n').length === 3);
  });
});
