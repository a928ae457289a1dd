import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BadRequestError, UnsupportedMediaTypeError } from '../../../../lib/errors.ts';
import { decodeMetricFamilies, metricFamiliesToSeries } from '../../../../lib/ingest/pushgateway/metric-families.ts';
import { MetricFamilyType } from '../../../helpers/client-model-proto.ts';
import { DEFAULT_LIMITS } from '../../../../lib/config/schema.ts';
import { createRoutes } from '../../../../lib/ingest/pushgateway/route.ts';
import type { RouteOutcome } from '../../../../lib/ingest/types.ts';
import { formatSeries } from '../../../../lib/model/labels.ts';
import type { TimeSeries } from '../../../../lib/model/types.ts';

const routes = createRoutes({ limits: DEFAULT_LIMITS });

const NOW = 1_700_000_000_000;
const PROTOBUF = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';

/** Length-delimited MetricFamily messages, as client_golang's push and expfmt.FmtProtoDelim write them. */
function encode(...families: Record<string, unknown>[]): Uint8Array {
  const parts = families.map((f) => MetricFamilyType.encodeDelimited(MetricFamilyType.fromObject(f)).finish());
  return new Uint8Array(Buffer.concat(parts));
}

function render(series: TimeSeries[]): string[] {
  return series.map((s) => `${formatSeries(s.labels)} ${s.samples[0]!.value} @${s.samples[0]!.timestamp}`);
}

function toSeries(body: Uint8Array): string[] {
  const { series, errors } = metricFamiliesToSeries(decodeMetricFamilies(body), NOW);
  assert.deepEqual(errors, []);
  return render(series);
}

