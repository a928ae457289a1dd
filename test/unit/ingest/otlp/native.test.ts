import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { histogramProblem } from '../../../../lib/model/histogram-check.ts';
import type { Histogram, TimeSeries } from '../../../../lib/model/types.ts';
import { convertBucketsLayout, convertExemplars, exponentialToNative, OTLP_ZERO_THRESHOLD } from '../../../../lib/ingest/otlp/native.ts';
import type { ExponentialHistogramPoint, OtlpExemplar } from '../../../../lib/ingest/otlp/model.ts';
import { parseOtlpMetrics, type OtlpOptions } from '../../../../lib/ingest/otlp/parse.ts';
import { attrs, jsonBody, NOW, protobufBody, render, renderExemplars, renderHistograms, request, T_MS, T_NANOS } from './helpers.ts';

/**
 * Issue 13, OTLP: exponential histograms -> native histograms, exemplars -> exemplars, start times -> start
 * timestamps. Expected values follow Prometheus 3's OTLP receiver (otlptranslator/prometheusremotewrite
 * histograms.go and helper.go); each table row names the rule it pins.
 */
const CUMULATIVE = 2;
const START_NANOS = '1699999990000000000';
const START_MS = 1_699_999_990_000;

describe('convertBucketsLayout (OTLP dense buckets -> native spans and deltas)', () => {
  const cases: { name: string; counts: number[]; offset: number; scaleDown: number; spans: [number, number][]; deltas: number[] }[] = [
    { name: 'no buckets: no spans', counts: [], offset: 7, scaleDown: 0, spans: [], deltas: [] },
    { name: 'OTLP index k is native index k+1; counts become deltas', counts: [1, 2, 3], offset: 0, scaleDown: 0, spans: [[1, 3]], deltas: [1, 1, 1] },
    { name: 'negative offset; empty buckets inside are kept', counts: [1, 0, 0, 2], offset: -3, scaleDown: 0, spans: [[-2, 4]], deltas: [1, -1, 0, 2] },
    { name: 'a gap of 2 empty buckets stays in the span', counts: [1, 0, 0, 1], offset: 0, scaleDown: 0, spans: [[1, 4]], deltas: [1, -1, 0, 1] },
    { name: 'a gap of 3 empty buckets starts a new span', counts: [1, 0, 0, 0, 1], offset: 0, scaleDown: 0, spans: [[1, 1], [3, 1]], deltas: [1, 0] },
    { name: 'leading empty buckets are skipped', counts: [0, 0, 0, 0, 5], offset: 10, scaleDown: 0, spans: [[11, 0], [4, 1]], deltas: [5] },
    { name: 'downscaling by 1 merges pairs', counts: [1, 2, 3, 4], offset: 0, scaleDown: 1, spans: [[1, 2]], deltas: [3, 4] },
    { name: 'downscaling a negative offset floors the index', counts: [1, 1, 1], offset: -3, scaleDown: 1, spans: [[-1, 2]], deltas: [1, 1] },
    { name: 'downscaling by 12 (SDK scale 20) merges everything nearby', counts: [2, 3], offset: 5, scaleDown: 12, spans: [[1, 1]], deltas: [5] },
    { name: 'downscaling by 32 or more shifts as Go does (everything in bucket 1, or 0 below zero), not as JavaScript masks it', counts: [1], offset: 300, scaleDown: 40, spans: [[1, 1]], deltas: [1] },
    { name: 'downscaling by 40, negative offset', counts: [1], offset: -300, scaleDown: 40, spans: [[0, 1]], deltas: [1] },
    // Prometheus carries an empty merged bucket forward by its first OTLP bucket only: the total is kept, the
    // layout is Prometheus' (merged bucket 3 gets 4, bucket 4 gets 5), which is what its receiver stores.
    { name: 'downscaling after an empty merged bucket: laid out as Prometheus does', counts: [3, 0, 0, 0, 0, 0, 4, 5], offset: 0, scaleDown: 1, spans: [[1, 4]], deltas: [3, -3, 4, 1] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = convertBucketsLayout(c.counts, c.offset, c.scaleDown);
      assert.deepEqual(r.spans.map((s) => [s.offset, s.length]), c.spans);
      assert.deepEqual(r.deltas, c.deltas);
    });
  }
});

