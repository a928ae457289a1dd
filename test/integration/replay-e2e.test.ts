import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DiskBlobStore } from '../../lib/adapters/local/disk-blob-store.ts';
import { openBackends, type Backends } from '../../lib/local/backends.ts';
import { startLocalRunner, type LocalRunner } from '../../lib/local/runner.ts';
import { parseGatewayConfig } from '../../lib/config/schema.ts';
import { encodeWriteRequest } from '../../lib/remote-write/encode.ts';
import { snappyCompress } from '../../lib/remote-write/snappy.ts';
import type { BlobStore } from '../../lib/ports/index.ts';
import type { TimeSeries } from '../../lib/model/types.ts';
import { freePort, haveBinary, startVictoriaMetrics, type VictoriaMetrics } from '../helpers/services.ts';
import { MemoryLogger } from '../helpers/fakes.ts';

/**
 * Real faults against real VictoriaMetrics through the local runner: a receiver stopped and restarted
 * mid-stream, one of two destinations down, the blob store failing while data must overflow. In each the
 * check is exact: every pushed sample is in /api/v1/export exactly once, and overflow/ ends empty.
 */
const available = haveBinary('victoria-metrics');
if (!available && process.env.CI === 'true') throw new Error('victoria-metrics is required under CI=true (apt-get install victoria-metrics)');

const BASE = 1_700_200_000_000;
const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

/** Batch k of a known sample set: 10 series x 5 samples, each sample unique per (series, timestamp). */
function batch(metric: string, k: number): TimeSeries[] {
  return Array.from({ length: 10 }, (_, i) => ({
    labels: [{ name: '__name__', value: metric }, { name: 'series', value: String(i) }],
    samples: Array.from({ length: 5 }, (_, j) => ({ value: k * 1000 + i * 10 + j, timestamp: BASE + (k * 5 + j) * 1000 })),
  }));
}

