import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { startLocalSchedules } from '../../../lib/local/schedules.ts';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import type { OutgoingMessage } from '../../../lib/ports/index.ts';
import { MemoryBlobStore, MemoryLogger } from '../../helpers/fakes.ts';

/**
 * The local runner's close() waits for schedules.stop(), then the test or the process removes the data
 * directory: a self-metrics snapshot started by its timer must be finished (written to the queue) by then.
 */
describe('local schedules stop()', { timeout: 20_000 }, () => {
  it('waits for a self-metrics snapshot its timer started', async () => {
    const config = parseGatewayConfig({ auth: { mode: 'none' }, self_metrics: { interval: '1s' }, remote_write: [{ name: 'rx', url: 'http://127.0.0.1:9/api/v1/write' }] });
    let sendCalled!: () => void;
    const called = new Promise<void>((r) => (sendCalled = r));
    let finishSend!: () => void;
    const sent: OutgoingMessage[] = [];
    const queue = {
      maxMessageBytes: 256 * 1024,
      send: (messages: readonly OutgoingMessage[]) => {
        sendCalled();
        return new Promise<void>((r) => (finishSend = () => {
          sent.push(...messages);
          r();
        }));
      },
    };
    const clock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
    const metrics = new CounterRegistry();
    metrics.inc('ingest_samples_total', { protocol: 'influx' });
    const s = startLocalSchedules({ config, queue, blobs: new MemoryBlobStore(), http: { request: () => Promise.reject(new Error('no network')) }, clock, logger: new MemoryLogger(), metrics, instance: '127.0.0.1:1', replayIntervalMs: 3_600_000 });
    // The schedules' timers are unref'd (they never hold the process open): this one keeps the test alive.
    const alive = setInterval(() => undefined, 50);
    await called;
    clearInterval(alive);
    let stopped = false;
    const stopping = s.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(stopped, false, 'stop() waits for the snapshot being written');
    finishSend();
    await stopping;
    assert.ok(sent.length > 0, 'the snapshot was written before stop() resolved');
  });
});
