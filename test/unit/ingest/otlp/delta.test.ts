import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOtlpMetrics, type OtlpOptions } from '../../../../lib/ingest/otlp/parse.ts';
import { createOtlpRoutes } from '../../../../lib/ingest/otlp/route.ts';
import { formatSeries } from '../../../../lib/model/labels.ts';
import type { TimeSeries } from '../../../../lib/model/types.ts';
import { jsonBody, NOW, protobufBody, renderHistograms, request, T_MS, T_NANOS } from './helpers.ts';

/** otlp.delta_to_cumulative: delta sums and histograms parsed like cumulative ones, marked for the durable conversion. */
const CUMULATIVE = 2;
const DELTA = 1;
const START_NANOS = '1700000000000000000';
const START_MS = 1_700_000_000_000;
const ON: OtlpOptions = { deltaToCumulative: { maxStaleMs: 300_000, maxStreamsPerShard: 10, shards: 2 } };

const body = request([
  { name: 'jobs', sum: { aggregationTemporality: DELTA, isMonotonic: true, dataPoints: [{ asInt: '5', startTimeUnixNano: START_NANOS, timeUnixNano: T_NANOS }] } },
  { name: 'lat', histogram: { aggregationTemporality: DELTA, dataPoints: [{ count: '3', sum: 1.5, bucketCounts: ['1', '2'], explicitBounds: [1], startTimeUnixNano: START_NANOS, timeUnixNano: T_NANOS }] } },
  { name: 'exp', exponentialHistogram: { aggregationTemporality: DELTA, dataPoints: [{ count: '2', sum: 3, scale: 0, zeroCount: '0', positive: { offset: 0, bucketCounts: ['1', '1'] }, startTimeUnixNano: START_NANOS, timeUnixNano: T_NANOS }] } },
  { name: 'total', sum: { aggregationTemporality: CUMULATIVE, isMonotonic: true, dataPoints: [{ asInt: '9', startTimeUnixNano: START_NANOS, timeUnixNano: T_NANOS }] } },
]);

function floats(series: readonly TimeSeries[]): string[] {
  return series.flatMap((s) => s.samples.map((x) => `${formatSeries(s.labels)} ${x.value}@${x.timestamp}${x.startTimestamp ? ` st=${x.startTimestamp}` : ''}`)).sort();
}

describe('OTLP delta temporality', () => {
  for (const format of ['json', 'protobuf'] as const) {
    const bytes = format === 'json' ? jsonBody(body) : protobufBody(body);

    it(`${format}: off (the default), delta points are rejected as before and only the cumulative sum is kept`, () => {
      const r = parseOtlpMetrics(bytes, { format, now: NOW });
      assert.deepEqual(floats(r.series), [`total{job="svc"} 9@${T_MS} st=${START_MS}`]);
      assert.equal(r.rejectedPoints, 3);
      assert.match(r.errors[0]!.reason, /sum with delta aggregation temporality is not supported/);
      assert.equal(r.delta, undefined);
    });

    it(`${format}: on, delta sums and both histogram kinds parse as cumulative ones do, with their start, and are marked delta`, () => {
      const r = parseOtlpMetrics(bytes, { ...ON, format, now: NOW });
      assert.deepEqual(r.errors, []);
      assert.deepEqual(floats(r.series), [
        `jobs{job="svc"} 5@${T_MS} st=${START_MS}`,
        `lat_bucket{job="svc",le="+Inf"} 3@${T_MS} st=${START_MS}`,
        `lat_bucket{job="svc",le="1"} 1@${T_MS} st=${START_MS}`,
        `lat_count{job="svc"} 3@${T_MS} st=${START_MS}`,
        `lat_sum{job="svc"} 1.5@${T_MS} st=${START_MS}`,
        `total{job="svc"} 9@${T_MS} st=${START_MS}`,
      ]);
      assert.deepEqual(renderHistograms(r.series), [`exp{job="svc"} H(count=2,sum=3,schema=0,zero=0/1e-128,reset=0,+[1:2]:[1 0],-[]:[])@${T_MS} st=${START_MS}`]);
      const marked = r.series.filter((s) => r.delta!.has(s)).map((s) => formatSeries(s.labels)).sort();
      assert.deepEqual(marked, ['exp{job="svc"}', 'lat_bucket{job="svc",le="+Inf"}', 'lat_bucket{job="svc",le="1"}', 'lat_count{job="svc"}', 'lat_sum{job="svc"}', 'jobs{job="svc"}'].sort());
    });
  }

  it('on: unspecified temporality is still rejected, cumulative histograms are not marked', () => {
    const r = parseOtlpMetrics(
      jsonBody(
        request([
          { name: 'u', sum: { aggregationTemporality: 0, isMonotonic: true, dataPoints: [{ asInt: '1', timeUnixNano: T_NANOS }] } },
          { name: 'c', exponentialHistogram: { aggregationTemporality: CUMULATIVE, dataPoints: [{ count: '1', sum: 1, scale: 0, zeroCount: '1', startTimeUnixNano: START_NANOS, timeUnixNano: T_NANOS }] } },
        ]),
      ),
      { ...ON, format: 'json', now: NOW },
    );
    assert.equal(r.rejectedPoints, 1);
    assert.match(r.errors[0]!.reason, /sum with unspecified aggregation temporality is not supported/);
    assert.equal(r.delta!.size, 0);
  });

  it('on: a delta series whose labels a cumulative metric of the request also writes is rejected (one series cannot be both)', () => {
    const r = parseOtlpMetrics(
      jsonBody(
        request([
          { name: 'jobs', sum: { aggregationTemporality: CUMULATIVE, isMonotonic: true, dataPoints: [{ asInt: '9', timeUnixNano: T_NANOS }] } },
          { name: 'jobs', sum: { aggregationTemporality: DELTA, isMonotonic: true, dataPoints: [{ asInt: '1', timeUnixNano: T_NANOS }] } },
        ]),
      ),
      { ...ON, format: 'json', now: NOW },
    );
    assert.deepEqual(floats(r.series), [`jobs{job="svc"} 9@${T_MS}`]);
    assert.equal(r.rejectedPoints, 1);
    assert.equal(r.errors[0]!.line, 2);
    assert.match(r.errors[0]!.reason, /delta series is also written by a cumulative metric of this request; 1 delta data points dropped/);
    assert.equal(r.delta!.size, 0);
  });

  it('the route puts the delta series in the outcome (absent when there are none)', () => {
    const route = createOtlpRoutes(ON)[0]!;
    const req = { method: 'POST', path: '/opentelemetry/v1/metrics', params: {}, query: new URLSearchParams(), headers: { 'content-type': 'application/json' }, now: NOW };
    const out = route.handle({ ...req, body: jsonBody(body) });
    assert.equal(out.kind, 'series');
    if (out.kind !== 'series') return;
    assert.equal(out.delta!.size, 6);
    for (const s of out.delta!) assert.ok(out.series.includes(s));
    const cumulativeOnly = route.handle({ ...req, body: jsonBody(request([{ name: 'g', gauge: { dataPoints: [{ asInt: '1', timeUnixNano: T_NANOS }] } }])) });
    assert.ok(cumulativeOnly.kind === 'series' && cumulativeOnly.delta === undefined);
  });
});
