import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InfluxDB, Point } from '@influxdata/influxdb-client';
import { Pushgateway, Registry, Gauge } from 'prom-client';
import { LocalSecretStore } from '../../lib/adapters/secrets/local-secret-store.ts';
import { parseGatewayConfig } from '../../lib/config/schema.ts';
import { openBackends } from '../../lib/local/backends.ts';
import { startLocalRunner, type LocalRunner } from '../../lib/local/runner.ts';
import { MemoryLogger } from '../helpers/fakes.ts';

const TOKEN = 'influx-token-0123456789';
const PASSWORD = 'pgw-pass-9876543210';
const PYTHON = '/usr/bin/python3';
const havePython = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import prometheus_client'], { encoding: 'utf8' }).status === 0;
if (!havePython && process.env.CI === 'true') throw new Error('python3-prometheus-client is required under CI=true (apt-get install python3-prometheus-client)');

/**
 * Real clients against `npm start`'s runner (HTTP -> API Gateway event -> ingest) with `auth: {mode: required}`:
 * the influxdb client's `Authorization: Token`, prom-client's and python prometheus_client's basic auth, with
 * the secrets read from the environment and a file as in a local deployment. No receiver is needed: the test
 * stops at the queue.
 */
describe('inbound auth with real clients through the local runner', () => {
  let dir: string;
  let runner: LocalRunner;
  const logger = new MemoryLogger();

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gw-auth-'));
    writeFileSync(path.join(dir, 'pgw-password'), PASSWORD + '\n');
    const config = parseGatewayConfig({
      auth: {
        mode: 'required',
        bearer_tokens: [{ token_ref: 'env:GW_TEST_TOKEN', tenant: 'influx-team', extra_labels: { team: 'influx' } }],
        basic_auth: [{ username: 'pusher', password_ref: `file:${path.join(dir, 'pgw-password')}`, tenant: 'batch' }],
      },
      remote_write: [{ url: 'http://127.0.0.1:9/api/v1/write' }],
    });
    const backends = await openBackends({ kind: 'disk', dataDir: path.join(dir, 'data'), maxMessageBytes: 256 * 1024, logger });
    runner = await startLocalRunner({ config, backends, logger, secrets: new LocalSecretStore({ GW_TEST_TOKEN: TOKEN }), host: '127.0.0.1', port: 0, retryDelayMs: 60_000 });
  });
  after(async () => {
    await runner.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const accepted = (protocol: string, tenant: string) => runner.metrics.get('ingest_samples_total', { protocol, tenant });

  it('@influxdata/influxdb-client with the right token writes; a wrong token is a 401 the client reports', async () => {
    const ok = new InfluxDB({ url: runner.url, token: TOKEN }).getWriteApi('org', 'b', 'ms', { maxRetries: 0 });
    ok.writePoint(new Point('job').floatField('duration', 1.5).timestamp(1_700_000_000_000));
    await ok.close();
    assert.equal(accepted('influx', 'influx-team'), 1);
    const bad = new InfluxDB({ url: runner.url, token: 'wrong' }).getWriteApi('org', 'b', 'ms', { maxRetries: 0 });
    bad.writePoint(new Point('job').floatField('duration', 1.5));
    await assert.rejects(bad.close(), (err: Error & { statusCode?: number }) => err.statusCode === 401 && /invalid credentials/.test(err.message));
  });

  it('prom-client Pushgateway with basic auth (http.request `auth`) pushes to the credential tenant', async () => {
    const registry = new Registry();
    new Gauge({ name: 'backup_ok', help: 'h', registers: [registry] }).set(1);
    const ok = new Pushgateway(runner.url, { auth: `pusher:${PASSWORD}` }, registry);
    const res = await ok.push({ jobName: 'backup' });
    assert.equal((res.resp as { statusCode: number }).statusCode, 200);
    assert.ok(accepted('pushgateway', 'batch') >= 1);
    const bad = new Pushgateway(runner.url, { auth: 'pusher:nope' }, registry);
    await assert.rejects(bad.push({ jobName: 'backup' }), /401/);
  });

  it('python prometheus_client push_to_gateway with basic_auth_handler', { skip: !havePython && 'python3-prometheus-client not installed' }, async () => {
    // Asynchronous: the runner answering the client lives in this process.
    const run = (user: string, pass: string) => promisify(execFile)(PYTHON, ['-c', script, runner.url, user, pass], { encoding: 'utf8', timeout: 20_000 });
    const script = `
import sys
from prometheus_client import CollectorRegistry, Gauge, push_to_gateway
from prometheus_client.exposition import basic_auth_handler
def handler(url, method, timeout, headers, data):
    return basic_auth_handler(url, method, timeout, headers, data, sys.argv[2], sys.argv[3])
r = CollectorRegistry()
Gauge('py_job_ok', 'h', registry=r).set(1)
try:
    push_to_gateway(sys.argv[1], job='py', registry=r, handler=handler)
    print('ok')
except Exception as e:
    print('error', e)
`;
    const before = accepted('pushgateway', 'batch');
    const ok = await run('pusher', PASSWORD);
    assert.equal(ok.stdout.trim(), 'ok', ok.stderr);
    assert.ok(accepted('pushgateway', 'batch') > before);
    const bad = await run('pusher', 'nope');
    assert.match(bad.stdout, /^error .*401/);
  });

  it('nothing logged carries a credential', () => {
    const logged = JSON.stringify(logger.lines);
    assert.ok(!logged.includes(TOKEN) && !logged.includes(PASSWORD));
  });
});