/** Native bucket index -> count, from spans and deltas (empty buckets left out). */
function nativeBuckets(spans: { offset: number; length: number }[], deltas: number[]): Map<number, number> {
  const out = new Map<number, number>();
  let idx = 0;
  let k = 0;
  let count = 0;
  for (let s = 0; s < spans.length; s++) {
    idx += spans[s]!.offset;
    for (let j = 0; j < spans[s]!.length; j++) {
      count += deltas[k++]!;
      if (count !== 0) out.set(idx, count);
      idx++;
    }
  }
  return out;
}

describe('convertBucketsLayout properties', () => {
  const counts = fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 40 });
  const offset = fc.integer({ min: -300, max: 300 });
  it('the bucket total is preserved at every scale-down, spans cover exactly the deltas, no count goes negative', () => {
    fc.assert(
      fc.property(counts, offset, fc.integer({ min: 0, max: 12 }), (c, o, sd) => {
        const r = convertBucketsLayout(c, o, sd);
        assert.equal(r.spans.reduce((n, s) => n + s.length, 0), r.deltas.length);
        let abs = 0;
        let total = 0;
        for (const d of r.deltas) {
          abs += d;
          assert.ok(abs >= 0);
          total += abs;
        }
        assert.equal(total, c.reduce((a, b) => a + b, 0));
        for (let i = 1; i < r.spans.length; i++) assert.ok(r.spans[i]!.offset > 2, 'a new span only after more than 2 empty buckets');
      }),
    );
  });
  it('without scale-down every OTLP bucket k lands in native bucket k+1 with its count', () => {
    fc.assert(
      fc.property(counts, offset, (c, o) => {
        const r = convertBucketsLayout(c, o, 0);
        const want = new Map<number, number>();
        c.forEach((n, i) => n !== 0 && want.set(o + i + 1, n));
        assert.deepEqual(nativeBuckets(r.spans, r.deltas), want);
      }),
    );
  });
  it('with scale-down and no empty OTLP bucket, each native bucket holds the sum of the OTLP buckets merged into it', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1000 }), { maxLength: 40 }), offset, fc.integer({ min: 1, max: 12 }), (c, o, sd) => {
        const r = convertBucketsLayout(c, o, sd);
        const want = new Map<number, number>();
        c.forEach((n, i) => {
          const k = ((o + i) >> sd) + 1;
          want.set(k, (want.get(k) ?? 0) + n);
        });
        assert.deepEqual(nativeBuckets(r.spans, r.deltas), want);
      }),
    );
  });
});

function point(o: Partial<ExponentialHistogramPoint>): ExponentialHistogramPoint {
  return {
    attributes: [],
    timestamp: T_MS,
    startTimestamp: 0,
    flags: 0,
    exemplars: [],
    count: 0,
    sum: undefined,
    scale: 0,
    zeroCount: 0,
    positive: { offset: 0, bucketCounts: [] },
    negative: { offset: 0, bucketCounts: [] },
    ...o,
  };
}

