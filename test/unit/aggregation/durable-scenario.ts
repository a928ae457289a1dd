import type { TimeSeries } from '../../../lib/model/types.ts';
import type { BlobStore, ConditionalBlobStore } from '../../../lib/ports/index.ts';
import { applyAggregationBatch, type AggregationRecord } from '../../../lib/aggregation/durable/apply.ts';
import { flushAggregation } from '../../../lib/aggregation/durable/flush.ts';
import { routeToShards } from '../../../lib/aggregation/durable/route.ts';
import { MemoryLogger } from '../../helpers/fakes.ts';
import { ts, T0 } from './helpers.ts';
import { CountingMetrics, FifoSequencer, lastValues, rulesOf, sums } from './durable-helpers.ts';

/**
 * The scale-out scenario of the unit tests: P pushers x M pushes of a counter increment (`jobs_total`, summed
 * across pushes) and a cumulative counter per pusher (`work_seconds_total`, aggregated with `total` without
 * instance), routed into shards, applied with redeliveries, overlapping and concurrent consumers, and flushed
 * in between. What must come out: exactly the sums pushed.
 */
export const RULES = rulesOf([
  { match: 'jobs_total', interval: '1m', by: ['job'], outputs: ['sum_samples_total', 'count_samples'] },
  { match: 'work_seconds_total', interval: '1m', without: ['instance'], outputs: ['total'], ignore_first_sample_interval: '0s', staleness_interval: '10m' },
]);
export const SECTIONS = new Map([['global', RULES]]);
export const SHARDS = 4;

export interface Pushed {
  /** Per job: the sum of the increments pushed. */
  increments: Map<string, number>;
  samples: Map<string, number>;
  /** Per job: the sum of each pusher's last cumulative value. */
  cumulative: Map<string, number>;
  records: AggregationRecord[];
  lastAt: number;
}

export function pushAll(pushers: number, pushes: number, jobs = ['etl', 'report', 'sync']): Pushed {
  const seq = new FifoSequencer();
  const out: Pushed = { increments: new Map(), samples: new Map(), cumulative: new Map(), records: [], lastAt: T0 };
  for (let k = 0; k < pushes; k++) {
    for (let p = 0; p < pushers; p++) {
      const job = jobs[p % jobs.length]!;
      const at = T0 + 5_000 + k * 7_000 + p;
      const inc = (p % 5) + 1;
      const series: TimeSeries[] = [ts('jobs_total', { job, instance: `i${p}` }, inc, at), ts('work_seconds_total', { job, instance: `i${p}` }, (k + 1) * inc, at)];
      const routed = routeToShards(RULES, series, {
        section: 'global',
        shards: SHARDS,
        now: at,
        nonce: `p${p}k${k}`,
        pack: { maxMessageBytes: 256 * 1024, maxSamples: 10_000, tenant: '', source: 'push', newSpoolKey: () => `spool/x/${p}-${k}` },
      });
      out.records.push(...seq.records(routed.messages));
      out.increments.set(job, (out.increments.get(job) ?? 0) + inc);
      out.samples.set(job, (out.samples.get(job) ?? 0) + 1);
      if (k === pushes - 1) out.cumulative.set(job, (out.cumulative.get(job) ?? 0) + (k + 1) * inc);
      out.lastAt = Math.max(out.lastAt, at);
    }
  }
  return out;
}

/** A deterministic generator (xorshift32). */
export function rng(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

export interface Chaos {
  /** Probability that a consumer applies a batch and dies before deleting it (the batch comes back). */
  crash: number;
  /** Probability that a second consumer gets the same group at the same time (visibility timeout ran out). */
  concurrent: number;
  /** Probability of a flush between two batches. */
  flush: number;
}

/**
 * Delivers the records as SQS FIFO would to consumers that crash, overlap and race, flushing in between,
 * then flushes until every interval is closed. Returns every output series sent.
 */
export async function deliverChaotically(store: ConditionalBlobStore & Pick<BlobStore, 'list'>, blobs: BlobStore, pushed: Pushed, chaos: Chaos, seed = 7): Promise<{ out: TimeSeries[]; metrics: CountingMetrics }> {
  const random = rng(seed);
  const metrics = new CountingMetrics();
  const logger = new MemoryLogger();
  const out: TimeSeries[] = [];
  const applyDeps = { state: store, blobs, sections: SECTIONS, logger, metrics };
  const flushDeps = { state: store, list: store, sections: SECTIONS, logger, metrics, send: async (series: TimeSeries[]) => void out.push(...series) };
  const groups = new Map<string, AggregationRecord[]>();
  for (const r of pushed.records) {
    const list = groups.get(r.groupId!) ?? [];
    list.push(r);
    groups.set(r.groupId!, list);
  }
  const pos = new Map([...groups.keys()].map((g) => [g, 0]));
  let flushAt = T0;
  for (;;) {
    const open = [...groups.keys()].filter((g) => pos.get(g)! < groups.get(g)!.length);
    if (open.length === 0) break;
    const g = open[Math.floor(random() * open.length)]!;
    const list = groups.get(g)!;
    const from = pos.get(g)!;
    const batch = list.slice(from, from + 1 + Math.floor(random() * 10));
    const deleteBatch = (failed: string[]): void => {
      // Lambda deletes what was not reported failed: for a FIFO group that is a prefix of the batch.
      const ok = batch.findIndex((r) => failed.includes(r.messageId));
      pos.set(g, from + (ok < 0 ? batch.length : ok));
    };
    if (random() < chaos.concurrent) {
      const other = list.slice(from, from + 1 + Math.floor(random() * 10));
      const [a] = await Promise.all([applyAggregationBatch(applyDeps, batch), applyAggregationBatch(applyDeps, other)]);
      deleteBatch(a.failed);
    } else {
      const res = await applyAggregationBatch(applyDeps, batch);
      if (random() >= chaos.crash) deleteBatch(res.failed);
    }
    if (random() < chaos.flush) {
      flushAt = Math.max(flushAt, batch[0]!.attributes.agg_at ? Number(batch[0]!.attributes.agg_at) : flushAt);
      const r = await flushAggregation(flushDeps, flushAt);
      if (r.failedShards.length) throw new Error(`flush failed: ${r.failedShards.join(', ')}`);
    }
  }
  for (let t = flushAt; t <= pushed.lastAt + 60_000; t += 30_000) await flushAggregation(flushDeps, t);
  await flushAggregation(flushDeps, pushed.lastAt + 60_000);
  return { out, metrics };
}

/** What the outputs say, in the shape of Pushed's expectations. */
export function tally(out: readonly TimeSeries[], interval = '1m'): { increments: Map<string, number>; samples: Map<string, number>; cumulative: Map<string, number> } {
  const last = lastValues(out);
  const pick = (prefix: string): Map<string, number> => {
    const m = new Map<string, number>();
    for (const [k, v] of last) if (k.startsWith(prefix + '{job=')) m.set(k.slice(prefix.length + 5, -1), v);
    return m;
  };
  const samples = new Map([...sums(out, `jobs_total:${interval}_by_job_count_samples`)].map(([k, v]) => [k.slice(4), v]));
  return { increments: pick(`jobs_total:${interval}_by_job_sum_samples_total`), samples, cumulative: pick(`work_seconds_total:${interval}_without_instance_total`) };
}
