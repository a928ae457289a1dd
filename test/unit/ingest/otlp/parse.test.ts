import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOtlpMetrics, type OtlpOptions } from '../../../../lib/ingest/otlp/parse.ts';
import { attrs, jsonBody, NOW, protobufBody, render, request, T_MS, T_NANOS } from './helpers.ts';

const CUMULATIVE = 2;
const DELTA = 1;

function gauge(name: string, points: unknown[], unit = ''): unknown {
  return { name, unit, gauge: { dataPoints: points } };
}
function sum(name: string, points: unknown[], monotonic = true, temporality = CUMULATIVE, unit = ''): unknown {
  return { name, unit, sum: { dataPoints: points, aggregationTemporality: temporality, isMonotonic: monotonic } };
}
function histogram(name: string, points: unknown[], temporality = CUMULATIVE, unit = ''): unknown {
  return { name, unit, histogram: { dataPoints: points, aggregationTemporality: temporality } };
}

interface Case {
  name: string;
  body: unknown;
  opts?: OtlpOptions;
  want: string[];
  /** Substrings of the error reasons, in order. */
  errors?: string[];
  rejected?: number;
}

/** Expected outputs follow Prometheus' OTLP receiver (prometheus/otlptranslator) unless the name says otherwise. */
const cases: Case[] = [
  {
    name: 'gauge: double and int values, nanoseconds truncated to milliseconds exactly',
    body: request([
      gauge('temp', [
        { asDouble: 21.5, timeUnixNano: T_NANOS, attributes: attrs({ room: 'a' }) },
        { asInt: '-9007199254740993', timeUnixNano: T_NANOS, attributes: attrs({ room: 'b' }) },
      ]),
    ]),
    want: [`temp{job="svc",room="a"} 21.5@${T_MS}`, `temp{job="svc",room="b"} -9007199254740992@${T_MS}`],
  },
  {
    name: 'a point without a timestamp gets the request time',
    body: request([gauge('g', [{ asDouble: 1 }])]),
    want: [`g{job="svc"} 1@${NOW}`],
  },
  {
    name: 'dots in metric and attribute names become underscores; no suffixes by default',
    body: request([sum('http.server.requests', [{ asInt: '7', timeUnixNano: T_NANOS, attributes: attrs({ 'http.method': 'GET' }) }], true, CUMULATIVE, '{request}')]),
    want: [`http_server_requests{http_method="GET",job="svc"} 7@${T_MS}`],
  },
  {
    name: 'UnderscoreEscapingWithSuffixes: monotonic sum gets _total, unit suffix added',
    body: request([
      sum('http.server.requests', [{ asInt: '7', timeUnixNano: T_NANOS }]),
      sum('process.memory', [{ asInt: '9', timeUnixNano: T_NANOS }], false, CUMULATIVE, 'By'),
      gauge('cpu.utilization', [{ asDouble: 0.5, timeUnixNano: T_NANOS }], '1'),
    ]),
    opts: { translationStrategy: 'UnderscoreEscapingWithSuffixes' },
    want: [
      `cpu_utilization_ratio{job="svc"} 0.5@${T_MS}`,
      `http_server_requests_total{job="svc"} 7@${T_MS}`,
      `process_memory_bytes{job="svc"} 9@${T_MS}`,
    ],
  },
  {
    name: 'NoTranslation keeps names verbatim (VictoriaMetrics default)',
    body: request([gauge('http.server.active', [{ asInt: '1', timeUnixNano: T_NANOS, attributes: attrs({ 'net.peer': 'x' }) }])]),
    opts: { translationStrategy: 'NoTranslation' },
    want: [`{__name__="http.server.active",job="svc",net.peer="x"} 1@${T_MS}`],
  },
  {
    name: 'non-monotonic cumulative sum is a gauge',
    body: request([sum('queue.size', [{ asInt: '3', timeUnixNano: T_NANOS }], false)]),
    opts: { translationStrategy: 'UnderscoreEscapingWithSuffixes' },
    want: [`queue_size{job="svc"} 3@${T_MS}`],
  },
  {
    name: 'delta and unspecified temporality are dropped with a counted error',
    body: request([
      sum('d', [{ asInt: '1', timeUnixNano: T_NANOS }, { asInt: '2', timeUnixNano: T_NANOS }], true, DELTA),
      histogram('h', [{ count: '1', timeUnixNano: T_NANOS }], 0),
      gauge('ok', [{ asInt: '1', timeUnixNano: T_NANOS }]),
    ]),
    want: [`ok{job="svc"} 1@${T_MS}`],
    errors: [
      'metric "d" (resourceMetrics[0].scopeMetrics[0].metrics[0]): sum with delta aggregation temporality is not supported',
      'metric "h" (resourceMetrics[0].scopeMetrics[0].metrics[1]): histogram with unspecified aggregation temporality is not supported',
    ],
    rejected: 3,
  },
  {
    name: 'histogram: cumulative buckets, +Inf is the count, le formatted like Go',
    body: request([
      histogram('latency', [
        { count: '10', sum: 2.5, bucketCounts: ['1', '2', '3', '4'], explicitBounds: [1e-7, 0.25, 1e21], timeUnixNano: T_NANOS },
      ]),
    ]),
    want: [
      `latency_bucket{job="svc",le="+Inf"} 10@${T_MS}`,
      `latency_bucket{job="svc",le="0.0000001"} 1@${T_MS}`,
      `latency_bucket{job="svc",le="0.25"} 3@${T_MS}`,
      `latency_bucket{job="svc",le="1000000000000000000000"} 6@${T_MS}`,
      `latency_count{job="svc"} 10@${T_MS}`,
      `latency_sum{job="svc"} 2.5@${T_MS}`,
    ],
  },
  {
    name: 'histogram without sum or buckets: _count and the +Inf bucket only',
    body: request([histogram('h', [{ count: '4', timeUnixNano: T_NANOS }])]),
    want: [`h_bucket{job="svc",le="+Inf"} 4@${T_MS}`, `h_count{job="svc"} 4@${T_MS}`],
  },
  {
    name: 'histogram with more bucket counts than bounds (opentelemetry-proto example): pairs up to the shorter list',
    body: request([histogram('h', [{ count: '3', sum: 3, bucketCounts: ['1', '1', '1'], explicitBounds: [1], timeUnixNano: T_NANOS }])]),
    opts: { translationStrategy: 'UnderscoreEscapingWithSuffixes' },
    want: [
      `h_bucket{job="svc",le="+Inf"} 3@${T_MS}`,
      `h_bucket{job="svc",le="1"} 1@${T_MS}`,
      `h_count{job="svc"} 3@${T_MS}`,
      `h_sum{job="svc"} 3@${T_MS}`,
    ],
  },
  {
    name: 'histogram with a unit and suffixes: the unit goes before _bucket',
    body: request([histogram('rpc.duration', [{ count: '1', sum: 0.1, bucketCounts: ['1', '0'], explicitBounds: [0.5], timeUnixNano: T_NANOS }], CUMULATIVE, 'ms')]),
    opts: { translationStrategy: 'UnderscoreEscapingWithSuffixes' },
    want: [
      `rpc_duration_milliseconds_bucket{job="svc",le="+Inf"} 1@${T_MS}`,
      `rpc_duration_milliseconds_bucket{job="svc",le="0.5"} 1@${T_MS}`,
      `rpc_duration_milliseconds_count{job="svc"} 1@${T_MS}`,
      `rpc_duration_milliseconds_sum{job="svc"} 0.1@${T_MS}`,
    ],
  },
  {
    name: 'summary: quantile label, _sum and _count',
    body: request([
      {
        name: 'rpc',
        summary: {
          dataPoints: [{ count: '5', sum: 12, quantileValues: [{ quantile: 0.5, value: 2 }, { quantile: 0.99, value: 9 }], timeUnixNano: T_NANOS }],
        },
      },
    ]),
    want: [
      `rpc_count{job="svc"} 5@${T_MS}`,
      `rpc_sum{job="svc"} 12@${T_MS}`,
      `rpc{job="svc",quantile="0.5"} 2@${T_MS}`,
      `rpc{job="svc",quantile="0.99"} 9@${T_MS}`,
    ],
  },
  {
    name: 'exponential histogram points Prometheus would refuse (count above the buckets) are dropped with a counted error each',
    body: request([
      { name: 'eh', exponentialHistogram: { aggregationTemporality: CUMULATIVE, dataPoints: [{ count: '1', scale: 2 }, { count: '2' }] } },
    ]),
    want: [],
    errors: [
      'metric "eh" (resourceMetrics[0].scopeMetrics[0].metrics[0]): dataPoints[0]: 0 observations in buckets, but the count is 1',
      'metric "eh" (resourceMetrics[0].scopeMetrics[0].metrics[0]): dataPoints[1]: 0 observations in buckets, but the count is 2',
    ],
    rejected: 2,
  },
  {
    name: 'exponential histograms with delta temporality are refused as delta sums are',
    body: request([{ name: 'eh', exponentialHistogram: { aggregationTemporality: DELTA, dataPoints: [{ count: '0' }] } }]),
    want: [],
    errors: ['exponentialHistogram with delta aggregation temporality is not supported (only cumulative, as in Prometheus); 1 data points dropped'],
    rejected: 1,
  },
  {
    name: 'FLAG_NO_RECORDED_VALUE: staleness markers for every series of the point',
    body: request([
      gauge('g', [{ flags: 1, timeUnixNano: T_NANOS }]),
      histogram('h', [{ flags: 1, count: '0', sum: 0, bucketCounts: ['0', '0'], explicitBounds: [1], timeUnixNano: T_NANOS }]),
    ]),
    want: [
      `g{job="svc"} STALE@${T_MS}`,
      `h_bucket{job="svc",le="+Inf"} STALE@${T_MS}`,
      `h_bucket{job="svc",le="1"} STALE@${T_MS}`,
      `h_count{job="svc"} STALE@${T_MS}`,
      `h_sum{job="svc"} STALE@${T_MS}`,
    ],
  },
  {
    name: 'a number point without a value is rejected',
    body: request([gauge('g', [{ timeUnixNano: T_NANOS }, { asInt: '2', timeUnixNano: T_NANOS, attributes: attrs({ a: 'b' }) }])]),
    want: [`g{a="b",job="svc"} 2@${T_MS}`],
    errors: ['metric "g" (resourceMetrics[0].scopeMetrics[0].metrics[0]): dataPoints[0]: no value (neither asDouble nor asInt)'],
    rejected: 1,
  },
  {
    name: 'service.namespace/service.name -> job, service.instance.id -> instance, other resource attributes -> target_info',
    body: request([gauge('g', [{ asInt: '1', timeUnixNano: T_NANOS }])], {
      'service.name': 'api',
      'service.namespace': 'shop',
      'service.instance.id': 'i-1',
      'host.name': 'h1',
      'cloud.region': 'eu',
    }),
    want: [`g{instance="i-1",job="shop/api"} 1@${T_MS}`, `target_info{cloud_region="eu",host_name="h1",instance="i-1",job="shop/api"} 1@${T_MS}`],
  },
  {
    name: 'no target_info without job/instance, nor with only service attributes, nor when disabled',
    body: {
      resourceMetrics: [
        { resource: { attributes: attrs({ 'host.name': 'h1' }) }, scopeMetrics: [{ metrics: [gauge('a', [{ asInt: '1', timeUnixNano: T_NANOS }])] }] },
        { resource: { attributes: attrs({ 'service.name': 's' }) }, scopeMetrics: [{ metrics: [gauge('b', [{ asInt: '1', timeUnixNano: T_NANOS }])] }] },
      ],
    },
    want: [`a{} 1@${T_MS}`, `b{job="s"} 1@${T_MS}`],
  },
  {
    name: 'targetInfo: false and promoteResourceAttributes',
    body: request([gauge('g', [{ asInt: '1', timeUnixNano: T_NANOS, attributes: attrs({ 'k8s.pod.name': 'from-point' }) }])], {
      'service.name': 's',
      'k8s.pod.name': 'p',
      'k8s.namespace.name': 'ns',
    }),
    opts: { targetInfo: false, promoteResourceAttributes: ['k8s.pod.name', 'k8s.namespace.name'] },
    want: [`g{job="s",k8s_namespace_name="ns",k8s_pod_name="from-point"} 1@${T_MS}`],
  },
  {
    name: 'promoteAllResourceAttributes copies every resource attribute (VictoriaMetrics behaviour)',
    body: request([gauge('g', [{ asInt: '1', timeUnixNano: T_NANOS }])], { 'service.name': 's', 'host.name': 'h' }),
    opts: { promoteAllResourceAttributes: true, targetInfo: false },
    want: [`g{host_name="h",job="s",service_name="s"} 1@${T_MS}`],
  },
  {
    name: 'attribute names: leading digit -> key_, single leading _ -> key_, __ kept, collisions joined with ; in key order',
    body: request([
      gauge('g', [
        { asInt: '1', timeUnixNano: T_NANOS, attributes: attrs({ foo_bar: 'b', 'foo.bar': 'a', '1x': 'd', _y: 'e', __z: 'f' }) },
      ]),
    ]),
    want: [`g{__z="f",foo_bar="a;b",job="svc",key_1x="d",key_y="e"} 1@${T_MS}`],
  },
  {
    name: 'point attributes job, le and __name__ are overridden (Prometheus precedence)',
    body: request([
      histogram('h', [{ count: '1', bucketCounts: ['1', '0'], explicitBounds: [2], timeUnixNano: T_NANOS, attributes: attrs({ job: 'x', le: '9', __name__: 'n' }) }]),
    ]),
    want: [`h_bucket{job="svc",le="+Inf"} 1@${T_MS}`, `h_bucket{job="svc",le="2"} 1@${T_MS}`, `h_count{job="svc",le="9"} 1@${T_MS}`],
  },
  {
    name: 'attribute keys that cannot become label names reject the point',
    body: request([gauge('g', [{ asInt: '1', timeUnixNano: T_NANOS, attributes: attrs({ '': 'v' }) }, { asInt: '2', timeUnixNano: T_NANOS, attributes: attrs({ '..': 'v' }) }])]),
    want: [],
    errors: ['dataPoints[0]: attribute with an empty key', 'dataPoints[1]: attribute key ".." translates to the invalid label name "__"'],
    rejected: 2,
  },
  {
    name: 'metric names that translate to nothing are rejected',
    body: request([gauge('', [{ asInt: '1' }]), gauge('@#$', [{ asInt: '1' }]), gauge('123abc', [{ asInt: '1', timeUnixNano: T_NANOS }])]),
    want: [`_123abc{job="svc"} 1@${T_MS}`],
    errors: ['metric without a name; 1 data points dropped', 'metric name "@#$" translates to an empty name'],
    rejected: 2,
  },
  {
    name: 'attribute values of every type become strings as pdata AsString() does',
    body: request([
      gauge('g', [
        {
          asInt: '1',
          timeUnixNano: T_NANOS,
          attributes: [
            { key: 'b', value: { boolValue: true } },
            { key: 'i', value: { intValue: '-42' } },
            { key: 'd', value: { doubleValue: 1e21 } },
            { key: 'd2', value: { doubleValue: 0.5 } },
            { key: 'y', value: { bytesValue: 'AQID' } },
            { key: 'arr', value: { arrayValue: { values: [{ stringValue: '<x&>' }, { intValue: '2' }, { boolValue: false }] } } },
            { key: 'kv', value: { kvlistValue: { values: [{ key: 'z', value: { intValue: '1' } }, { key: 'a', value: { stringValue: 'q' } }] } } },
            { key: 'empty', value: {} },
          ],
        },
      ]),
    ]),
    want: [`g{arr="[\\"\\\\u003cx\\\\u0026\\\\u003e\\",2,false]",b="true",d="1e+21",d2="0.5",i="-42",job="svc",kv="{\\"a\\":\\"q\\",\\"z\\":1}",y="AQID"} 1@${T_MS}`],
  },
  {
    name: 'points of one series are merged into one series in timestamp order',
    body: request([gauge('g', [{ asInt: '2', timeUnixNano: '2000000000' }, { asInt: '1', timeUnixNano: '1000000000' }])]),
    want: [`g{job="svc"} 1@1000`, `g{job="svc"} 2@2000`],
  },
];