describe('exponentialToNative', () => {
  it('scale becomes the schema; zero count kept, zero threshold always 1e-128 (Prometheus ignores OTLP zero_threshold); integer histogram; reset hint unknown', () => {
    const h = exponentialToNative(point({ scale: 3, count: 6, sum: 2.5, zeroCount: 1, positive: { offset: 2, bucketCounts: [2, 1] }, negative: { offset: -1, bucketCounts: [2] } }), T_MS, false) as Histogram;
    assert.deepEqual(h, {
      timestamp: T_MS,
      float: false,
      count: 6,
      sum: 2.5,
      schema: 3,
      zeroThreshold: OTLP_ZERO_THRESHOLD,
      zeroCount: 1,
      negativeSpans: [{ offset: 0, length: 1 }],
      negativeBuckets: [2],
      positiveSpans: [{ offset: 3, length: 2 }],
      positiveBuckets: [2, -1],
      resetHint: 0,
      customValues: [],
    });
    assert.equal(histogramProblem(h), undefined);
  });
  it('scale above 8 is downscaled to schema 8', () => {
    const h = exponentialToNative(point({ scale: 10, count: 4, positive: { offset: 0, bucketCounts: [1, 1, 1, 1] } }), T_MS, false) as Histogram;
    assert.equal(h.schema, 8);
    assert.deepEqual([h.positiveSpans, h.positiveBuckets], [[{ offset: 1, length: 1 }], [4]]);
  });
  it('scale -4 is the lowest accepted; -5 is refused with Prometheus\' message', () => {
    assert.equal((exponentialToNative(point({ scale: -4 }), T_MS, false) as Histogram).schema, -4);
    assert.equal(exponentialToNative(point({ scale: -5 }), T_MS, false), 'cannot convert exponential to native histogram. Scale must be >= -4, was -5');
  });
  it('an absent sum is 0; a start time becomes the start timestamp', () => {
    const h = exponentialToNative(point({ startTimestamp: START_MS }), T_MS, false) as Histogram;
    assert.equal(h.sum, 0);
    assert.equal(h.startTimestamp, START_MS);
  });
  it('FLAG_NO_RECORDED_VALUE: a staleness marker', () => {
    const h = exponentialToNative(point({ count: 3, sum: 1 }), T_MS, true) as Histogram;
    assert.equal(h.stale, true);
    assert.ok(Number.isNaN(h.sum));
  });
});

function ex(o: Partial<OtlpExemplar>): OtlpExemplar {
  return { value: 1, timestamp: T_MS, traceId: '', spanId: '', filteredAttributes: [], ...o };
}

describe('convertExemplars', () => {
  it('trace_id and span_id labels, filtered attributes verbatim, sorted', () => {
    assert.deepEqual(convertExemplars([ex({ traceId: 'ab', spanId: 'cd', filteredAttributes: [{ key: 'user.id', value: 'u' }, { key: 'a', value: 'b' }] })]), [
      {
        labels: [
          { name: 'a', value: 'b' },
          { name: 'span_id', value: 'cd' },
          { name: 'trace_id', value: 'ab' },
          { name: 'user.id', value: 'u' },
        ],
        value: 1,
        timestamp: T_MS,
      },
    ]);
  });
  it('filtered attributes are dropped when all labels would pass 128 runes (ids kept)', () => {
    const traceId = 'f'.repeat(32);
    const spanId = 'e'.repeat(16);
    // trace_id(8)+32 + span_id(7)+16 = 63 runes; 65 more fits exactly, 66 does not.
    const fits = convertExemplars([ex({ traceId, spanId, filteredAttributes: [{ key: 'k', value: 'é'.repeat(64) }] })]) as { labels: unknown[] }[];
    assert.equal(fits[0]!.labels.length, 3);
    const over = convertExemplars([ex({ traceId, spanId, filteredAttributes: [{ key: 'k', value: 'é'.repeat(65) }] })]) as { labels: unknown[] }[];
    assert.equal(over[0]!.labels.length, 2);
  });
  it('an exemplar without a value is refused (its index)', () => {
    assert.equal(convertExemplars([ex({}), ex({ value: undefined })]), 1);
  });
});

interface Case {
  name: string;
  body: unknown;
  opts?: OtlpOptions;
  floats?: string[];
  histograms?: string[];
  exemplars?: string[];
  errors?: string[];
  rejected?: number;
  drops?: Record<string, number>;
}

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';
const EXEMPLAR_LABELS = `{span_id="${SPAN}",trace_id="${TRACE}"}`;
function exemplarJson(value: number, extra: Record<string, unknown> = {}): unknown {
  return { asDouble: value, timeUnixNano: T_NANOS, traceId: TRACE, spanId: SPAN, ...extra };
}
function expHist(name: string, points: unknown[], temporality = CUMULATIVE): unknown {
  return { name, exponentialHistogram: { aggregationTemporality: temporality, dataPoints: points } };
}

