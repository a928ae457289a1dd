import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openBackends } from '../../lib/local/backends.ts';
import { startLocalRunner, type LocalRunner } from '../../lib/local/runner.ts';
import { parseGatewayConfig } from '../../lib/config/schema.ts';
import { CONSECUTIVE_FAILURES_METRIC, HEALTH_LOG } from '../../lib/delivery/destination-health.ts';
import { DELIVER_LOG_EVENTS } from '../../lib/delivery/log-events.ts';
import { decodeWriteRequest } from '../../lib/remote-write/decode.ts';
import { encodeWriteRequest } from '../../lib/remote-write/encode.ts';
import { snappyCompress, snappyUncompress } from '../../lib/remote-write/snappy.ts';
import type { TimeSeries } from '../../lib/model/types.ts';
import { MemoryLogger } from '../helpers/fakes.ts';

/**
 * Issue 12 item 7 through the real local runner (disk queue, disk blob store, NodeHttpClient) and a real
 * receiver on loopback that is down (503) until told otherwise. Once the first batch has spent its budget
 * the destination is known down: every later batch makes at most one request (a probe, never retried) and
 * parks its messages under overflow/rx/ at once, so the queue drains; replay then delivers everything,
 * each sample once. Checks are counts and order of events, not durations.
 */
const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

