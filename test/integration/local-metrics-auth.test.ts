import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalSecretStore } from '../../lib/adapters/secrets/local-secret-store.ts';
import { openBackends } from '../../lib/local/backends.ts';
import { startLocalRunner, type LocalRunner } from '../../lib/local/runner.ts';
import { parseGatewayConfig } from '../../lib/config/schema.ts';
import { MemoryLogger } from '../helpers/fakes.ts';

/**
 * Issue 12 item 5: GET /metrics of the local runner shows tenant names, destination names and per-tenant and
 * auth-failure counters, so with `auth: {mode: required}` it takes the push credentials, unless
 * `auth.metrics: public`.
 */
const env = { GW_TOKEN_A: 'token-of-team-a', GW_PASS_CI: 'password-of-ci' };
const credentials = { bearer_tokens: [{ token_ref: 'env:GW_TOKEN_A', tenant: 'team-a' }], basic_auth: [{ username: 'ci', password_ref: 'env:GW_PASS_CI', tenant: 'ci' }] };

describe('GET /metrics and inbound auth (issue 12 item 5)', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  async function runnerWith(auth: Record<string, unknown>): Promise<LocalRunner> {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gw-metrics-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const config = parseGatewayConfig({ auth, remote_write: [{ name: 'secret-destination', url: 'http://127.0.0.1:9/api/v1/write' }] });
    const logger = new MemoryLogger();
    const runner = await startLocalRunner({ config, backends: await openBackends({ kind: 'disk', dataDir, maxMessageBytes: config.queue.maxMessageBytes, logger }), logger, secrets: new LocalSecretStore(env), host: '127.0.0.1', port: 0 });
    cleanup.push(() => runner.close());
    // Something per tenant in the counters, and an auth failure.
    const push = await fetch(`${runner.url}/write`, { method: 'POST', body: 'm v=1', headers: auth.mode === 'required' ? { authorization: `Bearer ${env.GW_TOKEN_A}` } : { 'x-scope-orgid': 'team-a' } });
    assert.equal(push.status, 204, await push.text());
    await fetch(`${runner.url}/write`, { method: 'POST', body: 'm v=1', headers: { authorization: 'Bearer wrong' } });
    return runner;
  }

  it('mode required: no credential or a wrong one is 401 with WWW-Authenticate, and shows nothing', async () => {
    const runner = await runnerWith({ mode: 'required', ...credentials });
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong' }, { authorization: `Basic ${Buffer.from('ci:wrong').toString('base64')}` }]) {
      const res = await fetch(`${runner.url}/metrics`, { headers });
      const text = await res.text();
      assert.equal(res.status, 401, text);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="metrics-gateway", Basic realm="metrics-gateway"');
      assert.match(text, /^metrics: (authentication required|invalid credentials)\n$/);
      assert.doesNotMatch(text, /team-a|secret-destination|gateway_/);
    }
    assert.equal((await fetch(`${runner.url}/metrics?x=1`)).status, 401, 'a query string does not get around it');
    assert.equal(runner.metrics.get('ingest_auth_failures_total', { protocol: 'metrics' }), 4);
  });

  it('mode required: a push credential (bearer or basic) reads it', async () => {
    const runner = await runnerWith({ mode: 'required', ...credentials });
    for (const authorization of [`Bearer ${env.GW_TOKEN_A}`, `Basic ${Buffer.from(`ci:${env.GW_PASS_CI}`).toString('base64')}`]) {
      const res = await fetch(`${runner.url}/metrics`, { headers: { authorization } });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.match(text, /gateway_ingest_samples_total\{protocol="influx",tenant="team-a"\} 1/);
      assert.match(text, /gateway_ingest_auth_failures_total\{protocol="influx",reason="invalid"\} 1/);
    }
  });

  it('mode required with auth.metrics: public: open, as before', async () => {
    const runner = await runnerWith({ mode: 'required', metrics: 'public', ...credentials });
    const res = await fetch(`${runner.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /tenant="team-a"/);
  });

  it('mode none: open', async () => {
    const runner = await runnerWith({ mode: 'none' });
    const res = await fetch(`${runner.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /tenant="team-a"/);
  });
});
