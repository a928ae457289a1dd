import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMetricFamilies, metricFamiliesToSeries, type HistogramOptions } from '../../../../lib/ingest/pushgateway/metric-families.ts';
import { MetricFamilyType } from '../../../helpers/client-model-proto.ts';
import { DEFAULT_LIMITS } from '../../../../lib/config/schema.ts';
import { createRoutes } from '../../../../lib/ingest/pushgateway/route.ts';
import { formatSeries } from '../../../../lib/model/labels.ts';
import type { TimeSeries } from '../../../../lib/model/types.ts';

const routes = createRoutes({ limits: DEFAULT_LIMITS });

const NOW = 1_700_000_000_000;
const PROTOBUF = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';

function encode(...families: Record<string, unknown>[]): Uint8Array {
  return new Uint8Array(Buffer.concat(families.map((f) => MetricFamilyType.encodeDelimited(MetricFamilyType.fromObject(f)).finish())));
}

function decode(body: Uint8Array, opts?: HistogramOptions): TimeSeries[] {
  const { series, errors } = metricFamiliesToSeries(decodeMetricFamilies(body), NOW, opts);
  assert.deepEqual(errors, []);
  return series;
}

const names = (series: TimeSeries[]): string[] => series.map((s) => formatSeries(s.labels) + (s.histograms?.length ? ' H' : ''));

const exemplar = (trace: string, value: number, seconds?: number) => ({ label: [{ name: 'trace_id', value: trace }], value, ...(seconds !== undefined ? { timestamp: { seconds, nanos: 500_000_000 } } : {}) });

/** What client_golang pushes for a native histogram that also has classic buckets (NativeHistogramBucketFactor plus Buckets). */
const both = {
  name: 'rpc_seconds',
  type: 'HISTOGRAM',
  metric: [
    {
      label: [{ name: 'svc', value: 'a' }],
      histogram: {
        sampleCount: 5,
        sampleSum: 7.5,
        bucket: [
          { cumulativeCount: 2, upperBound: 1, exemplar: exemplar('b1', 0.5, 1_699_999_990) },
          { cumulativeCount: 5, upperBound: 4 },
        ],
        createdTimestamp: { seconds: 1_699_000_000, nanos: 250_000_000 },
        schema: 0,
        zeroThreshold: 1e-128,
        zeroCount: 1,
        positiveSpan: [{ offset: 0, length: 2 }, { offset: 1, length: 1 }],
        positiveDelta: [1, 0, 1],
        negativeSpan: [],
        exemplars: [exemplar('n1', 3, 1_699_999_995)],
      },
    },
  ],
};

const push = (body: Uint8Array, contentType: string) =>
  routes[0]!.handle({ method: 'PUT', path: '/metrics/job/j', params: {}, query: new URLSearchParams(), headers: { 'content-type': contentType }, body, now: NOW });