describe('MetricFamily protobuf mapped like the text format', () => {
  it('counter, gauge and untyped', () => {
    const body = encode(
      { name: 'c_total', help: 'h', type: 'COUNTER', metric: [{ label: [{ name: 'a', value: '1' }], counter: { value: 3 } }] },
      { name: 'g', type: 'GAUGE', metric: [{ gauge: { value: -1.5 } }, { label: [{ name: 'x', value: '' }], gauge: { value: 0 } }] },
      { name: 'u', type: 'UNTYPED', metric: [{ untyped: { value: 7 } }] },
    );
    assert.deepEqual(toSeries(body), [`c_total{a="1"} 3 @${NOW}`, `g{} -1.5 @${NOW}`, `g{} 0 @${NOW}`, `u{} 7 @${NOW}`]);
  });

  it('summary: quantiles, _sum and _count', () => {
    const body = encode({
      name: 'rpc_seconds',
      type: 'SUMMARY',
      metric: [
        {
          label: [{ name: 'svc', value: 's' }],
          summary: { sampleCount: 10, sampleSum: 4.5, quantile: [{ quantile: 0.5, value: 0.3 }, { quantile: 0.99, value: 1.2 }] },
        },
      ],
    });
    assert.deepEqual(toSeries(body), [
      `rpc_seconds{quantile="0.5",svc="s"} 0.3 @${NOW}`,
      `rpc_seconds{quantile="0.99",svc="s"} 1.2 @${NOW}`,
      `rpc_seconds_sum{svc="s"} 4.5 @${NOW}`,
      `rpc_seconds_count{svc="s"} 10 @${NOW}`,
    ]);
  });

  it('histogram: cumulative buckets with Go-formatted le, an added +Inf bucket, _sum and _count', () => {
    const body = encode({
      name: 'size_bytes',
      type: 'HISTOGRAM',
      metric: [
        {
          histogram: {
            sampleCount: 5,
            sampleSum: 1234,
            bucket: [
              { upperBound: 0.005, cumulativeCount: 1 },
              { upperBound: 1e6, cumulativeCount: 4 },
            ],
          },
        },
      ],
    });
    assert.deepEqual(toSeries(body), [
      `size_bytes_bucket{le="0.005"} 1 @${NOW}`,
      `size_bytes_bucket{le="1e+06"} 4 @${NOW}`,
      `size_bytes_bucket{le="+Inf"} 5 @${NOW}`,
      `size_bytes_sum{} 1234 @${NOW}`,
      `size_bytes_count{} 5 @${NOW}`,
    ]);
  });

  it('histogram: keeps a sent +Inf bucket, reads float counts, and gauge histograms alike', () => {
    const body = encode({
      name: 'h',
      type: 'GAUGE_HISTOGRAM',
      metric: [
        {
          histogram: {
            sampleCountFloat: 2.5,
            sampleSum: 1,
            bucket: [{ upperBound: Infinity, cumulativeCountFloat: 2.5 }],
          },
        },
      ],
    });
    assert.deepEqual(toSeries(body), [`h_bucket{le="+Inf"} 2.5 @${NOW}`, `h_sum{} 1 @${NOW}`, `h_count{} 2.5 @${NOW}`]);
  });

  it('keeps a metric timestamp_ms', () => {
    const body = encode({ name: 'g', type: 'GAUGE', metric: [{ gauge: { value: 1 }, timestampMs: 1600000000123 }] });
    assert.deepEqual(toSeries(body), ['g{} 1 @1600000000123']);
  });

  it('reads an empty body as no families', () => {
    assert.deepEqual(decodeMetricFamilies(new Uint8Array(0)), []);
  });

  const bad: { name: string; family: Record<string, unknown>; want: string }[] = [
    { name: 'counter without a counter value', family: { name: 'c', type: 'COUNTER', metric: [{ gauge: { value: 1 } }] }, want: 'metric family "c": metric 1: counter type without a counter value' },
    { name: 'gauge without a gauge value', family: { name: 'g', type: 'GAUGE', metric: [{ gauge: { value: 1 } }, {}] }, want: 'metric family "g": metric 2: gauge type without a gauge value' },
    { name: 'untyped without a value', family: { name: 'u', type: 'UNTYPED', metric: [{}] }, want: 'untyped type without an untyped value' },
    { name: 'summary without a summary', family: { name: 's', type: 'SUMMARY', metric: [{}] }, want: 'summary type without a summary value' },
    { name: 'histogram without a histogram', family: { name: 'h', type: 'HISTOGRAM', metric: [{}] }, want: 'histogram type without a histogram value' },
    { name: 'invalid family name', family: { name: 'a-b', type: 'GAUGE', metric: [] }, want: 'invalid metric family name "a-b"' },
    { name: 'empty family name', family: { type: 'GAUGE', metric: [] }, want: 'invalid metric family name ""' },
    { name: 'invalid label name', family: { name: 'g', type: 'GAUGE', metric: [{ label: [{ name: 'a.b', value: '1' }], gauge: { value: 1 } }] }, want: 'invalid label name "a.b"' },
    { name: 'repeated label name', family: { name: 'g', type: 'GAUGE', metric: [{ label: [{ name: 'a', value: '1' }, { name: 'a', value: '2' }], gauge: { value: 1 } }] }, want: 'duplicate label name "a"' },
    { name: '__name__ label', family: { name: 'g', type: 'GAUGE', metric: [{ label: [{ name: '__name__', value: 'x' }], gauge: { value: 1 } }] }, want: 'label name "__name__" is reserved' },
    { name: 'le label on a histogram', family: { name: 'h', type: 'HISTOGRAM', metric: [{ label: [{ name: 'le', value: '1' }], histogram: {} }] }, want: 'label name "le" is reserved' },
    { name: 'quantile label on a summary', family: { name: 's', type: 'SUMMARY', metric: [{ label: [{ name: 'quantile', value: '1' }], summary: {} }] }, want: 'label name "quantile" is reserved' },
    { name: 'unknown metric type', family: { name: 'x', type: 9, metric: [{}] }, want: 'unknown metric type 9' },
  ];
  for (const { name, family, want } of bad) {
    it(`reports ${name}`, () => {
      const { series, errors } = metricFamiliesToSeries(decodeMetricFamilies(encode({ name: 'ok', type: 'GAUGE', metric: [{ gauge: { value: 1 } }] }, family)), NOW);
      assert.equal(series.length, 1); // the good family
      assert.equal(errors.length, 1);
      assert.equal(errors[0]!.line, 2);
      assert.equal(errors[0]!.reason.endsWith(want), true, errors[0]!.reason);
    });
  }

  it('rejects a truncated message', () => {
    const body = encode({ name: 'g', type: 'GAUGE', metric: [{ gauge: { value: 1 } }] });
    assert.throws(
      () => decodeMetricFamilies(body.subarray(0, body.length - 3)),
      (err: unknown) => err instanceof BadRequestError && /^pushgateway: invalid protobuf body: delimited MetricFamily message 1: /.test(err.message),
    );
  });

  it('rejects text sent as protobuf', () => {
    assert.throws(() => decodeMetricFamilies(new TextEncoder().encode('some_metric{a="b"} 1\n')), /pushgateway: invalid protobuf body/);
  });

  it('only BadRequestError escapes for arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          const { series } = metricFamiliesToSeries(decodeMetricFamilies(bytes), NOW);
          for (const s of series) assert.equal(s.samples.length, 1);
        } catch (err) {
          assert.ok(err instanceof BadRequestError, String(err));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trips gauges with arbitrary labels and values', () => {
    const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/).filter((n) => n !== '__name__');
    const metric = fc.record({
      labels: fc.uniqueArray(fc.record({ name: labelName, value: fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }) }), { selector: (l) => l.name, maxLength: 4 }),
      value: fc.double(),
    });
    fc.assert(
      fc.property(fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,12}$/), fc.array(metric, { maxLength: 5 }), (name, metrics) => {
        const body = encode({ name, type: 'GAUGE', metric: metrics.map((m) => ({ label: m.labels.map((l) => ({ ...l })), gauge: { value: m.value } })) });
        const { series, errors } = metricFamiliesToSeries(decodeMetricFamilies(body), NOW);
        assert.deepEqual(errors, []);
        assert.equal(series.length, metrics.length);
        metrics.forEach((m, i) => {
          const want = [{ name: '__name__', value: name }, ...m.labels.map((l) => ({ name: l.name, value: l.value }))].sort((a, b) => (a.name < b.name ? -1 : 1));
          assert.deepEqual(series[i]!.labels, want);
          assert.ok(Object.is(series[i]!.samples[0]!.value, m.value));
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('protobuf pushes through the route', () => {
  const route = routes[0]!;
  function push(body: Uint8Array, contentType: string): RouteOutcome {
    return route.handle({ method: 'PUT', path: '/metrics/job/j/instance/i', params: {}, query: new URLSearchParams(), headers: { 'content-type': contentType }, body, now: NOW });
  }

  it('maps the families and applies the grouping key', () => {
    const out = push(encode({ name: 'c_total', type: 'COUNTER', metric: [{ label: [{ name: 'instance', value: 'body' }], counter: { value: 2 } }] }), PROTOBUF);
    assert.equal(out.kind, 'series');
    assert.deepEqual(render(out.kind === 'series' ? out.series : []), [
      `c_total{instance="i",job="j"} 2 @${NOW}`,
      `push_time_seconds{instance="i",job="j"} ${NOW / 1000} @${NOW}`,
    ]);
  });

  it('accepts the parameters in any order and case', () => {
    const out = push(encode({ name: 'g', type: 'GAUGE', metric: [{ gauge: { value: 1 } }] }), 'Application/Vnd.Google.Protobuf; Encoding=delimited; proto="io.prometheus.client.MetricFamily"');
    assert.equal(out.kind === 'series' && out.series.length, 2);
  });

  it('400 for a bad family, naming it', () => {
    assert.throws(
      () => push(encode({ name: 'c', type: 'COUNTER', metric: [{}] }), PROTOBUF),
      (err: unknown) =>
        err instanceof BadRequestError &&
        err.message ===
          'pushgateway: 1 invalid metric family; nothing was accepted\npushgateway: metric family 1: metric family "c": metric 1: counter type without a counter value: "c"',
    );
  });

  it('415 for protobuf that is not delimited MetricFamily', () => {
    for (const ct of ['application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=text', 'application/vnd.google.protobuf']) {
      assert.throws(
        () => push(new Uint8Array(0), ct),
        (err: unknown) =>
          err instanceof UnsupportedMediaTypeError &&
          err.status === 415 &&
          err.message.startsWith('pushgateway: unsupported protobuf body') &&
          err.message.endsWith(`want "${PROTOBUF}"`),
      );
    }
  });
});