const cases: Case[] = [
  {
    name: 'exponential histogram: positive and negative buckets, zero bucket, sum, start time',
    body: request([
      expHist('latency', [
        {
          timeUnixNano: T_NANOS,
          startTimeUnixNano: START_NANOS,
          count: '7',
          sum: 3.5,
          scale: 1,
          zeroCount: '1',
          zeroThreshold: 0.001,
          positive: { offset: -1, bucketCounts: ['1', '0', '2'] },
          negative: { offset: 0, bucketCounts: ['3'] },
          attributes: attrs({ path: '/a' }),
        },
      ]),
    ]),
    histograms: [`latency{job="svc",path="/a"} H(count=7,sum=3.5,schema=1,zero=1/1e-128,reset=0,+[0:3]:[1 -1 2],-[1:1]:[3])@${T_MS} st=${START_MS}`],
  },
  {
    name: 'exponential histogram with empty spans (only a zero bucket) and no sum',
    body: request([expHist('z', [{ timeUnixNano: T_NANOS, count: '4', scale: 0, zeroCount: '4', positive: { offset: 5, bucketCounts: [] } }])]),
    histograms: [`z{job="svc"} H(count=4,sum=0,schema=0,zero=4/1e-128,reset=0,+[]:[],-[]:[])@${T_MS}`],
  },
  {
    name: 'exponential histogram scale 20 (the SDKs\' default maximum) is downscaled to 8',
    body: request([expHist('d', [{ timeUnixNano: T_NANOS, count: '3', scale: 20, positive: { offset: 4096, bucketCounts: ['1', '2'] } }])]),
    histograms: [`d{job="svc"} H(count=3,sum=0,schema=8,zero=0/1e-128,reset=0,+[2:1]:[3],-[]:[])@${T_MS}`],
  },
  {
    name: 'exponential histogram: exemplars on the histogram series; UnderscoreEscapingWithSuffixes adds the unit but no _bucket',
    body: request([{ ...(expHist('http.dur', [{ timeUnixNano: T_NANOS, count: '1', scale: 0, positive: { offset: 0, bucketCounts: ['1'] }, exemplars: [exemplarJson(1.5)] }]) as object), unit: 's' }]),
    opts: { translationStrategy: 'UnderscoreEscapingWithSuffixes' },
    histograms: [`http_dur_seconds{job="svc"} H(count=1,sum=0,schema=0,zero=0/1e-128,reset=0,+[1:1]:[1],-[]:[])@${T_MS}`],
    exemplars: [`http_dur_seconds{job="svc"} ${EXEMPLAR_LABELS} 1.5@${T_MS}`],
  },
  {
    name: 'exponential histogram staleness marker (FLAG_NO_RECORDED_VALUE)',
    body: request([expHist('s', [{ timeUnixNano: T_NANOS, flags: 1, count: '0' }])]),
    histograms: [`s{job="svc"} STALE@${T_MS}`],
  },
  {
    name: 'exponential histogram scale below -4 is refused with a counted error',
    body: request([expHist('low', [{ timeUnixNano: T_NANOS, scale: -5 }])]),
    errors: ['dataPoints[0]: cannot convert exponential to native histogram. Scale must be >= -4, was -5'],
    rejected: 1,
  },
  {
    name: 'sum exemplars: trace/span ids in hex, filtered attributes, int values; start time on the sample',
    body: request([
      {
        name: 'reqs',
        sum: {
          aggregationTemporality: CUMULATIVE,
          isMonotonic: true,
          dataPoints: [
            {
              asInt: '5',
              timeUnixNano: T_NANOS,
              startTimeUnixNano: START_NANOS,
              exemplars: [exemplarJson(0, { asDouble: undefined, asInt: '3', filteredAttributes: attrs({ 'user.id': 'u1' }) }), { asDouble: 2, traceId: '00000000000000000000000000000000', spanId: '' }],
            },
          ],
        },
      },
    ]),
    floats: [`reqs{job="svc"} 5@${T_MS} st=${START_MS}`],
    exemplars: [`reqs{job="svc"} {span_id="${SPAN}",trace_id="${TRACE}",user.id="u1"} 3@${T_MS}`, `reqs{job="svc"} {} 2@0`],
  },
  {
    name: 'classic histogram exemplars go to the bucket they fall in (value <= le), the rest to +Inf; start time on every series',
    body: request([
      {
        name: 'h',
        histogram: {
          aggregationTemporality: CUMULATIVE,
          dataPoints: [
            {
              timeUnixNano: T_NANOS,
              startTimeUnixNano: START_NANOS,
              count: '4',
              sum: 12,
              bucketCounts: ['1', '1', '1', '1'],
              explicitBounds: [1, 2, 5],
              exemplars: [exemplarJson(0.5), exemplarJson(2), exemplarJson(2.5), exemplarJson(9)],
            },
          ],
        },
      },
    ]),
    floats: [
      `h_bucket{job="svc",le="+Inf"} 4@${T_MS} st=${START_MS}`,
      `h_bucket{job="svc",le="1"} 1@${T_MS} st=${START_MS}`,
      `h_bucket{job="svc",le="2"} 2@${T_MS} st=${START_MS}`,
      `h_bucket{job="svc",le="5"} 3@${T_MS} st=${START_MS}`,
      `h_count{job="svc"} 4@${T_MS} st=${START_MS}`,
      `h_sum{job="svc"} 12@${T_MS} st=${START_MS}`,
    ],
    exemplars: [
      `h_bucket{job="svc",le="+Inf"} ${EXEMPLAR_LABELS} 9@${T_MS}`,
      `h_bucket{job="svc",le="1"} ${EXEMPLAR_LABELS} 0.5@${T_MS}`,
      `h_bucket{job="svc",le="2"} ${EXEMPLAR_LABELS} 2@${T_MS}`,
      `h_bucket{job="svc",le="5"} ${EXEMPLAR_LABELS} 2.5@${T_MS}`,
    ],
  },
  {
    name: 'classic histogram exemplars out of value order are handed out in order, as Prometheus does (a smaller one after a larger one lands with it)',
    body: request([
      { name: 'h', histogram: { aggregationTemporality: CUMULATIVE, dataPoints: [{ timeUnixNano: T_NANOS, count: '2', bucketCounts: ['1', '1'], explicitBounds: [1], exemplars: [exemplarJson(3), exemplarJson(0.5)] }] } },
    ]),
    floats: [`h_bucket{job="svc",le="+Inf"} 2@${T_MS}`, `h_bucket{job="svc",le="1"} 1@${T_MS}`, `h_count{job="svc"} 2@${T_MS}`],
    exemplars: [`h_bucket{job="svc",le="+Inf"} ${EXEMPLAR_LABELS} 0.5@${T_MS}`, `h_bucket{job="svc",le="+Inf"} ${EXEMPLAR_LABELS} 3@${T_MS}`],
  },
  {
    name: 'gauge exemplars are not carried (Prometheus attaches none): counted as drops; gauge start time kept as Prometheus passes it',
    body: request([{ name: 'g', gauge: { dataPoints: [{ asDouble: 1, timeUnixNano: T_NANOS, startTimeUnixNano: START_NANOS, exemplars: [exemplarJson(1), exemplarJson(2)] }] } }]),
    floats: [`g{job="svc"} 1@${T_MS} st=${START_MS}`],
    exemplars: [],
    drops: { otlp_gauge_exemplar: 2 },
  },
  {
    name: 'summary start time on every series',
    body: request([{ name: 's', summary: { dataPoints: [{ timeUnixNano: T_NANOS, startTimeUnixNano: START_NANOS, count: '1', sum: 2, quantileValues: [{ quantile: 0.5, value: 2 }] }] } }]),
    floats: [`s_count{job="svc"} 1@${T_MS} st=${START_MS}`, `s_sum{job="svc"} 2@${T_MS} st=${START_MS}`, `s{job="svc",quantile="0.5"} 2@${T_MS} st=${START_MS}`],
  },
  {
    name: 'an exemplar without a value rejects its point with a counted error',
    body: request([{ name: 'c', sum: { aggregationTemporality: CUMULATIVE, isMonotonic: true, dataPoints: [{ asInt: '1', timeUnixNano: T_NANOS, exemplars: [{ traceId: TRACE }] }] } }]),
    errors: ['dataPoints[0]: exemplars[0]: no value (neither asDouble nor asInt)'],
    rejected: 1,
  },
];