interface Receiver {
  url: string;
  up: boolean;
  requests: number;
  /** key "series@timestamp" -> times stored (2xx answers only). */
  stored: Map<string, number>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const rx = { up: false, requests: 0, stored: new Map<string, number>() } as Receiver;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      rx.requests++;
      if (!rx.up) return void res.writeHead(503).end('receiver down for maintenance');
      for (const s of decodeWriteRequest(snappyUncompress(Buffer.concat(chunks), 1e8, 'test')).timeseries) {
        const name = s.labels.map((l) => `${l.name}=${l.value}`).join(',');
        for (const x of s.samples) rx.stored.set(`${name}@${x.timestamp}`, (rx.stored.get(`${name}@${x.timestamp}`) ?? 0) + 1);
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  rx.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
  rx.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return rx;
}

const SERIES = 5;
const SAMPLES = 4;
/** Push k: 5 series x 4 samples, unique per (push, series, timestamp). */
function pushData(k: number): TimeSeries[] {
  return Array.from({ length: SERIES }, (_, i) => ({
    labels: [{ name: '__name__', value: 'outage_test' }, { name: 'push', value: String(k) }, { name: 'series', value: String(i) }],
    samples: Array.from({ length: SAMPLES }, (_, j) => ({ value: k * 100 + i * 10 + j, timestamp: 1_700_300_000_000 + j * 1000 })),
  }));
}

async function push(runner: LocalRunner, k: number): Promise<void> {
  const body = snappyCompress(encodeWriteRequest({ timeseries: pushData(k), metadata: [] }));
  const res = await fetch(`${runner.url}/api/v1/write`, { method: 'POST', body, headers: { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf', 'x-prometheus-remote-write-version': '0.1.0' } });
  assert.equal(res.status, 204, await res.text());
}

describe('a receiver that is down under steady load (local runner)', () => {
  it('after the first budget, batches probe at most once and park at once; the queue drains; replay delivers each sample once', async () => {
    const rx = await startReceiver();
    cleanup.push(() => rx.close());
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gw-outage-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const config = parseGatewayConfig({
      auth: { mode: 'none' },
      remote_write: [{ name: 'rx', url: rx.url, remote_timeout: '2s', queue_config: { min_backoff: '10ms', max_backoff: '50ms' } }],
      replay: { concurrency: 1, max_objects_per_second: 1000 },
      self_metrics: { enabled: false },
    });
    const logger = new MemoryLogger();
    const backends = await openBackends({ kind: 'disk', dataDir, maxMessageBytes: 256 * 1024, logger });
    // A 3 s deliver invocation keeps 2 s in reserve: the first batch retries for 1 s before it parks.
    const runner = await startLocalRunner({ config, backends, logger, host: '127.0.0.1', port: 0, deliverTimeoutMs: 3000, retryDelayMs: 300, replayIntervalMs: 3_600_000 });
    cleanup.push(() => runner.close());
    const m = runner.metrics;
    const msgs = (msg: string) => logger.lines.filter((l) => l.msg === msg);
    let pushes = 0;

    // 1. The first batch learns it: retries within its budget, then parks; the outage is announced.
    await push(runner, pushes++);
    assert.ok(await runner.drained(30_000));
    assert.equal(msgs(HEALTH_LOG.failing).length, 1);
    assert.equal(msgs(HEALTH_LOG.failing)[0]!.fields!.error, 'HTTP 503');
    assert.match(String(msgs(HEALTH_LOG.failing)[0]!.fields!.data), /parked under overflow\//);
    assert.equal(msgs(HEALTH_LOG.down).length, 1);
    const learned = { requests: rx.requests, retries: m.get('delivery_retries_total', { destination: 'rx' }), parkedLines: msgs(DELIVER_LOG_EVENTS.parked).length };
    assert.ok(learned.retries > 0, 'the first batch retried');

    // 2. Steady load while known down: 40 more pushes, one queue message each.
    for (let i = 0; i < 40; i++) await push(runner, pushes++);
    assert.ok(await runner.drained(30_000), 'the queue drains');
    const batches = msgs(DELIVER_LOG_EVENTS.parked).length - learned.parkedLines;
    assert.ok(batches >= 4, `${batches} batches of at most 10 messages`);
    assert.ok(rx.requests - learned.requests <= batches, `${rx.requests - learned.requests} requests for ${batches} batches: at most one probe each`);
    assert.equal(m.get('delivery_retries_total', { destination: 'rx' }), learned.retries, 'no batch retried: none waited out its budget');
    assert.equal(m.get('delivery_overflow_samples_total', { destination: 'rx' }), pushes * SERIES * SAMPLES, 'everything parked');
    assert.equal((await backends.blobs.list('overflow/rx/')).length, pushes);
    assert.equal(m.get(CONSECUTIVE_FAILURES_METRIC, { destination: 'rx' }), rx.requests, 'every request so far failed, none succeeded');
    assert.match(await (await fetch(`${runner.url}/metrics`)).text(), new RegExp(`^gateway_${CONSECUTIVE_FAILURES_METRIC}\\{destination="rx"\\} ${rx.requests}$`, 'm'));
    assert.equal(msgs(HEALTH_LOG.down).length, 1, 'known down once, not once per batch');

    // 3. The receiver is back: replay delivers what was parked, oldest first.
    rx.up = true;
    const [report] = await runner.schedules.replayNow(30_000);
    assert.deepEqual([report!.replayed, report!.left, report!.stopped], [pushes, 0, undefined]);
    // The runner's replay shares deliver's destination health: replay finding the receiver back ends the
    // outage for deliver too (logged once, gauge reset), before any live batch probes.
    assert.equal(msgs(HEALTH_LOG.recovered).length, 1, 'replay ended the outage');
    assert.equal(m.get(CONSECUTIVE_FAILURES_METRIC, { destination: 'rx' }), 0);

    // 4. Live data flows again: the next probe (due max_backoff after the last one) gets a 2xx, and the
    //    recovery is logged. Each round waits for the queue to drain (at least one 50 ms poll).
    for (let round = 0; round < 20 && !msgs(HEALTH_LOG.recovered).length; round++) {
      await push(runner, pushes++);
      assert.ok(await runner.drained(30_000));
    }
    const recovered = msgs(HEALTH_LOG.recovered);
    assert.equal(recovered.length, 1);
    assert.equal(recovered[0]!.level, 'info');
    assert.equal(recovered[0]!.fields!.wasKnownDown, true);
    assert.equal(m.get(CONSECUTIVE_FAILURES_METRIC, { destination: 'rx' }), 0);
    // Whatever parked between replay and the successful probe is replayed too.
    await runner.schedules.replayNow(30_000);

    // Nothing lost, nothing twice: every pushed sample stored exactly once.
    assert.equal(rx.stored.size, pushes * SERIES * SAMPLES);
    assert.deepEqual([...new Set(rx.stored.values())], [1]);
    assert.deepEqual(await backends.blobs.list('overflow/'), []);
  });
});
