import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, UnsupportedMediaTypeError } from '../../../../lib/errors.ts';
import { otlpJsonResponse, otlpProtobufResponse } from '../../../../lib/ingest/otlp/response.ts';
import { ExportMetricsServiceResponse } from '../../../helpers/otlp-proto.ts';
import { DEFAULT_LIMITS } from '../../../../lib/config/schema.ts';
import { createOtlpRoutes, createRoutes } from '../../../../lib/ingest/otlp/route.ts';
import type { IngestRequest, RouteOutcome } from '../../../../lib/ingest/types.ts';
import { jsonBody, NOW, protobufBody, request, T_NANOS } from './helpers.ts';

const routes = createRoutes({ limits: DEFAULT_LIMITS });

const route = routes[0]!;

function req(body: Uint8Array, contentType?: string): IngestRequest {
  return {
    method: 'POST',
    path: '/opentelemetry/v1/metrics',
    params: {},
    query: new URLSearchParams(),
    headers: contentType === undefined ? {} : { 'content-type': contentType },
    body,
    now: NOW,
  };
}

function series(o: RouteOutcome) {
  assert.equal(o.kind, 'series');
  return o as Extract<RouteOutcome, { kind: 'series' }>;
}

const good = request([{ name: 'g', gauge: { dataPoints: [{ asInt: '1', timeUnixNano: T_NANOS }] } }]);
const mixed = request([
  { name: 'g', gauge: { dataPoints: [{ asInt: '1', timeUnixNano: T_NANOS }] } },
  { name: 'd', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ asInt: '1' }, { asInt: '2' }] } },
]);

const native = request([
  { name: 'e', exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{ count: '1', scale: 0, positive: { offset: 0, bucketCounts: ['1'] }, timeUnixNano: T_NANOS, exemplars: [{ asDouble: 1.5, traceId: '5b8efff798038103d269b633813fc60c' }] }] } },
  { name: 'g', gauge: { dataPoints: [{ asInt: '1', timeUnixNano: T_NANOS, exemplars: [{ asInt: '1' }] }] } },
]);