/** render() plus ` st=<ms>` for samples with a start timestamp. */
function renderWithStart(series: readonly TimeSeries[]): string[] {
  const out: string[] = [];
  for (const s of series) {
    for (const p of s.samples) {
      const line = render([{ labels: s.labels, samples: [p] }])[0]!;
      out.push(p.startTimestamp ? `${line} st=${p.startTimestamp}` : line);
    }
  }
  return out.sort();
}

for (const format of ['json', 'protobuf'] as const) {
  describe(`parseOtlpMetrics: native histograms, exemplars, start timestamps (${format})`, () => {
    for (const c of cases) {
      it(c.name, () => {
        const body = format === 'json' ? jsonBody(c.body) : protobufBody(c.body);
        const r = parseOtlpMetrics(body, { ...c.opts, format, now: NOW });
        const floats = renderWithStart(r.series).filter((l) => !l.startsWith('target_info'));
        assert.deepEqual(floats, [...(c.floats ?? [])].sort());
        assert.deepEqual(renderHistograms(r.series), [...(c.histograms ?? [])].sort());
        assert.deepEqual(renderExemplars(r.series), [...(c.exemplars ?? [])].sort());
        const want = c.errors ?? [];
        assert.equal(r.errors.length, want.length, JSON.stringify(r.errors));
        want.forEach((w, i) => assert.ok(r.errors[i]!.reason.includes(w), `${r.errors[i]!.reason} should include ${w}`));
        assert.equal(r.rejectedPoints, c.rejected ?? 0);
        assert.deepEqual(r.drops, c.drops ?? {});
        for (const s of r.series) {
          for (const h of s.histograms ?? []) assert.equal(histogramProblem(h), undefined);
          if (s.samples.some((p) => p.startTimestamp)) assert.equal(s.withStartTimestamps, true);
        }
      });
    }
  });
}