async function push(runner: LocalRunner, series: TimeSeries[]): Promise<void> {
  const body = snappyCompress(encodeWriteRequest({ timeseries: series, metadata: [] }));
  const res = await fetch(`${runner.url}/api/v1/write`, { method: 'POST', body, headers: { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf', 'x-prometheus-remote-write-version': '0.1.0' } });
  assert.equal(res.status, 204, await res.text());
}

/** Exactly the pushed samples, each once, per series, in timestamp order. */
async function assertExactlyOnce(vm: VictoriaMetrics, metric: string, batches: number): Promise<void> {
  const want = new Map<string, { values: number[]; timestamps: number[] }>();
  for (let k = 0; k < batches; k++) {
    for (const s of batch(metric, k)) {
      const key = s.labels.find((l) => l.name === 'series')!.value;
      const w = want.get(key) ?? { values: [], timestamps: [] };
      for (const x of s.samples) {
        w.values.push(x.value);
        w.timestamps.push(x.timestamp);
      }
      want.set(key, w);
    }
  }
  const got = await vm.exportSeries(`{__name__="${metric}"}`);
  assert.equal(got.length, want.size, `series of ${metric}`);
  for (const s of got) {
    const w = want.get(s.metric.series!)!;
    assert.deepEqual(s.timestamps, w.timestamps, `timestamps of ${JSON.stringify(s.metric)} (each once)`);
    assert.deepEqual(s.values, w.values);
  }
}

async function runnerFor(remoteWrite: { name: string; url: string }[], backends?: (dataDir: string, logger: MemoryLogger) => Promise<Backends>) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gw-replay-'));
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const config = parseGatewayConfig({ auth: { mode: 'none' },
    remote_write: remoteWrite.map((rw) => ({ ...rw, remote_timeout: '2s', queue_config: { min_backoff: '10ms', max_backoff: '100ms' } })),
    replay: { concurrency: 2, max_objects_per_second: 200 },
    self_metrics: { enabled: false },
  });
  const logger = new MemoryLogger();
  const b = backends ? await backends(dataDir, logger) : await openBackends({ kind: 'disk', dataDir, maxMessageBytes: 256 * 1024, logger });
  // A 3 s deliver invocation keeps 2 s in reserve: a receiver that is down costs 1 s of retries per batch.
  const runner = await startLocalRunner({ config, backends: b, logger, host: '127.0.0.1', port: 0, deliverTimeoutMs: 3000, retryDelayMs: 300, replayIntervalMs: 3_600_000 });
  cleanup.push(() => runner.close());
  return { runner, blobs: b.blobs, logger };
}

async function until(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('replay with real VictoriaMetrics', { skip: !available && 'victoria-metrics not installed' }, () => {
  it('VictoriaMetrics stopped mid-stream and started again: after replay every sample is there exactly once, overflow/ empty', async () => {
    const port = await freePort();
    const vmDir = mkdtempSync(path.join(os.tmpdir(), 'vm-restart-'));
    cleanup.push(() => rmSync(vmDir, { recursive: true, force: true }));
    let vm = await startVictoriaMetrics(port, vmDir);
    cleanup.push(() => vm.stop());
    const { runner, blobs } = await runnerFor([{ name: 'vm', url: `${vm.url}/api/v1/write` }]);
    const total = 30;
    let pushed = 0;
    const pusher = (async () => {
      for (; pushed < total; pushed++) {
        await push(runner, batch('chaos_metric', pushed));
        await new Promise((r) => setTimeout(r, 40));
      }
    })();
    await until('a third pushed', () => pushed >= 10);
    await vm.stop(); // The data dir stays: stop() only removes its own temp dirs when none was given.
    await until('two thirds pushed', () => pushed >= 20);
    await until('some data overflowed', async () => (await blobs.list('overflow/vm/')).length > 0);
    vm = await startVictoriaMetrics(port, vmDir);
    await pusher;
    assert.ok(await runner.drained(60_000), 'queue drained');
    assert.ok(runner.metrics.get('delivery_overflow_samples_total', { destination: 'vm' }) > 0);
    const [r] = await runner.schedules.replayNow();
    assert.equal(r!.stopped, undefined, JSON.stringify(r));
    assert.deepEqual(await blobs.list('overflow/'), []);
    assert.equal(runner.metrics.get('replay_sent_samples_total', { destination: 'vm' }), runner.metrics.get('delivery_overflow_samples_total', { destination: 'vm' }));
    await assertExactlyOnce(vm, 'chaos_metric', total);
  });

  it('two destinations, one down: the healthy one gets everything while the other is still retrying; the other gets it all after replay', async () => {
    const healthy = await startVictoriaMetrics();
    cleanup.push(() => healthy.stop());
    const downPort = await freePort();
    const { runner, blobs } = await runnerFor([
      { name: 'healthy', url: `${healthy.url}/api/v1/write` },
      { name: 'down', url: `http://127.0.0.1:${downPort}/api/v1/write` },
    ]);
    for (let k = 0; k < 5; k++) await push(runner, batch('two_dest', k));
    // On time: complete in the healthy one before the deliver invocation (held up by the down one's 1 s of retries) ends.
    let complete = false;
    await until('the healthy destination has every sample', async () => {
      const got = await healthy.exportSeries('{__name__="two_dest"}');
      complete = got.length === 10 && got.every((s) => s.timestamps.length === 25);
      return complete;
    });
    // No check that the down destination is still retrying at this point: since issue 12 item 7 it is known down
    // after its first batch's budget and parks later batches at once, so by now it may have parked everything.
    assert.equal(runner.metrics.get('delivery_overflow_samples_total', { destination: 'healthy' }), 0);
    assert.ok(await runner.drained(30_000));
    await assertExactlyOnce(healthy, 'two_dest', 5);
    assert.equal(runner.metrics.get('delivery_overflow_samples_total', { destination: 'down' }), 250);
    assert.equal(runner.metrics.get('delivery_overflow_samples_total', { destination: 'healthy' }), 0);
    assert.deepEqual(await blobs.list('overflow/healthy/'), []);

    const [, downWhileDown] = await runner.schedules.replayNow();
    assert.match(downWhileDown!.stopped!, /destination down/);
    const late = await startVictoriaMetrics(downPort);
    cleanup.push(() => late.stop());
    const [h, d] = await runner.schedules.replayNow();
    assert.equal(h!.replayed, 0);
    assert.equal(d!.stopped, undefined);
    assert.deepEqual(await blobs.list('overflow/'), []);
    await assertExactlyOnce(late, 'two_dest', 5);
    await assertExactlyOnce(healthy, 'two_dest', 5);

    // The runner's own counters reach every destination as gateway_* series.
    assert.ok((await runner.schedules.publishSelfMetrics()) > 0);
    assert.ok(await runner.drained(30_000));
    // /api/v1/export without end= leaves out samples from the current second: let it pass.
    await new Promise((r) => setTimeout(r, 1100));
    for (const vm of [healthy, late]) {
      const self = await vm.exportSeries('{__name__="gateway_delivery_overflow_samples_total",destination="down"}');
      assert.equal(self.length, 1);
      assert.equal(self[0]!.metric.function, 'local');
      assert.equal(self[0]!.metric.job, 'metrics-gateway');
      assert.equal(self[0]!.values.at(-1), 250, JSON.stringify(self));
      assert.equal(self[0]!.values[0], 0, 'first export starts from 0 so increase() counts it');
    }
  });

  it('blob store failing while data must overflow: the messages come back as batch item failures and are delivered later', async () => {
    const port = await freePort();
    let failing = true;
    let failedPuts = 0;
    const { runner, blobs } = await runnerFor([{ name: 'vm', url: `http://127.0.0.1:${port}/api/v1/write` }], async (dataDir, logger) => {
      const real = await openBackends({ kind: 'disk', dataDir, maxMessageBytes: 256 * 1024, logger });
      const disk = real.blobs as DiskBlobStore;
      const flaky: BlobStore = {
        put: async (key, body, meta) => {
          if (failing) {
            failedPuts++;
            throw new Error('S3 503 SlowDown (simulated)');
          }
          return disk.put(key, body, meta);
        },
        get: (k) => disk.get(k),
        delete: (k) => disk.delete(k),
        list: (p, o) => disk.list(p, o),
      };
      return { ...real, blobs: flaky };
    });
    for (let k = 0; k < 3; k++) await push(runner, batch('blob_fail', k));
    await until('two rounds of failed overflow writes', () => runner.metrics.get('delivery_blob_store_errors_total') >= 2 * 3, 30_000);
    assert.equal((await blobs.list('overflow/')).length, 0);
    assert.ok(failedPuts >= 6);
    failing = false; // S3 is back; the receiver is still down: the next redelivery parks the data in overflow/.
    assert.ok(await runner.drained(30_000), 'queue drained once the blob store works');
    assert.ok((await blobs.list('overflow/vm/')).length > 0);
    const vm = await startVictoriaMetrics(port);
    cleanup.push(() => vm.stop());
    await runner.schedules.replayNow();
    assert.deepEqual(await blobs.list('overflow/'), []);
    await assertExactlyOnce(vm, 'blob_fail', 3);
  });
});