describe('OTLP route', () => {
  it('native histograms and exemplars: answered as before (200, empty response), histograms and exemplars in the series, gauge exemplars as drops', () => {
    for (const [body, ct] of [[jsonBody(native), 'application/json'], [protobufBody(native), 'application/x-protobuf']] as const) {
      const o = series(route.handle(req(body, ct)));
      assert.equal(o.errors.length, 0);
      assert.equal(o.success.status, 200);
      assert.deepEqual(o.drops, { otlp_gauge_exemplar: 1 });
      const e = o.series.find((s) => s.histograms)!;
      assert.equal(e.histograms!.length, 1);
      assert.deepEqual(e.exemplars!.map((x) => x.value), [1.5]);
    }
  });

  it('serves the OTLP/HTTP path and the VictoriaMetrics alias, POST only', () => {
    assert.deepEqual([...route.paths], ['/opentelemetry/v1/metrics', '/opentelemetry/api/v1/push']);
    assert.deepEqual([...route.methods], ['POST']);
    assert.equal(route.protocol, 'otlp');
  });

  it('JSON request: 200 with {} in JSON', () => {
    const o = series(route.handle(req(jsonBody(good), 'application/json; charset=utf-8')));
    assert.equal(o.series.length, 1);
    assert.deepEqual(o.success, { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' });
  });

  it('protobuf request (and a missing Content-Type): 200 with an empty ExportMetricsServiceResponse', () => {
    for (const ct of ['application/x-protobuf', undefined]) {
      const o = series(route.handle(req(protobufBody(good), ct)));
      assert.equal(o.series.length, 1);
      assert.deepEqual(o.success, { status: 200, headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array(0) });
    }
  });

  it('JSON partial success reports rejected points (int64 as a string) and the reasons', () => {
    const o = series(route.handle(req(jsonBody(mixed), 'application/json')));
    assert.equal(o.errors.length, 1);
    const r = o.partial!({ errors: o.errors });
    assert.equal(r.status, 200);
    const body = JSON.parse(String(r.body));
    assert.equal(body.partialSuccess.rejectedDataPoints, '2');
    assert.match(body.partialSuccess.errorMessage, /^metric 2: metric "d" .*delta aggregation temporality/);
  });

  it('errors added by the pipeline after parsing count one rejected point each', () => {
    const o = series(route.handle(req(jsonBody(mixed), 'application/json')));
    const extra = [...o.errors, { line: 1, reason: 'label validation', excerpt: '""' }];
    assert.equal(JSON.parse(String(o.partial!({ errors: extra }).body)).partialSuccess.rejectedDataPoints, '3');
  });

  it('other Content-Types are 415', () => {
    assert.throws(
      () => route.handle(req(jsonBody(good), 'text/plain')),
      (e: unknown) => e instanceof UnsupportedMediaTypeError && e.status === 415 && e.message.includes('otlp: unsupported Content-Type "text/plain"'),
    );
  });

  it('options are validated when the routes are built', () => {
    assert.throws(
      () => createOtlpRoutes({ translationStrategy: 'Nope', promoteResourceAttributes: 'x', extra: 1 } as never),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.problems.includes('otlp.extra: unknown option') &&
        e.problems.some((p) => p.startsWith('otlp.translationStrategy: must be one of')) &&
        e.problems.includes('otlp.promoteResourceAttributes: must be a list of non-empty strings'),
    );
  });

  it('options reach the parser', () => {
    const [r] = createOtlpRoutes({ translationStrategy: 'NoTranslation' });
    const o = series(r!.handle(req(jsonBody(request([{ name: 'a.b', gauge: { dataPoints: [{ asInt: '1' }] } }])), 'application/json')));
    assert.equal(o.series[0]!.labels.find((l) => l.name === '__name__')!.value, 'a.b');
  });

  it('otlpProtobufResponse encodes partial_success for when the route contract carries bytes', () => {
    assert.equal(otlpProtobufResponse(0, []).length, 0);
    const bytes = otlpProtobufResponse(7, [{ line: 1, reason: 'r', excerpt: '""' }]);
    const decoded = ExportMetricsServiceResponse.toObject(ExportMetricsServiceResponse.decode(bytes), { longs: String });
    assert.deepEqual(decoded, { partialSuccess: { rejectedDataPoints: '7', errorMessage: 'metric 1: r' } });
  });
});

describe('OTLP partial_success error message limits', () => {
  it('lists at most 10 reasons (MAX_LISTED_LINE_ERRORS, the rule of every protocol) and says how many more, within 1 KiB', () => {
    const metrics = Array.from({ length: 13 }, (_, i) => ({ name: `d${i}`, sum: { aggregationTemporality: 1, dataPoints: [{ asInt: '1' }] } }));
    const o = series(route.handle(req(jsonBody(request(metrics)), 'application/json')));
    assert.equal(o.errors.length, 10, 'the parser keeps only the listed errors');
    assert.equal(o.errorCount, 13);
    const short = o.errors.map((e) => ({ ...e, reason: 'r' }));
    const msg: string = JSON.parse(otlpJsonResponse(13, short, 13)).partialSuccess.errorMessage;
    assert.equal(msg.match(/metric \d+: r/g)!.length, 10);
    assert.ok(msg.endsWith('; and 3 more'), msg);
    const full: string = JSON.parse(String(o.partial!({ errors: o.errors, errorCount: o.errorCount }).body)).partialSuccess.errorMessage;
    assert.ok(full.length <= 1025, 'real reasons are longer: the 1 KiB cut comes first');
  });
  it('truncates to 1 KiB', () => {
    const long = 'x'.repeat(600);
    const metrics = [0, 1].map((i) => ({ name: `${long}${i}`, sum: { aggregationTemporality: 1, dataPoints: [{ asInt: '1' }] } }));
    const o = series(route.handle(req(jsonBody(request(metrics)), 'application/json')));
    const msg: string = JSON.parse(String(o.partial!({ errors: o.errors }).body)).partialSuccess.errorMessage;
    assert.equal(msg.length, 1025);
    assert.ok(msg.endsWith('…'));
  });
});