for (const format of ['json', 'protobuf'] as const) {
  describe(`parseOtlpMetrics (${format})`, () => {
    for (const c of cases) {
      it(c.name, () => {
        const body = format === 'json' ? jsonBody(c.body) : protobufBody(c.body);
        const r = parseOtlpMetrics(body, { ...c.opts, format, now: NOW });
        assert.deepEqual(render(r.series), [...c.want].sort());
        const want = c.errors ?? [];
        assert.equal(r.errors.length, want.length, JSON.stringify(r.errors));
        want.forEach((w, i) => assert.ok(r.errors[i]!.reason.includes(w), `${r.errors[i]!.reason} should include ${w}`));
        assert.equal(r.rejectedPoints, c.rejected ?? 0);
      });
    }
  });
}

describe('parseOtlpMetrics errors name the metric position', () => {
  it('line is the 1-based position of the metric across resources and scopes', () => {
    const body = {
      resourceMetrics: [
        { scopeMetrics: [{ metrics: [gauge('a', [{ asInt: '1' }])] }, { metrics: [gauge('b', [{ asInt: '1' }])] }] },
        { scopeMetrics: [{ metrics: [sum('c', [{ asInt: '1' }], true, DELTA)] }] },
      ],
    };
    const r = parseOtlpMetrics(jsonBody(body), { format: 'json', now: NOW });
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]!.line, 3);
    assert.match(r.errors[0]!.reason, /resourceMetrics\[1\]\.scopeMetrics\[0\]\.metrics\[0\]/);
    assert.equal(r.errors[0]!.excerpt, '"c"');
  });
  it('metrics whose names translate alike feed one series, samples in timestamp order', () => {
    const body = request([
      gauge('a.b', [{ asInt: '2', timeUnixNano: '2000000000' }]),
      gauge('a_b', [{ asInt: '1', timeUnixNano: '1000000000' }]),
      histogram('h', [{ count: '1', bucketCounts: ['1', '0'], explicitBounds: [2], timeUnixNano: '3000000000', attributes: attrs({ le: 'x' }) }]),
      histogram('h', [{ count: '2', bucketCounts: ['2', '0'], explicitBounds: [2], timeUnixNano: '1000000000' }]),
    ]);
    const r = parseOtlpMetrics(jsonBody(body), { format: 'json', now: NOW });
    const ab = r.series.filter((s) => s.labels.some((l) => l.value === 'a_b'));
    assert.equal(ab.length, 1);
    assert.deepEqual(ab[0]!.samples, [{ value: 1, timestamp: 1000 }, { value: 2, timestamp: 2000 }]);
    const le2 = r.series.filter((s) => s.labels.some((l) => l.name === 'le' && l.value === '2'));
    assert.equal(le2.length, 1, 'a point attribute le is overridden, so both points land in one bucket series');
    assert.deepEqual(le2[0]!.samples.map((s) => s.timestamp), [1000, 3000]);
  });
  it('a series with many points in reverse order is sorted once (no sort per sample)', () => {
    const n = 20000;
    const points = Array.from({ length: n }, (_, i) => ({ asInt: String(i), timeUnixNano: String((n - i) * 1_000_000) }));
    const r = parseOtlpMetrics(jsonBody(request([gauge('g', points)])), { format: 'json', now: NOW });
    const samples = r.series[0]!.samples;
    assert.equal(samples.length, n);
    assert.deepEqual([samples[0], samples[n - 1]], [{ value: n - 1, timestamp: 1 }, { value: 0, timestamp: n }]);
  });
  it('staleness markers carry stale: true and a NaN value', () => {
    const r = parseOtlpMetrics(jsonBody(request([gauge('g', [{ flags: 1, asDouble: 5, timeUnixNano: T_NANOS }])])), { format: 'json', now: NOW });
    const s = r.series[0]!.samples[0]!;
    assert.equal(s.stale, true);
    assert.ok(Number.isNaN(s.value));
  });
});

describe('limits', () => {
  function nested(depth: number): unknown {
    let v: unknown = { stringValue: 'x' };
    for (let i = 0; i < depth; i++) v = { arrayValue: { values: [v] } };
    return request([gauge('g', [{ asInt: '1', timeUnixNano: T_NANOS, attributes: [{ key: 'deep', value: v }] }])]);
  }
  for (const format of ['json', 'protobuf'] as const) {
    it(`${format}: attribute values nest up to MAX_ATTRIBUTE_DEPTH (32) levels, one more rejects the body`, () => {
      const body = (o: unknown) => (format === 'json' ? jsonBody(o) : protobufBody(o));
      const ok = parseOtlpMetrics(body(nested(32)), { format, now: NOW });
      assert.equal(ok.series.length, 1);
      assert.throws(
        () => parseOtlpMetrics(body(nested(33)), { format, now: NOW }),
        (e: unknown) => e instanceof Error && e.message === 'otlp: attribute value nested deeper than 32 levels',
      );
    });
  }
});
