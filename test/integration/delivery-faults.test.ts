import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deliverBatch, destinationFor, type DeliveryDeps, type QueueRecord } from '../../lib/delivery/deliver.ts';
import { replayOverflow } from '../../lib/delivery/replay.ts';
import { NodeHttpClient } from '../../lib/adapters/http/node-http-client.ts';
import { CounterRegistry, systemClock } from '../../lib/adapters/system.ts';
import { parseGatewayConfig } from '../../lib/config/schema.ts';
import { packSeries } from '../../lib/queue/envelope.ts';
import type { TimeSeries } from '../../lib/model/types.ts';
import { MemoryBlobStore, MemoryLogger } from '../helpers/fakes.ts';
import { startScriptedReceiver, type Step } from '../helpers/scripted-receiver.ts';

/**
 * The retry policy against a real HTTP server through the real NodeHttpClient: each scripted answer
 * (500, 503, 429 with Retry-After, 400, 401, slower than remote_timeout, connection reset) ends where
 * docs/architecture.md says it must. Backoffs are a few ms; the slow and Retry-After cases take real time by nature.
 */
const input: TimeSeries[] = Array.from({ length: 3 }, (_, i) => ({ labels: [{ name: '__name__', value: `fault_${i}` }], samples: [{ value: i, timestamp: 1_700_000_000_000 + i }] }));

function records(): QueueRecord[] {
  const packed = packSeries(input, { maxMessageBytes: 256 * 1024, maxSamples: 1000, tenant: 't', source: 'push', newSpoolKey: () => 'spool/x' });
  return packed.messages.map((m, i) => ({ messageId: `m${i}`, body: m.body, attributes: m.attributes }));
}

function deps(url: string, qc: Record<string, unknown> = {}, remoteTimeout = '300ms') {
  const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ name: 'rx', url, remote_timeout: remoteTimeout, queue_config: { min_backoff: '10ms', max_backoff: '50ms', ...qc } }] });
  const http = new NodeHttpClient();
  const blobs = new MemoryBlobStore();
  const metrics = new CounterRegistry();
  const d: DeliveryDeps = { destinations: config.remoteWrite.map((c) => destinationFor(c)), http, blobs, clock: systemClock, logger: new MemoryLogger(), metrics, random: Math.random };
  return { d, http, blobs, metrics };
}

const cases: { name: string; script: Step[]; qc?: Record<string, unknown>; want: 'sent' | 'rejected'; requests: number; retries: number; status?: string }[] = [
  { name: '500 is retried', script: [{ status: 500 }], want: 'sent', requests: 2, retries: 1 },
  { name: '503 is retried', script: [{ status: 503 }, { status: 503 }], want: 'sent', requests: 3, retries: 2 },
  { name: '429 with Retry-After is retried when retry_on_http_429 is set', script: [{ status: 429, headers: { 'retry-after': '1' } }], qc: { retry_on_http_429: true, max_backoff: '200ms' }, want: 'sent', requests: 2, retries: 1 },
  { name: '429 is never retried by default (Prometheus): rejected/', script: [{ status: 429, headers: { 'retry-after': '1' } }], want: 'rejected', requests: 1, retries: 0, status: '429' },
  { name: '400 is never retried: rejected/', script: [{ status: 400, body: 'out of order sample' }], want: 'rejected', requests: 1, retries: 0, status: '400' },
  { name: '401 is never retried: rejected/', script: [{ status: 401, body: 'unauthorized' }], want: 'rejected', requests: 1, retries: 0, status: '401' },
  { name: 'an answer slower than remote_timeout is a timeout, retried', script: [{ status: 204, delayMs: 1500 }], want: 'sent', requests: 2, retries: 1 },
  { name: 'a connection reset is retried', script: [{ reset: true }], want: 'sent', requests: 2, retries: 1 },
];

describe('delivery policy against a scripted real receiver', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const rx = await startScriptedReceiver(c.script);
      const { d, http, blobs, metrics } = deps(rx.url, c.qc);
      try {
        const started = Date.now();
        const res = await deliverBatch(records(), Date.now() + 20_000, d);
        assert.deepEqual(res.failedMessageIds, []);
        assert.equal(rx.requests.length, c.requests);
        assert.equal(metrics.get('delivery_retries_total', { destination: 'rx' }), c.retries);
        assert.deepEqual(blobs.keys('overflow/'), []);
        if (c.want === 'sent') {
          assert.deepEqual(rx.accepted().map((s) => s.labels[0]!.value), ['fault_0', 'fault_1', 'fault_2']);
          assert.equal(metrics.get('delivery_sent_samples_total', { destination: 'rx' }), 3);
          assert.deepEqual(blobs.keys('rejected/'), []);
          if (c.script[0] && 'headers' in c.script[0] && c.script[0].headers?.['retry-after']) {
            assert.ok(rx.requests[1]!.at - rx.requests[0]!.at >= 900, 'Retry-After: 1 honoured (under its cap of 10x max_backoff)');
          }
        } else {
          const keys = blobs.keys('rejected/rx/');
          assert.equal(keys.length, 1);
          assert.equal(blobs.objects.get(keys[0]!)!.metadata.status, c.status);
          assert.equal(metrics.get('delivery_rejected_samples_total', { destination: 'rx', status: c.status! }), 3);
          assert.equal(metrics.get('delivery_sent_samples_total'), 0);
        }
        assert.ok(Date.now() - started < 10_000);
      } finally {
        http.close();
        await rx.close();
      }
    });
  }

  it('a receiver down for the whole budget: overflow/, then replay delivers it and leaves nothing behind', async () => {
    const rx = await startScriptedReceiver([], { status: 503 });
    const { d, http, blobs, metrics } = deps(rx.url);
    try {
      const res = await deliverBatch(records(), Date.now() + 500, d);
      assert.deepEqual(res.failedMessageIds, []);
      assert.equal(blobs.keys('overflow/rx/').length, 1);
      assert.equal(metrics.get('delivery_overflow_samples_total', { destination: 'rx' }), 3);
      assert.equal(rx.accepted().length, 0);
    } finally {
      await rx.close();
    }
    const back = await startScriptedReceiver([{ status: 503 }]);
    try {
      const destinations = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ name: 'rx', url: back.url, queue_config: { min_backoff: '10ms', max_backoff: '50ms' } }] }).remoteWrite.map((c) => destinationFor(c));
      // First run: the probe meets a 503, the one request of the run.
      const [first] = await replayOverflow({ ...d, destinations }, { concurrency: 2, maxObjectsPerSecond: 100, maxBytesPerSecond: 1e6, deadline: Date.now() + 5000 });
      assert.match(first!.stopped!, /503/);
      assert.equal(back.requests.length, 1);
      const [second] = await replayOverflow({ ...d, destinations }, { concurrency: 2, maxObjectsPerSecond: 100, maxBytesPerSecond: 1e6, deadline: Date.now() + 5000 });
      assert.equal(second!.replayed, 1);
      assert.deepEqual(back.accepted().map((s) => s.labels[0]!.value), ['fault_0', 'fault_1', 'fault_2']);
      assert.deepEqual(blobs.keys('overflow/'), []);
    } finally {
      http.close();
      await back.close();
    }
  });
});