describe('Pushgateway protobuf: native histograms, exemplars, created timestamps', () => {
  it('a native histogram with classic buckets: the Histogram on <name> and the classic series (pushes keep both)', () => {
    const series = decode(encode(both));
    assert.deepEqual(names(series), ['rpc_seconds{svc="a"} H', 'rpc_seconds_bucket{le="1",svc="a"}', 'rpc_seconds_bucket{le="4",svc="a"}', 'rpc_seconds_bucket{le="+Inf",svc="a"}', 'rpc_seconds_sum{svc="a"}', 'rpc_seconds_count{svc="a"}']);
    const h = series[0]!.histograms![0]!;
    assert.deepEqual(h, {
      timestamp: NOW,
      float: false,
      count: 5,
      sum: 7.5,
      schema: 0,
      zeroThreshold: 1e-128,
      zeroCount: 1,
      negativeSpans: [],
      negativeBuckets: [],
      positiveSpans: [{ offset: 0, length: 2 }, { offset: 1, length: 1 }],
      positiveBuckets: [1, 0, 1],
      resetHint: 0,
      customValues: [],
      startTimestamp: 1_699_000_000_250,
    });
    assert.deepEqual(series[0]!.samples, []);
    // The histogram's own exemplars win over bucket exemplars for the native series.
    assert.deepEqual(series[0]!.exemplars, [{ labels: [{ name: 'trace_id', value: 'n1' }], value: 3, timestamp: 1_699_999_995_500 }]);
    assert.deepEqual(series[1]!.exemplars, [{ labels: [{ name: 'trace_id', value: 'b1' }], value: 0.5, timestamp: 1_699_999_990_500 }]);
    for (const s of series.slice(1)) {
      assert.equal(s.samples[0]!.startTimestamp, 1_699_000_000_250);
      assert.equal(s.withStartTimestamps, true);
    }
  });

  it('scrape options: native only, classic only', () => {
    assert.deepEqual(names(decode(encode(both), { nativeHistograms: true, alwaysClassic: false })), ['rpc_seconds{svc="a"} H']);
    const classic = decode(encode(both), { nativeHistograms: false, alwaysClassic: false });
    assert.deepEqual(names(classic), ['rpc_seconds_bucket{le="1",svc="a"}', 'rpc_seconds_bucket{le="4",svc="a"}', 'rpc_seconds_bucket{le="+Inf",svc="a"}', 'rpc_seconds_sum{svc="a"}', 'rpc_seconds_count{svc="a"}']);
  });

  it('a native-only histogram read as classic when native histograms are off: +Inf, _sum, _count', () => {
    const only = { name: 'n', type: 'HISTOGRAM', metric: [{ histogram: { sampleCount: 0, sampleSum: 0, schema: 3, zeroThreshold: 1e-128, positiveSpan: [{ offset: 0, length: 0 }] } }] };
    assert.deepEqual(names(decode(encode(only), { nativeHistograms: false, alwaysClassic: false })), ['n_bucket{le="+Inf"}', 'n_sum{}', 'n_count{}']);
    // client_golang's empty span marks a native histogram without observations; no classic buckets, no classic series.
    assert.deepEqual(names(decode(encode(only))), ['n{} H']);
    const h = decode(encode(only))[0]!.histograms![0]!;
    assert.equal(h.schema, 3);
    assert.deepEqual(h.positiveSpans, [{ offset: 0, length: 0 }]);
  });

  it('native histogram exemplars without a timestamp are dropped (Prometheus 3); classic bucket exemplars keep theirs', () => {
    const f = { name: 'x', type: 'HISTOGRAM', metric: [{ histogram: { sampleCount: 1, sampleSum: 1, schema: 0, positiveSpan: [{ offset: 0, length: 1 }], positiveDelta: [1], bucket: [{ cumulativeCount: 1, upperBound: 1, exemplar: exemplar('b', 1) }], exemplars: [exemplar('n', 1)] } }] };
    const series = decode(encode(f));
    assert.equal(series[0]!.exemplars, undefined);
    assert.deepEqual(series[1]!.exemplars, [{ labels: [{ name: 'trace_id', value: 'b' }], value: 1, timestamp: NOW }]);
    const noOwn = { name: 'x', type: 'HISTOGRAM', metric: [{ histogram: { ...f.metric[0]!.histogram, exemplars: [] } }] };
    assert.equal(decode(encode(noOwn))[0]!.exemplars, undefined);
  });

  it('float and gauge histograms: absolute counts, reset hint gauge; bucket exemplars when the histogram has none', () => {
    const f = {
      name: 'g',
      type: 'GAUGE_HISTOGRAM',
      metric: [
        {
          histogram: {
            sampleCountFloat: 3.5,
            sampleSum: 2,
            schema: -1,
            zeroCountFloat: 0.5,
            negativeSpan: [{ offset: -1, length: 1 }],
            negativeCount: [1],
            positiveSpan: [{ offset: 1, length: 1 }],
            positiveCount: [2],
            bucket: [{ cumulativeCountFloat: 1, upperBound: -1, exemplar: exemplar('x', -2, 1_699_999_999) }],
          },
        },
      ],
    };
    const s = decode(encode(f), { nativeHistograms: true, alwaysClassic: false })[0]!;
    const h = s.histograms![0]!;
    assert.equal(h.float, true);
    assert.equal(h.count, 3.5);
    assert.equal(h.zeroCount, 0.5);
    assert.deepEqual(h.negativeBuckets, [1]);
    assert.deepEqual(h.positiveBuckets, [2]);
    assert.equal(h.resetHint, 3);
    assert.equal(h.startTimestamp, undefined);
    assert.deepEqual(s.exemplars, [{ labels: [{ name: 'trace_id', value: 'x' }], value: -2, timestamp: 1_699_999_999_500 }]);
  });

  it('counter: exemplar and created timestamp; summary: created timestamp', () => {
    const series = decode(
      encode(
        { name: 'c_total', type: 'COUNTER', metric: [{ counter: { value: 4, exemplar: exemplar('t', 1), createdTimestamp: { seconds: 1_600_000_000, nanos: 0 } } }] },
        { name: 's', type: 'SUMMARY', metric: [{ summary: { sampleCount: 1, sampleSum: 2, createdTimestamp: { seconds: 1_600_000_001, nanos: 0 } } }] },
      ),
    );
    assert.deepEqual(series[0]!.samples, [{ value: 4, timestamp: NOW, startTimestamp: 1_600_000_000_000 }]);
    assert.deepEqual(series[0]!.exemplars, [{ labels: [{ name: 'trace_id', value: 't' }], value: 1, timestamp: NOW }]);
    assert.deepEqual(series.slice(1).map((s) => s.samples[0]!.startTimestamp), [1_600_000_001_000, 1_600_000_001_000]);
  });

  it('an invalid native histogram rejects the family (the push, or the scrape, as a whole)', () => {
    const bad = { name: 'x', type: 'HISTOGRAM', metric: [{ histogram: { sampleCount: 5, sampleSum: 1, schema: 0, positiveSpan: [{ offset: 0, length: 2 }], positiveDelta: [1] } }] };
    const { errors } = metricFamiliesToSeries(decodeMetricFamilies(encode(bad)), NOW);
    assert.match(errors[0]!.reason, /metric 1: invalid native histogram: positive side: spans need 2 buckets, have 1/);
    assert.throws(() => push(encode(bad), PROTOBUF), /pushgateway: .*invalid native histogram/);
  });

  it('a bad exemplar label name rejects the family', () => {
    const { errors } = metricFamiliesToSeries(decodeMetricFamilies(encode({ name: 'c', type: 'COUNTER', metric: [{ counter: { value: 1, exemplar: { label: [{ name: '0x', value: 'v' }], value: 1 } } }] })), NOW);
    assert.match(errors[0]!.reason, /metric 1: exemplar: invalid label name "0x"/);
  });
});

