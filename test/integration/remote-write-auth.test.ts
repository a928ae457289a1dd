import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseGatewayConfig } from '../../lib/config/schema.ts';
import { openBackends } from '../../lib/local/backends.ts';
import { startLocalRunner, type LocalRunner } from '../../lib/local/runner.ts';
import { awsCredentialsFor } from '../../lib/adapters/aws/credentials.ts';
import { LocalSecretStore } from '../../lib/adapters/secrets/local-secret-store.ts';
import { sigv4Authorizer, sigv4Credentials } from '../../lib/remote-write/auth/sigv4.ts';
import { FakeClock, MemoryLogger } from '../helpers/fakes.ts';
import { freePort, haveBinary, startAwsEndpoint, useFakeAwsCredentials } from '../helpers/services.ts';

/**
 * basic_auth end to end: the local runner delivers to a real VictoriaMetrics that requires basic auth
 * (-httpAuth.username / -httpAuth.password), with the password read through a password_file reference.
 * A second destination with the wrong password is refused (401, not retried) and its data kept under
 * rejected/<name>/.
 */
const available = haveBinary('victoria-metrics');
if (!available && process.env.CI === 'true') throw new Error('victoria-metrics is required under CI=true (apt-get install victoria-metrics)');

describe('remote_write basic_auth through the local runner to VictoriaMetrics with -httpAuth', { skip: !available && 'victoria-metrics not installed' }, () => {
  let vm: ChildProcess;
  let vmUrl: string;
  let runner: LocalRunner;
  let dir: string;
  const auth = `Basic ${Buffer.from('gateway:pa:ss w0rd').toString('base64')}`;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rwauth-e2e-'));
    const port = await freePort();
    vmUrl = `http://127.0.0.1:${port}`;
    vm = spawn('victoria-metrics', [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${path.join(dir, 'vm')}`, '-retentionPeriod=100y', '-search.latencyOffset=0s', '-loggerLevel=ERROR', '-httpAuth.username=gateway', '-httpAuth.password=pa:ss w0rd'], { stdio: 'ignore' });
    for (let i = 0; ; i++) {
      if (i > 200) throw new Error('victoria-metrics did not start');
      const up = await fetch(`${vmUrl}/health`).then((r) => r.ok).catch(() => false);
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // The receiver really does refuse unauthenticated writes.
    assert.equal((await fetch(`${vmUrl}/api/v1/write`, { method: 'POST', body: '' })).status, 401);
    writeFileSync(path.join(dir, 'password'), 'pa:ss w0rd\n');
    writeFileSync(path.join(dir, 'wrong'), 'nope\n');
    const config = parseGatewayConfig({ auth: { mode: 'none' },
      remote_write: [
        { name: 'vm', url: `${vmUrl}/api/v1/write`, basic_auth: { username: 'gateway', password_file: path.join(dir, 'password') } },
        { name: 'vm-wrong', url: `${vmUrl}/api/v1/write`, basic_auth: { username: 'gateway', password_file: path.join(dir, 'wrong') } },
      ],
    });
    const logger = new MemoryLogger();
    runner = await startLocalRunner({ config, backends: await openBackends({ kind: 'disk', dataDir: path.join(dir, 'gw'), maxMessageBytes: 262144, logger }), logger, host: '127.0.0.1', port: 0 });
  });

  after(async () => {
    await runner?.close();
    if (vm && vm.exitCode === null) {
      const exited = new Promise((r) => vm.once('exit', r));
      vm.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers with the configured credentials; the wrong password ends under rejected/', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `job_runs,job=nightly,shard=s${i} total=${i}i ${1_700_000_000 + i}000000000`);
    const res = await fetch(`${runner.url}/write?db=auth`, { method: 'POST', body: lines.join('\n') });
    assert.equal(res.status, 204, await res.text());
    assert.ok(await runner.drained(30_000), 'queue drained');
    await fetch(`${vmUrl}/internal/force_flush`, { headers: { authorization: auth } });
    const exp = await fetch(`${vmUrl}/api/v1/export?match[]=${encodeURIComponent('{__name__="job_runs_total"}')}&start=0`, { headers: { authorization: auth } });
    assert.equal(exp.status, 200);
    const series = (await exp.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { metric: Record<string, string>; values: number[]; timestamps: number[] });
    assert.equal(series.length, 50);
    for (const s of series) {
      const i = Number(s.metric.shard!.slice(1));
      assert.deepEqual(s.values, [i]);
      assert.deepEqual(s.timestamps, [(1_700_000_000 + i) * 1000]);
    }
    assert.equal(runner.metrics.render().includes('gateway_delivery_sent_samples_total{destination="vm"} 50'), true, runner.metrics.render());
    const rejected = readdirSync(path.join(dir, 'gw', 'blobs', 'rejected', 'vm-wrong'), { recursive: true }).map(String);
    assert.ok(rejected.some((f) => f.endsWith('.meta.json')), JSON.stringify(rejected));
    assert.match(runner.metrics.render(), /gateway_delivery_rejected_samples_total\{destination="vm-wrong",status="401"\} 50/);
  });
});

describe('sigv4 role_arn: credentials assumed through STS (moto or AWS_ENDPOINT_URL)', () => {
  it('assumes the role with the default chain as the caller and signs with the temporary credentials', async (t) => {
    const endpoint = await startAwsEndpoint(t);
    if (!endpoint) return;
    useFakeAwsCredentials();
    try {
      // The path a config takes: sigv4 {role_arn} with no static keys; credentials cached until near expiry.
      const provider = sigv4Credentials({ kind: 'sigv4', roleArn: 'arn:aws:iam::123456789012:role/amp-writer' }, 'us-east-1', new LocalSecretStore({}), { clock: new FakeClock(), awsCredentials: (o) => awsCredentialsFor(o, endpoint.url) });
      const c = await provider();
      assert.ok(c.accessKeyId && c.accessKeyId !== process.env.AWS_ACCESS_KEY_ID, c.accessKeyId);
      assert.ok(c.sessionToken, 'a session token');
      assert.ok(c.expiration instanceof Date);
      const h = await sigv4Authorizer('us-east-1', provider, new FakeClock()).authorize({ url: 'https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write', method: 'POST', headers: {}, body: new Uint8Array([1]) });
      assert.equal(h['x-amz-security-token'], c.sessionToken);
      assert.ok(h.authorization!.startsWith(`AWS4-HMAC-SHA256 Credential=${c.accessKeyId}/`), h.authorization);
    } finally {
      await endpoint.stop();
    }
  });

  it('without role_arn the default chain is used (here: the environment)', async () => {
    useFakeAwsCredentials();
    const c = await awsCredentialsFor({ region: 'us-east-1' })();
    assert.equal(c.accessKeyId, process.env.AWS_ACCESS_KEY_ID);
  });
});
