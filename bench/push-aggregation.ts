import { applyAggregationBatch, type AggregationRecord } from '../lib/aggregation/durable/apply.ts';
import { flushAggregation } from '../lib/aggregation/durable/flush.ts';
import { createPushAggregation } from '../lib/aggregation/push/ingest.ts';
import { pushSection } from '../lib/aggregation/push/section.ts';
import type { Label, MetricType, TimeSeries } from '../lib/model/types.ts';
import { MemoryCas, noMetrics, quiet } from './memory-cas.ts';
import type { MessageQueue, OutgoingMessage } from '../lib/ports/index.ts';

/**
 * The Pushgateway aggregation mode's cost (docs/pushgateway.md, "Aggregation mode"): the ingest hook
 * routing pushes into FIFO shard messages, the consumer applying them as Lambda hands them over (10
 * messages of one shard per batch: load state, restore, decode, add, snapshot, conditional write) on an
 * in-memory compare-and-swap store (the code's cost, without S3's latency), one flush of every shard, and
 * the state size. CPU time of this process, best of 3.
 *   npx node bench/push-aggregation.ts   (BENCH_GROUPS, BENCH_PUSHES_PER_GROUP, BENCH_SHARDS)
 */
const GROUPS = Number(process.env.BENCH_GROUPS ?? 500);
const PUSHES_PER_GROUP = Number(process.env.BENCH_PUSHES_PER_GROUP ?? 20);
const SHARDS = Number(process.env.BENCH_SHARDS ?? 10);
const T0 = 1_700_000_000_000;


const cpuMs = (d: NodeJS.CpuUsage): number => (d.user + d.system) / 1000;

/** One run's push: 10 counters, 5 gauges, a classic histogram of 10 buckets, push_time_seconds (28 series). */
function pushOf(group: number, k: number): { series: TimeSeries[]; grouping: Label[] } {
  const job = { name: 'job', value: `job-${group}` };
  const s = (name: string, v: number, extra: Label[] = []): TimeSeries => ({ labels: [{ name: '__name__', value: name }, ...extra, job].sort((a, b) => (a.name < b.name ? -1 : 1)), samples: [{ value: v, timestamp: T0 + k }] });
  const series: TimeSeries[] = [];
  for (let i = 0; i < 10; i++) series.push(s(`items_${i}_total`, k + i));
  for (let i = 0; i < 5; i++) series.push(s(`depth_${i}`, k * i));
  for (let b = 0; b < 10; b++) series.push(s('duration_seconds_bucket', k + b, [{ name: 'le', value: String(0.1 * (b + 1)) }]));
  series.push(s('duration_seconds_count', k + 10), s('duration_seconds_sum', k * 0.5), s('push_time_seconds', (T0 + k) / 1000));
  return { series, grouping: [job] };
}

const TYPES = new Map<string, MetricType>([...Array.from({ length: 10 }, (_, i) => [`items_${i}_total`, 'COUNTER'] as [string, MetricType]), ...Array.from({ length: 5 }, (_, i) => [`depth_${i}`, 'GAUGE'] as [string, MetricType]), ['duration_seconds', 'HISTOGRAM']]);

async function run(): Promise<{ route: number; apply: number; flush: number; samples: number; messages: number; stateBytes: number; shardBytes: number[] }> {
  const sent: OutgoingMessage[] = [];
  const queue: MessageQueue = { maxMessageBytes: 256 * 1024, send: async (m) => void sent.push(...m) };
  const hook = createPushAggregation({ section: 'pushgateway', shards: SHARDS, queue });
  let clock = T0;
  const deps = { blobs: { put: async () => {} } as never, clock: { now: () => clock, sleep: async () => {} }, logger: quiet, metrics: noMetrics, maxSamplesPerMessage: 10_000 };
  const pushes = [];
  for (let k = 0; k < PUSHES_PER_GROUP; k++) for (let g = 0; g < GROUPS; g++) pushes.push(pushOf(g, k));
  let samples = 0;
  const c0 = process.cpuUsage();
  for (const p of pushes) {
    clock++;
    samples += p.series.length;
    const outcome = { kind: 'series' as const, series: p.series, errors: [], success: { status: 200 }, pushGroup: { grouping: p.grouping, types: TYPES, op: 'push' as const } };
    await hook.divert(deps, p.series, { tenant: 'default', protocol: 'pushgateway', outcome }).commit();
  }
  const route = cpuMs(process.cpuUsage(c0));
  // Lambda's event source mapping: batches of up to 10 messages of one message group, in order.
  const byGroup = new Map<string, AggregationRecord[]>();
  sent.forEach((m, i) => {
    const list = byGroup.get(m.groupId!) ?? [];
    byGroup.set(m.groupId!, list);
    list.push({ messageId: `m${i}`, body: m.body, attributes: m.attributes, groupId: m.groupId, sequenceNumber: String(1e15 + i) });
  });
  const store = new MemoryCas();
  const sections = new Map([['pushgateway', pushSection({ ttlMs: 15 * 60_000, intervalMs: 30_000 })]]);
  const applyDeps = { state: store, blobs: deps.blobs, sections, logger: quiet, metrics: noMetrics };
  const c1 = process.cpuUsage();
  for (const list of byGroup.values()) for (let i = 0; i < list.length; i += 10) await applyAggregationBatch(applyDeps, list.slice(i, i + 10));
  const apply = cpuMs(process.cpuUsage(c1));
  const shardBytes = [...store.objects.values()].map((b) => b.length);
  let out = 0;
  const c2 = process.cpuUsage();
  await flushAggregation({ ...applyDeps, list: store, send: async (s: TimeSeries[]) => void (out += s.length) }, clock + 30_000);
  const flush = cpuMs(process.cpuUsage(c2));
  if (out !== GROUPS * 28) throw new Error(`flush emitted ${out} series, want ${GROUPS * 28}`);
  return { route, apply, flush, samples, messages: sent.length, stateBytes: shardBytes.reduce((a, b) => a + b, 0), shardBytes };
}

let best: Awaited<ReturnType<typeof run>> | undefined;
for (let i = 0; i < 3; i++) {
  const r = await run();
  if (best === undefined || r.route + r.apply < best.route + best.apply) best = r;
}
const b = best!;
const rate = (ms: number): string => `${Math.round(b.samples / (ms / 1000) / 1000)}k`;
console.log(`groups ${GROUPS} x pushes ${PUSHES_PER_GROUP}: ${b.samples} samples in ${b.messages} messages, ${SHARDS} shards`);
console.log(`route (ingest hook): ${b.route.toFixed(0)} ms CPU, ${rate(b.route)} samples/CPU-s`);
console.log(`apply (consumer, batches of 10, in-memory CAS): ${b.apply.toFixed(0)} ms CPU, ${rate(b.apply)} samples/CPU-s`);
console.log(`flush of every shard (${GROUPS * 28} series): ${b.flush.toFixed(0)} ms CPU`);
console.log(`state: ${b.stateBytes} bytes in ${b.shardBytes.length} shards, ${Math.round(b.stateBytes / GROUPS)} bytes per group, ${Math.round(b.stateBytes / (GROUPS * 28))} bytes per aggregated series`);