describe('OTLP/JSON ids', () => {
  it('a trace id of the wrong length rejects the body, as pdata does', () => {
    const body = request([{ name: 'c', sum: { aggregationTemporality: CUMULATIVE, isMonotonic: true, dataPoints: [{ asInt: '1', exemplars: [{ asInt: '1', traceId: 'abcd' }] }] } }]);
    assert.throws(() => parseOtlpMetrics(jsonBody(body), { format: 'json', now: NOW }), /exemplar trace_id must be 16 bytes, got 2/);
    assert.throws(() => parseOtlpMetrics(protobufBody(body), { format: 'protobuf', now: NOW }), /exemplar trace_id must be 16 bytes, got 2/);
  });
  it('a trace id that is not hex rejects the JSON body naming the path', () => {
    const body = request([{ name: 'c', sum: { aggregationTemporality: CUMULATIVE, isMonotonic: true, dataPoints: [{ asInt: '1', exemplars: [{ asInt: '1', traceId: 'zz' }] }] } }]);
    assert.throws(() => parseOtlpMetrics(jsonBody(body), { format: 'json', now: NOW }), /dataPoints\[0\]\.exemplars\[0\]\.traceId: expected a hex trace_id/);
  });
});

describe('properties through the parser (both encodings)', () => {
  const bucketCounts = fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 12 });
  it('exponential histograms: count, zero count and bucket total preserved; every histogram valid for Prometheus', () => {
    fc.assert(
      fc.property(fc.integer({ min: -4, max: 20 }), fc.integer({ min: -50, max: 50 }), bucketCounts, fc.integer({ min: -50, max: 50 }), bucketCounts, fc.integer({ min: 0, max: 5 }), fc.boolean(), (scale, po, pc, no, nc, zero, json) => {
        const count = zero + pc.reduce((a, b) => a + b, 0) + nc.reduce((a, b) => a + b, 0);
        const body = request([expHist('e', [{ timeUnixNano: T_NANOS, count: String(count), scale, zeroCount: String(zero), positive: { offset: po, bucketCounts: pc.map(String) }, negative: { offset: no, bucketCounts: nc.map(String) } }])]);
        const r = parseOtlpMetrics(json ? jsonBody(body) : protobufBody(body), { format: json ? 'json' : 'protobuf', now: NOW });
        assert.equal(r.errors.length, 0, JSON.stringify(r.errors));
        const h = r.series.find((s) => s.histograms)!.histograms![0]!;
        assert.equal(histogramProblem(h), undefined);
        assert.equal(h.count, count);
        assert.equal(h.zeroCount, zero);
        assert.equal(h.schema, Math.min(scale, 8));
      }),
    );
  });
  it('no exemplar is lost: every exemplar of a sum, histogram or exponential histogram point comes out once, on the point\'s series', () => {
    // -0 is left out: OTLP/JSON cannot carry it (JSON.stringify(-0) is "0").
    const values = fc.array(fc.double({ min: -10, max: 10, noNaN: true }).map((v) => (v === 0 ? 0 : v)), { maxLength: 8 });
    const bounds = fc.uniqueArray(fc.integer({ min: -10, max: 10 }), { maxLength: 6 }).map((b) => b.sort((x, y) => x - y));
    fc.assert(
      fc.property(values, values, values, bounds, fc.boolean(), (sv, hv, ev, b, json) => {
        const exs = (vs: number[]) => vs.map((v) => exemplarJson(v));
        const body = request([
          { name: 'c', sum: { aggregationTemporality: CUMULATIVE, isMonotonic: true, dataPoints: [{ asInt: '1', timeUnixNano: T_NANOS, exemplars: exs(sv) }] } },
          { name: 'h', histogram: { aggregationTemporality: CUMULATIVE, dataPoints: [{ timeUnixNano: T_NANOS, count: '0', bucketCounts: b.map(() => '0').concat('0'), explicitBounds: b, exemplars: exs(hv) }] } },
          expHist('e', [{ timeUnixNano: T_NANOS, count: '0', exemplars: exs(ev) }]),
        ]);
        const r = parseOtlpMetrics(json ? jsonBody(body) : protobufBody(body), { format: json ? 'json' : 'protobuf', now: NOW });
        const on = (pred: (name: string) => boolean) =>
          r.series.filter((s) => pred(s.labels.find((l) => l.name === '__name__')!.value)).flatMap((s) => (s.exemplars ?? []).map((e) => e.value));
        const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
        assert.deepEqual(sorted(on((n) => n === 'c')), sorted(sv));
        assert.deepEqual(sorted(on((n) => n === 'h_bucket')), sorted(hv));
        assert.deepEqual(on((n) => n === 'h_count' || n === 'h_sum'), []);
        assert.deepEqual(sorted(on((n) => n === 'e')), sorted(ev));
        // Sorted exemplars land in the bucket with the smallest bound at or above their value.
        if (hv.every((v, i) => i === 0 || hv[i - 1]! <= v)) {
          for (const s of r.series) {
            const le = s.labels.find((l) => l.name === 'le')?.value;
            if (le === undefined) continue;
            const bound = le === '+Inf' ? Infinity : Number(le);
            for (const e of s.exemplars ?? []) {
              assert.ok(e.value <= bound);
              assert.ok(!b.some((x) => x < bound && e.value <= x), `${e.value} belongs below ${le}`);
            }
          }
        }
      }),
    );
  });
});
