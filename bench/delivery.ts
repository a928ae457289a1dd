/**
 * Delivery CPU efficiency and replay throughput against a real VictoriaMetrics on loopback.
 * Run: ./node_modules/.bin/node bench/delivery.ts [samples=1000000]
 *   1. deliver, relabel path: queue messages (10k samples each) -> decode -> write_relabel_configs ->
 *      encode -> snappy -> remote_write to VictoriaMetrics; samples per CPU-second of this process.
 *   2. deliver, forward path (no relabeling: the queued payload is sent as is), for comparison: records as the
 *      local runner's disk queue gives them (bodies are the payload's bytes), then as SQS delivers them to the
 *      deliver Lambda (bodies are base64 text, decoded by delivery).
 *   3. replay: the same payloads parked under overflow/ in the disk blob store, drained with
 *      concurrency 1 and 4 (rate limits out of the way); samples and objects per second (wall) and per CPU-second.
 * VictoriaMetrics runs in its own process; its CPU is not counted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NodeHttpClient } from '../lib/adapters/http/node-http-client.ts';
import { DiskBlobStore } from '../lib/adapters/local/disk-blob-store.ts';
import { CounterRegistry, systemClock } from '../lib/adapters/system.ts';
import { parseGatewayConfig } from '../lib/config/schema.ts';
import { deliverBatch, destinationFor, type QueueRecord } from '../lib/delivery/deliver.ts';
import { blobKey } from '../lib/queue/bucket-keys.ts';
import { replayOverflow } from '../lib/delivery/replay.ts';
import type { TimeSeries } from '../lib/model/types.ts';
import { packSeries } from '../lib/queue/envelope.ts';
import { startVictoriaMetrics } from '../test/helpers/services.ts';
import { MemoryLogger } from '../test/helpers/fakes.ts';

const total = Number(process.argv[2] ?? 1_000_000);
const PER_SERIES = 10;
const T0 = Date.now() - 3_600_000;

function generate(run: string): TimeSeries[] {
  return Array.from({ length: Math.ceil(total / PER_SERIES) }, (_, i) => ({
    labels: [
      { name: '__name__', value: `bench_${['http_requests_total', 'node_cpu_seconds_total', 'go_goroutines', 'process_resident_memory_bytes'][i % 4]}` },
      { name: 'env', value: i % 3 ? 'prod' : 'staging' },
      { name: 'instance', value: `10.0.${(i >> 8) & 255}.${i & 255}:9100` },
      { name: 'job', value: `job-${i % 10}` },
      { name: 'pod', value: `pod-${i}` },
      { name: 'run', value: run },
    ],
    samples: Array.from({ length: PER_SERIES }, (_, j) => ({ value: i + j, timestamp: T0 + j * 15_000 })),
  }));
}

/** Queue records of the generated series; `sqs`: bodies as SQS carries them (a payload's base64 text). */
function records(run: string, sqs = false): QueueRecord[] {
  const packed = packSeries(generate(run), { maxMessageBytes: 1024 * 1024, maxSamples: 10_000, tenant: 'b', source: 'push', newSpoolKey: () => 'spool/x' });
  const text = (b: QueueRecord['body']): string => (typeof b === 'string' ? b : Buffer.from(b).toString('base64'));
  return packed.messages.map((m, i) => ({ messageId: `m${i}`, body: sqs ? text(m.body) : m.body, attributes: m.attributes }));
}

function cpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

const fmt = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(0)}k`);

const vm = await startVictoriaMetrics();
const http = new NodeHttpClient();
const logger = new MemoryLogger();
const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-delivery-'));
try {
  const url = `${vm.url}/api/v1/write`;
  for (const [label, rules, sqs] of [
    ['relabel path (decode, 2 write_relabel rules, encode, send)', [{ action: 'labeldrop', regex: 'pod' }, { source_labels: ['instance'], regex: '([^:]+):\\d+', target_label: 'host' }], false],
    ['forward path (payload sent as queued)', [], false],
    ['forward path, SQS records (base64 text bodies)', [], true],
  ] as const) {
    const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ name: 'vm', url, write_relabel_configs: rules, queue_config: { max_samples_per_send: 10_000 } }] });
    const deps = { destinations: config.remoteWrite.map((c) => destinationFor(c)), http, blobs: new DiskBlobStore(dir), clock: systemClock, logger, metrics: new CounterRegistry(), random: Math.random };
    const recs = records(label.slice(0, 7) + (sqs ? 'sqs' : ''), sqs);
    const c0 = cpu();
    const w0 = performance.now();
    for (let i = 0; i < recs.length; i += 10) {
      const r = await deliverBatch(recs.slice(i, i + 10), Date.now() + 60_000, deps);
      if (r.failedMessageIds.length) throw new Error('delivery failed');
    }
    const cpuS = cpu() - c0;
    const sent = deps.metrics.get('delivery_sent_samples_total');
    if (sent !== total) throw new Error(`sent ${sent} of ${total}`);
    console.log(`deliver, ${label}: ${total} samples, ${cpuS.toFixed(2)} CPU s, ${fmt(total / cpuS)} samples/CPU-s, ${fmt(total / ((performance.now() - w0) / 1000))} samples/s wall`);
  }

  for (const concurrency of [1, 4]) {
    const blobs = new DiskBlobStore(path.join(dir, `replay-${concurrency}`));
    const recs = records(`replay${concurrency}`);
    let bytes = 0;
    for (const [i, r] of recs.entries()) {
      const body = typeof r.body === 'string' ? Buffer.from(r.body, 'base64') : r.body;
      bytes += body.length;
      await blobs.put(blobKey('overflow', 'vm', T0 + i, r.messageId), body, { samples: r.attributes.samples! });
    }
    const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ name: 'vm', url, queue_config: { max_samples_per_send: 10_000 } }] });
    const metrics = new CounterRegistry();
    const deps = { destinations: config.remoteWrite.map((c) => destinationFor(c)), http, blobs, clock: systemClock, logger, metrics, random: Math.random };
    const c0 = cpu();
    const w0 = performance.now();
    const [r] = await replayOverflow(deps, { concurrency, maxObjectsPerSecond: 1e6, maxBytesPerSecond: 1e12, deadline: Date.now() + 600_000 });
    const wall = (performance.now() - w0) / 1000;
    const cpuS = cpu() - c0;
    if (r!.stopped || r!.left) throw new Error(`replay stopped: ${JSON.stringify(r)}`);
    const sent = metrics.get('replay_sent_samples_total');
    console.log(`replay, concurrency ${concurrency}: ${recs.length} objects (${(bytes / 1e6).toFixed(1)} MB), ${sent} samples in ${wall.toFixed(2)} s wall: ${fmt(sent / wall)} samples/s, ${(recs.length / wall).toFixed(0)} objects/s; ${cpuS.toFixed(2)} CPU s, ${fmt(sent / cpuS)} samples/CPU-s`);
  }
} finally {
  http.close();
  await vm.stop();
  rmSync(dir, { recursive: true, force: true });
}
