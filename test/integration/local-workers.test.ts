import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalSecretStore } from '../../lib/adapters/secrets/local-secret-store.ts';
import { openBackends } from '../../lib/local/backends.ts';
import { startLocalRunner, type LocalRunner } from '../../lib/local/runner.ts';
import { defaultIngestWorkers } from '../../lib/local/ingest-pool.ts';
import { parseGatewayConfig } from '../../lib/config/schema.ts';
import type { OutgoingMessage } from '../../lib/ports/index.ts';
import { MemoryLogger } from '../helpers/fakes.ts';
import { startScriptedReceiver } from '../helpers/scripted-receiver.ts';

/**
 * Issue 12 item 3 (the local runner's part): while one large body is parsed, the runner keeps answering
 * other requests, because large bodies are ingested in worker threads (lib/local/ingest-pool.ts) whose
 * queue, blob store, secrets, counters and logs are the main thread's.
 */
const TOKEN = 'token-of-team-a';

function influx(n: number, tag: string): string {
  return Array.from({ length: n }, (_, i) => `big_${tag},host=h${i % 100},i=${i} load=${i}.5,procs=${i}i ${1_700_000_000 + i}000000000`).join('\n');
}

describe('large bodies in worker threads (issue 12 item 3)', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  async function start(workers: number | undefined): Promise<{ runner: LocalRunner; sent: OutgoingMessage[]; logger: MemoryLogger }> {
    const rx = await startScriptedReceiver([]);
    cleanup.push(() => rx.close());
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gw-workers-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const raw = { auth: { mode: 'required', bearer_tokens: [{ token_ref: 'env:GW_TOKEN', tenant: 'team-a' }] }, remote_write: [{ name: 'rx', url: rx.url }] };
    const config = parseGatewayConfig(raw);
    const logger = new MemoryLogger();
    const backends = await openBackends({ kind: 'disk', dataDir, maxMessageBytes: config.queue.maxMessageBytes, logger });
    const sent: OutgoingMessage[] = [];
    const send = backends.queue.send.bind(backends.queue);
    backends.queue.send = async (m) => {
      sent.push(...m);
      return send(m);
    };
    const runner = await startLocalRunner({ config, backends, logger, secrets: new LocalSecretStore({ GW_TOKEN: TOKEN }), host: '127.0.0.1', port: 0, configSource: { text: JSON.stringify(raw), path: path.join(dataDir, 'gateway.json') }, ...(workers === undefined ? {} : { ingestWorkers: workers }) });
    cleanup.push(() => runner.close());
    return { runner, sent, logger };
  }

  async function largeBodyAnswers(workers: number): Promise<void> {
    const { runner, sent } = await start(workers);
    const body = influx(20_000, 'w');
    assert.ok(body.length > 64 * 1024);
    const ok = await fetch(`${runner.url}/write?db=x`, { method: 'POST', body, headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(ok.status, 204, await ok.text());
    assert.equal(sent.reduce((n, m) => n + Number(m.attributes.samples), 0), 40_000);
    assert.equal(sent[0]!.attributes.tenant, 'team-a');
    assert.equal(runner.metrics.get('ingest_samples_total', { protocol: 'influx', tenant: 'team-a' }), 40_000);

    const denied = await fetch(`${runner.url}/write`, { method: 'POST', body, headers: { authorization: 'Bearer wrong' } });
    assert.equal(denied.status, 401);
    assert.equal(await denied.text(), 'influx: invalid credentials\n');
    assert.equal(runner.metrics.get('ingest_auth_failures_total', { protocol: 'influx', reason: 'invalid' }), 1);

    const bad = await fetch(`${runner.url}/write`, { method: 'POST', body: `${body}\nnot a line`, headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /influx: partial write: unable to parse line 20001 /);
  }

  it('a large body ingested in a worker: same answers, its samples in the one queue, its counters in the one registry', async () => {
    await largeBodyAnswers(1);
  });

  it('the same body and answers with ingestWorkers 0 (ingested on the main thread, the core called without the API Gateway event)', async () => {
    await largeBodyAnswers(0);
  });

  it('without ingestWorkers the runner runs defaultIngestWorkers() (none on a machine with one spare core or less)', async () => {
    const { logger } = await start(undefined);
    const listening = logger.lines.find((l) => l.msg === 'gateway listening');
    assert.equal(listening?.fields?.ingestWorkers, defaultIngestWorkers());
  });

  /** How many /ping round trips complete while one ~4 MB body is being ingested. */
  async function pingsDuringLargePush(runner: LocalRunner): Promise<number> {
    const body = influx(45_000, 'p');
    let done = false;
    const push = fetch(`${runner.url}/write`, { method: 'POST', body, headers: { authorization: `Bearer ${TOKEN}` } }).then(async (r) => {
      done = true;
      return r.status;
    });
    let pings = 0;
    while (!done) {
      const r = await fetch(`${runner.url}/ping`);
      await r.arrayBuffer();
      if (!done) pings++;
    }
    assert.equal(await push, 204);
    return pings;
  }

  it('/ping keeps answering while a large body is parsed; on the main thread it would not', async () => {
    const pooled = await pingsDuringLargePush((await start(1)).runner);
    const inline = await pingsDuringLargePush((await start(0)).runner);
    console.log(`# /ping answers during one ~4 MB push: ${pooled} with a worker, ${inline} on the main thread`);
    assert.ok(pooled >= 10, `only ${pooled} pings answered during the push`);
    assert.ok(pooled >= 2 * inline + 10, `${pooled} pings with a worker, ${inline} without`);
  });
});