describe('Pushgateway route: native histograms and exemplars reach the queue', () => {
  it('protobuf: the native histogram with the grouping key', () => {
    const out = push(encode(both), PROTOBUF);
    assert.equal(out.kind, 'series');
    if (out.kind !== 'series') return;
    const native = out.series.find((s) => s.histograms?.length)!;
    assert.equal(formatSeries(native.labels), 'rpc_seconds{job="j",svc="a"}');
    assert.equal(native.exemplars!.length, 1);
  });

  it('OpenMetrics text: exemplars kept (timestamp in seconds, or the sample time)', () => {
    const body = Buffer.from('# TYPE c counter\nc_total{a="1"} 3 # {trace_id="abc"} 1.5 1700000000.25\n# TYPE h histogram\nh_bucket{le="1"} 1 # {trace_id="d"} 0.5\nh_bucket{le="+Inf"} 1\nh_count 1\nh_sum 0.5\n# EOF\n');
    const out = push(body, 'application/openmetrics-text; version=1.0.0');
    if (out.kind !== 'series') return assert.fail('no series');
    const c = out.series.find((s) => formatSeries(s.labels).startsWith('c_total'))!;
    assert.deepEqual(c.exemplars, [{ labels: [{ name: 'trace_id', value: 'abc' }], value: 1.5, timestamp: 1_700_000_000_250 }]);
    const b = out.series.find((s) => formatSeries(s.labels) === 'h_bucket{job="j",le="1"}')!;
    assert.deepEqual(b.exemplars, [{ labels: [{ name: 'trace_id', value: 'd' }], value: 0.5, timestamp: NOW }]);
  });

  it('OpenMetrics text: a malformed exemplar is a 400 naming the line', () => {
    assert.throws(() => push(Buffer.from('c_total 3 # {trace_id="abc"} x\n# EOF\n'), 'application/openmetrics-text'), /line 1: exemplar: invalid value "x"/);
  });
});
