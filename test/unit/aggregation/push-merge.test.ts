import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addHistograms, expand } from '../../../lib/aggregation/push/native-sum.ts';
import { kindOf, PushMerge } from '../../../lib/aggregation/push/push-merge.ts';
import type { Histogram, MetricType, TimeSeries } from '../../../lib/model/types.ts';
import { render, T0, ts } from './helpers.ts';

const TYPES = new Map<string, MetricType>([
  ['jobs_total', 'COUNTER'],
  ['queue_depth', 'GAUGE'],
  ['duration_seconds', 'HISTOGRAM'],
  ['size_bytes', 'SUMMARY'],
]);

function hist(schema: number, positive: Record<number, number>, opts: Partial<Histogram> = {}): Histogram {
  const idx = Object.keys(positive).map(Number).sort((a, b) => a - b);
  const spans = idx.map((i, k) => ({ offset: k === 0 ? i : i - idx[k - 1]! - 1, length: 1 }));
  const counts = idx.map((i) => positive[i]!);
  const total = counts.reduce((a, b) => a + b, 0) + (opts.zeroCount ?? 0);
  return { timestamp: T0, float: true, count: total, sum: total, schema, zeroThreshold: 0, zeroCount: 0, negativeSpans: [], negativeBuckets: [], positiveSpans: spans, positiveBuckets: counts, resetHint: 0, customValues: [], ...opts };
}

function buckets(h: Histogram): Record<number, number> {
  return Object.fromEntries(expand(h.positiveSpans, h.positiveBuckets, h.float));
}

describe('PushMerge: counters from short-lived pushers', () => {
  test('counters, classic histogram and summary count/sum add up across pushes; gauges, untyped and quantiles keep the last value', () => {
    const m = new PushMerge({ ttlMs: 60_000 });
    for (let i = 1; i <= 3; i++) {
      m.push('job=etl', [
        ts('jobs_total', { job: 'etl' }, 5, T0 + i),
        ts('queue_depth', { job: 'etl' }, i * 10, T0 + i),
        ts('untyped_thing', { job: 'etl' }, i, T0 + i),
        ts('duration_seconds_bucket', { job: 'etl', le: '1' }, 2, T0 + i),
        ts('duration_seconds_bucket', { job: 'etl', le: '+Inf' }, 3, T0 + i),
        ts('duration_seconds_count', { job: 'etl' }, 3, T0 + i),
        ts('duration_seconds_sum', { job: 'etl' }, 1.5, T0 + i),
        ts('size_bytes', { job: 'etl', quantile: '0.5' }, 100 * i, T0 + i),
        ts('size_bytes_count', { job: 'etl' }, 4, T0 + i),
        ts('size_bytes_sum', { job: 'etl' }, 40, T0 + i),
      ], TYPES, T0 + i * 1000);
    }
    assert.deepEqual(render(m.emit(T0 + 10_000)), [
      'duration_seconds_bucket{job="etl",le="+Inf"} @10s = 9',
      'duration_seconds_bucket{job="etl",le="1"} @10s = 6',
      'duration_seconds_count{job="etl"} @10s = 9',
      'duration_seconds_sum{job="etl"} @10s = 4.5',
      'jobs_total{job="etl"} @10s = 15',
      'queue_depth{job="etl"} @10s = 30',
      'size_bytes_count{job="etl"} @10s = 12',
      'size_bytes_sum{job="etl"} @10s = 120',
      'size_bytes{job="etl",quantile="0.5"} @10s = 300',
      'untyped_thing{job="etl"} @10s = 3',
    ]);
  });

  const kinds: [string, string, MetricType | undefined, 'sum' | 'last'][] = [
    ['counter by its own name', 'a_total', 'COUNTER', 'sum'],
    ['counter family without _total', 'b_total', undefined, 'last'],
    ['gauge', 'c', 'GAUGE', 'last'],
    ['gauge histogram bucket', 'd_bucket', undefined, 'last'],
  ];
  for (const [name, series, type, want] of kinds) {
    test(`kindOf: ${name}`, () => {
      const types = new Map<string, MetricType>(type ? [[series, type]] : []);
      if (series === 'd_bucket') types.set('d', 'GAUGEHISTOGRAM');
      assert.equal(kindOf(series, types), want);
    });
  }
  test('kindOf: an OpenMetrics counter family `b` makes b_total a sum', () => assert.equal(kindOf('b_total', new Map([['b', 'COUNTER']])), 'sum'));

  test('TTL: a group is emitted up to lastPush + ttl, then once as staleness markers, then never', () => {
    const m = new PushMerge({ ttlMs: 60_000 });
    m.push('job=a', [ts('jobs_total', { job: 'a' }, 1, T0)], TYPES, T0);
    m.push('job=b', [ts('jobs_total', { job: 'b' }, 1, T0)], TYPES, T0 + 30_000);
    assert.deepEqual(render(m.emit(T0 + 60_000)), ['jobs_total{job="a"} @60s = 1', 'jobs_total{job="b"} @60s = 1']);
    const past = m.emit(T0 + 60_001);
    const stale = past.find((s) => s.labels.some((l) => l.value === 'a'))!;
    assert.equal(stale.samples[0]!.stale, true);
    assert.ok(Number.isNaN(stale.samples[0]!.value));
    assert.equal(past.filter((s) => s.samples[0]!.stale).length, 1);
    assert.deepEqual(render(m.emit(T0 + 60_002)), ['jobs_total{job="b"} @60.002s = 1']);
    assert.equal(m.groupCount, 1);
  });

  test('a push after expiry starts the group from zero', () => {
    const m = new PushMerge({ ttlMs: 1000 });
    m.push('g', [ts('jobs_total', { job: 'a' }, 7, T0)], TYPES, T0);
    m.emit(T0 + 2000);
    m.push('g', [ts('jobs_total', { job: 'a' }, 2, T0)], TYPES, T0 + 3000);
    assert.deepEqual(render(m.emit(T0 + 3000)), ['jobs_total{job="a"} @3s = 2']);
  });

  test('snapshot and restore continue exactly', () => {
    const a = new PushMerge({ ttlMs: 60_000 });
    a.push('g', [ts('jobs_total', { job: 'a' }, 0.1, T0), ts('queue_depth', { job: 'a' }, Infinity, T0)], TYPES, T0);
    const h: TimeSeries = { labels: [{ name: '__name__', value: 'duration_seconds' }], samples: [], histograms: [hist(1, { 1: 2, 3: 1 })] };
    a.push('g', [h], TYPES, T0);
    const b = new PushMerge({ ttlMs: 60_000 });
    b.restore(a.snapshot());
    for (const m of [a, b]) m.push('g', [ts('jobs_total', { job: 'a' }, 0.2, T0), h], TYPES, T0 + 1000);
    assert.deepEqual(JSON.stringify(b.emit(T0 + 2000)), JSON.stringify(a.emit(T0 + 2000)));
  });
});

