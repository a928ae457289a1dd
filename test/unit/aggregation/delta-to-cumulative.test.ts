import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DeltaToCumulative } from '../../../lib/aggregation/delta/delta-to-cumulative.ts';
import { expand } from '../../../lib/aggregation/push/native-sum.ts';
import type { Histogram, TimeSeries } from '../../../lib/model/types.ts';
import { T0 } from './helpers.ts';

const LABELS = [{ name: '__name__', value: 'requests_total' }, { name: 'service', value: 'api' }];

/** A delta point: value over (start, t], times in seconds after T0. */
function delta(startSec: number, tSec: number, value: number): TimeSeries {
  return { labels: LABELS, samples: [{ value, timestamp: T0 + tSec * 1000, startTimestamp: T0 + startSec * 1000 }], withStartTimestamps: true };
}

function points(r: { series: TimeSeries[] }): string[] {
  return r.series.flatMap((s) => s.samples.map((p) => `${(p.startTimestamp! - T0) / 1000}..${(p.timestamp - T0) / 1000}=${p.value}`));
}

function d2c(): DeltaToCumulative {
  return new DeltaToCumulative({ maxStaleMs: 300_000, maxStreams: 1000 });
}

describe('OTLP delta to cumulative (the deltatocumulative processor rules)', () => {
  const cases: { name: string; input: TimeSeries[]; want: string[]; dropped?: Partial<Record<'older_start' | 'out_of_order' | 'limit', number>> }[] = [
    { name: 'contiguous deltas add up; the start time stays the first one', input: [delta(0, 10, 1), delta(10, 20, 2), delta(20, 30, 3)], want: ['0..10=1', '0..20=3', '0..30=6'] },
    { name: 'a gap (start after the last time) is added as well', input: [delta(0, 10, 1), delta(15, 20, 2)], want: ['0..10=1', '0..20=3'] },
    { name: 'a point at or before the last time is out of order and dropped', input: [delta(0, 10, 1), delta(10, 20, 2), delta(5, 20, 7), delta(10, 15, 9)], want: ['0..10=1', '0..20=3'], dropped: { out_of_order: 2 } },
    { name: 'a point starting before the stream is from an older writer and dropped', input: [delta(100, 110, 1), delta(50, 120, 5), delta(110, 120, 2)], want: ['100..110=1', '100..120=3'], dropped: { older_start: 1 } },
    { name: 'a point without a start time follows the last one', input: [delta(0, 10, 1), { labels: LABELS, samples: [{ value: 4, timestamp: T0 + 20_000 }] }], want: ['0..10=1', '0..20=5'] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = d2c().push(c.input, T0);
      assert.deepEqual(points(r), c.want);
      assert.deepEqual(r.dropped, { older_start: 0, out_of_order: 0, limit: 0, incompatible: 0, ...c.dropped });
    });
  }

  test('streams are independent', () => {
    const other = { labels: [{ name: '__name__', value: 'requests_total' }, { name: 'service', value: 'db' }], samples: [{ value: 10, timestamp: T0 + 10_000, startTimestamp: T0 }] };
    const r = d2c().push([delta(0, 10, 1), other, delta(10, 20, 1)], T0);
    assert.deepEqual(points(r), ['0..10=1', '0..10=10', '0..20=2']);
  });

  test('a stream not updated for maxStaleMs is forgotten: its next point starts afresh (at the limit it is kept)', () => {
    const c = new DeltaToCumulative({ maxStaleMs: 60_000, maxStreams: 10 });
    c.push([delta(0, 10, 1)], T0);
    assert.deepEqual(points(c.push([delta(10, 20, 1)], T0 + 60_000)), ['0..20=2']);
    assert.deepEqual(points(c.push([delta(20, 30, 5)], T0 + 120_001)), ['20..30=5']);
  });

  test('maxStreams: at the limit a new stream is taken, past it dropped and counted', () => {
    const c = new DeltaToCumulative({ maxStaleMs: 60_000, maxStreams: 1 });
    const r = c.push([delta(0, 10, 1), { labels: [{ name: '__name__', value: 'x' }], samples: [{ value: 1, timestamp: T0 + 10_000 }] }], T0);
    assert.deepEqual(points(r), ['0..10=1']);
    assert.equal(r.dropped.limit, 1);
  });

  test('a staleness marker passes through and ends the stream', () => {
    const c = d2c();
    c.push([delta(0, 10, 1)], T0);
    const r = c.push([{ labels: LABELS, samples: [{ value: NaN, timestamp: T0 + 15_000, stale: true }] }], T0);
    assert.equal(r.series[0]!.samples[0]!.stale, true);
    assert.equal(c.streamCount, 0);
  });

  test('exponential histograms accumulate with the smaller scale', () => {
    const h = (start: number, t: number, schema: number, positive: [number, number][]): TimeSeries => ({
      labels: [{ name: '__name__', value: 'latency_seconds' }],
      samples: [],
      histograms: [
        {
          timestamp: T0 + t * 1000,
          startTimestamp: T0 + start * 1000,
          float: true,
          count: positive.reduce((a, [, c]) => a + c, 0),
          sum: 1,
          schema,
          zeroThreshold: 0,
          zeroCount: 0,
          negativeSpans: [],
          negativeBuckets: [],
          positiveSpans: positive.map(([i], k) => ({ offset: k === 0 ? i : i - positive[k - 1]![0] - 1, length: 1 })),
          positiveBuckets: positive.map(([, c]) => c),
          resetHint: 0,
          customValues: [],
        } satisfies Histogram,
      ],
    });
    const c = d2c();
    c.push([h(0, 10, 1, [[1, 1], [2, 2]])], T0);
    const r = c.push([h(10, 20, 0, [[1, 4]])], T0);
    const got = r.series[0]!.histograms![0]!;
    assert.equal(got.schema, 0);
    assert.equal(got.count, 7);
    assert.equal(got.sum, 2);
    assert.equal(got.startTimestamp, T0);
    assert.deepEqual(Object.fromEntries(expand(got.positiveSpans, got.positiveBuckets, true)), { 1: 7 });
  });

  test('snapshot and restore continue exactly', () => {
    const a = d2c();
    a.push([delta(0, 10, 0.1)], T0);
    const b = d2c();
    b.restore(a.snapshot());
    assert.deepEqual(points(b.push([delta(10, 20, 0.2), delta(5, 20, 1)], T0)), points(a.push([delta(10, 20, 0.2), delta(5, 20, 1)], T0)));
  });
});
