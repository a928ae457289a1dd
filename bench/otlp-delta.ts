import { DeltaToCumulative } from '../lib/aggregation/delta/delta-to-cumulative.ts';
import { createOtlpDeltaIngest } from '../lib/aggregation/delta/ingest.ts';
import { OTLP_DELTA_SECTION, otlpDeltaSection } from '../lib/aggregation/delta/section.ts';
import { applyAggregationBatch, type AggregationRecord } from '../lib/aggregation/durable/apply.ts';
import type { RouteOutcome } from '../lib/ingest/types.ts';
import type { TimeSeries } from '../lib/model/types.ts';
import type { OutgoingMessage } from '../lib/ports/index.ts';
import { fmt } from './lib.ts';
import { MemoryCas, noMetrics, quiet } from './memory-cas.ts';

/**
 * OTLP delta to cumulative (otlp.delta_to_cumulative), `npx node bench/otlp-delta.ts`: STREAMS delta
 * counter streams, REQUESTS requests of one point per stream. CPU time of this process, best of 3: the
 * conversion alone in memory, the ingest hook routing into 16 FIFO shards, and the durable apply as Lambda
 * hands it over (10 messages of one group per batch: load state, restore, decode, convert, snapshot,
 * conditional write, send) on an in-memory compare-and-swap store; then the state bytes per stream.
 */
const STREAMS = Number(process.env.BENCH_STREAMS ?? 10_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100);
const SHARDS = 16;
const T0 = 1_700_000_000_000;


const cpuMs = (d: NodeJS.CpuUsage): number => (d.user + d.system) / 1000;

function request(r: number): TimeSeries[] {
  const out: TimeSeries[] = [];
  for (let i = 0; i < STREAMS; i++) {
    out.push({
      labels: [{ name: '__name__', value: 'jobs_processed' }, { name: 'instance', value: `run-${i % 500}` }, { name: 'job', value: 'etl' }, { name: 'queue', value: `q${Math.floor(i / 500)}` }],
      samples: [{ value: 1 + (i % 7), timestamp: T0 + r * 10_000, startTimestamp: T0 + (r - 1) * 10_000 }],
      withStartTimestamps: true,
    });
  }
  return out;
}

const requests = Array.from({ length: REQUESTS }, (_, r) => request(r));
const samples = STREAMS * REQUESTS;

let convertMs = Infinity;
for (let rep = 0; rep < 3; rep++) {
  const conv = new DeltaToCumulative({ maxStaleMs: 300_000, maxStreams: STREAMS });
  const t = process.cpuUsage();
  for (let r = 0; r < REQUESTS; r++) conv.push(requests[r]!, T0 + r * 10_000);
  convertMs = Math.min(convertMs, cpuMs(process.cpuUsage(t)));
}
process.stdout.write(`convert in memory: ${fmt((samples / convertMs) * 1000)} samples/CPU-s (${convertMs.toFixed(0)} ms CPU)\n`);

const sent: OutgoingMessage[] = [];
const queue = { maxMessageBytes: 256 * 1024, async send(m: readonly OutgoingMessage[]) { sent.push(...m); } };
const hook = createOtlpDeltaIngest({ shards: SHARDS, queue });
let routeMs = Infinity;
for (let rep = 0; rep < 3; rep++) {
  sent.length = 0;
  const t = process.cpuUsage();
  for (let r = 0; r < REQUESTS; r++) {
    const series = requests[r]!;
    const outcome = { kind: 'series', series, errors: [], success: { status: 200 }, delta: new Set(series) } as Extract<RouteOutcome, { kind: 'series' }>;
    const d = hook.divert({ blobs: new MemoryCas(), clock: { now: () => T0 + r * 10_000, sleep: async () => {} }, logger: quiet, metrics: noMetrics, maxSamplesPerMessage: 10_000 }, series, { tenant: 'bench', protocol: 'otlp', outcome });
    await d.commit();
  }
  routeMs = Math.min(routeMs, cpuMs(process.cpuUsage(t)));
}
const seq = new Map<string, number>();
const records: AggregationRecord[] = sent.map((m) => {
  const n = (seq.get(m.groupId!) ?? 0) + 1;
  seq.set(m.groupId!, n);
  return { messageId: `${m.groupId}-${n}`, body: m.body, attributes: m.attributes, groupId: m.groupId, sequenceNumber: String(1e15 + n) };
});
const byGroup = new Map<string, AggregationRecord[]>();
for (const r of records) byGroup.set(r.groupId!, [...(byGroup.get(r.groupId!) ?? []), r]);
const batches: AggregationRecord[][] = [];
for (const list of byGroup.values()) for (let i = 0; i < list.length; i += 10) batches.push(list.slice(i, i + 10));
process.stdout.write(`route into ${SHARDS} shards: ${fmt((samples / routeMs) * 1000)} samples/CPU-s (${routeMs.toFixed(0)} ms CPU, ${records.length} messages, ${batches.length} batches of <= 10)\n`);

let applyMs = Infinity;
let stateBytes = 0;
let out = 0;
for (let rep = 0; rep < 3; rep++) {
  const store = new MemoryCas();
  out = 0;
  const deps = { state: store, blobs: store, sections: new Map([[OTLP_DELTA_SECTION, otlpDeltaSection({ maxStaleMs: 3_600_000, maxStreamsPerShard: STREAMS, shards: SHARDS })]]), logger: quiet, metrics: noMetrics, send: async (s: TimeSeries[]) => void (out += s.length) };
  const t = process.cpuUsage();
  for (const b of batches) if ((await applyAggregationBatch(deps, b)).failed.length) throw new Error('bench batch failed');
  applyMs = Math.min(applyMs, cpuMs(process.cpuUsage(t)));
  stateBytes = 0;
  for (let s = 0; s < SHARDS; s++) stateBytes += (await store.getVersioned(`state/aggregation/${OTLP_DELTA_SECTION}/${s}`))?.body.length ?? 0;
}
if (out !== samples) throw new Error(`expected ${samples} cumulative points, got ${out}`);
process.stdout.write(`apply (in-memory CAS store, output sent): ${fmt((samples / applyMs) * 1000)} samples/CPU-s (${applyMs.toFixed(0)} ms CPU); state ${fmt(stateBytes)} bytes for ${STREAMS} streams, ${(stateBytes / STREAMS).toFixed(0)} bytes a stream\n`);