describe('native histogram sums (Prometheus FloatHistogram.Add)', () => {
  test('same schema: bucket-wise sum', () => {
    const s = addHistograms(hist(2, { 1: 1, 2: 2 }), hist(2, { 2: 3, 5: 1 }), T0);
    assert.equal(s.schema, 2);
    assert.deepEqual(buckets(s), { 1: 1, 2: 5, 5: 1 });
    assert.equal(s.count, 7);
  });

  test('different schemas reduce to the smaller one: index i at schema s goes to ((i-1) >> (s-t)) + 1', () => {
    // Schema 1 buckets (1,√2], (√2,2], (2,2√2], (1/√2,1], (1/2,1/√2] -> schema 0 buckets (1,2], (1,2], (2,4], (1/2,1], (1/2,1].
    const s = addHistograms(hist(1, { 1: 1, 2: 2, 3: 4, 0: 8, [-1]: 16 }), hist(0, { 1: 100 }), T0);
    assert.equal(s.schema, 0);
    assert.deepEqual(buckets(s), { 0: 24, 1: 103, 2: 4 });
    // Order does not matter.
    assert.deepEqual(buckets(addHistograms(hist(0, { 1: 100 }), hist(1, { 1: 1, 2: 2, 3: 4, 0: 8, [-1]: 16 }), T0)), buckets(s));
    // Three steps apart (schema 3 to 0): 8 buckets per one.
    assert.deepEqual(buckets(addHistograms(hist(3, { 1: 1, 8: 1, 9: 1 }), hist(0, {}), T0)), { 1: 2, 2: 1 });
  });

  test('integer histograms (bucket deltas) add as their absolute counts', () => {
    const int: Histogram = { ...hist(0, {}), float: false, count: 6, positiveSpans: [{ offset: 1, length: 3 }], positiveBuckets: [1, 1, 1] };
    assert.deepEqual(buckets(addHistograms(int, hist(0, { 2: 10 }), T0)), { 1: 1, 2: 12, 3: 3 });
  });

  test('the wider zero bucket takes in the buckets reaching into it', () => {
    const s = addHistograms(hist(0, { [-1]: 1, 0: 2, 1: 4 }, { zeroThreshold: 0.5, zeroCount: 3 }), hist(0, { 1: 1 }, { zeroThreshold: 0.001 }), T0);
    // (1/4,1/2] lies at or below 0.5, (1/2,1] straddles nothing: only index -1 merges.
    assert.equal(s.zeroThreshold, 0.5);
    assert.equal(s.zeroCount, 4);
    assert.deepEqual(buckets(s), { 0: 2, 1: 5 });
    const straddle = addHistograms(hist(0, { 0: 2, 1: 4 }, { zeroThreshold: 0.7 }), hist(0, {}), T0);
    assert.equal(straddle.zeroThreshold, 1, 'widened to the upper bound of (1/2,1]');
    assert.equal(straddle.zeroCount, 2);
  });

  test('custom buckets add only with the same bounds; otherwise the push replaces the sum and is counted', () => {
    const c1 = { ...hist(-53, { 0: 1, 1: 2 }), customValues: [1, 2] };
    assert.deepEqual(buckets(addHistograms(c1, c1, T0)), { 0: 2, 1: 4 });
    const c2 = { ...hist(-53, { 0: 5 }), customValues: [1, 3] };
    assert.throws(() => addHistograms(c1, c2, T0), /different custom bucket bounds/);
    const m = new PushMerge({ ttlMs: 60_000 });
    const series = (h: Histogram): TimeSeries => ({ labels: [{ name: '__name__', value: 'duration_seconds' }], samples: [], histograms: [h] });
    m.push('g', [series(c1)], TYPES, T0);
    assert.equal(m.push('g', [series(c2)], TYPES, T0 + 1).replacedHistograms, 1);
    assert.deepEqual(buckets(m.emit(T0 + 2)[0]!.histograms![0]!), { 0: 5 });
  });
});
