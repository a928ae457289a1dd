/**
 * The hand-written OTLP protobuf decoder against two independent codecs: random requests encoded by
 * protobufjs (test/helpers/otlp-proto.ts) decode to exactly what the OTLP/JSON decoder makes of the same
 * request as JSON; unknown fields of every wire type, anywhere, change nothing; known fields with a wrong
 * wire type are skipped as protobufjs skipped them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { decodeOtlpJson } from '../../../../lib/ingest/otlp/decode-json.ts';
import { decodeOtlpProtobuf } from '../../../../lib/ingest/otlp/decode-protobuf.ts';
import { ExportMetricsServiceRequest } from '../../../helpers/otlp-proto.ts';
import { JUNK, withUnknownFields } from '../../../helpers/proto-junk.ts';
import { jsonBody, protobufBody } from './helpers.ts';

const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d));
const safeInt = fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 });
const count = fc.nat({ max: 2 ** 53 - 1 }).map(String);
const nanos = fc.bigInt(0n, 2n ** 64n - 1n).map(String);
const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));

const { anyValue } = fc.letrec<{ anyValue: unknown }>((tie) => ({
  anyValue: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ stringValue: text }),
    fc.record({ boolValue: fc.boolean() }),
    fc.record({ intValue: fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n).map(String) }),
    fc.record({ doubleValue: finite }),
    fc.record({ bytesValue: fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b).toString('base64')) }),
    fc.record({ arrayValue: fc.record({ values: fc.array(tie('anyValue'), { maxLength: 3 }) }) }),
    fc.record({ kvlistValue: fc.record({ values: fc.array(fc.record({ key: text, value: tie('anyValue') }), { maxLength: 3 }) }) }),
    fc.constant({}),
  ),
}));
const attributes = fc.array(fc.record({ key: text, value: anyValue }, { requiredKeys: ['key'] }), { maxLength: 3 });
const times = { timeUnixNano: nanos, startTimeUnixNano: nanos, flags: fc.nat({ max: 2 ** 32 - 1 }), attributes };
const exemplar = fc.record(
  {
    filteredAttributes: attributes,
    timeUnixNano: nanos,
    value: fc.oneof(finite.map((asDouble) => ({ asDouble })), safeInt.map((n) => ({ asInt: String(n) })), fc.constant({})),
    traceId: fc.oneof(hex(16), fc.constant('')),
    spanId: fc.oneof(hex(8), fc.constant('')),
  },
  { requiredKeys: [] },
).map(({ value, ...e }) => ({ ...e, ...value }));
const value = fc.oneof(finite.map((asDouble) => ({ asDouble })), safeInt.map((n) => ({ asInt: String(n) })), fc.constant({}));
const numberPoint = fc.record({ ...times, exemplars: fc.array(exemplar, { maxLength: 2 }), value }, { requiredKeys: [] }).map(({ value: v, ...p }) => ({ ...p, ...v }));
const histogramPoint = fc.record(
  { ...times, exemplars: fc.array(exemplar, { maxLength: 2 }), count, sum: finite, bucketCounts: fc.array(count, { maxLength: 5 }), explicitBounds: fc.array(finite, { maxLength: 4 }) },
  { requiredKeys: [] },
);
const buckets = fc.record({ offset: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), bucketCounts: fc.array(count, { maxLength: 5 }) }, { requiredKeys: [] });
const expPoint = fc.record(
  { ...times, exemplars: fc.array(exemplar, { maxLength: 2 }), count, sum: finite, scale: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), zeroCount: count, positive: buckets, negative: buckets },
  { requiredKeys: [] },
);
const summaryPoint = fc.record({ ...times, count, sum: finite, quantileValues: fc.array(fc.record({ quantile: finite, value: finite }), { maxLength: 3 }) }, { requiredKeys: [] });
const temporality = fc.nat({ max: 2 });
const data = fc.oneof(
  fc.record({ gauge: fc.record({ dataPoints: fc.array(numberPoint, { maxLength: 3 }) }) }),
  fc.record({ sum: fc.record({ dataPoints: fc.array(numberPoint, { maxLength: 3 }), aggregationTemporality: temporality, isMonotonic: fc.boolean() }, { requiredKeys: ['dataPoints'] }) }),
  fc.record({ histogram: fc.record({ dataPoints: fc.array(histogramPoint, { maxLength: 3 }), aggregationTemporality: temporality }, { requiredKeys: ['dataPoints'] }) }),
  fc.record({ exponentialHistogram: fc.record({ dataPoints: fc.array(expPoint, { maxLength: 3 }), aggregationTemporality: temporality }, { requiredKeys: ['dataPoints'] }) }),
  fc.record({ summary: fc.record({ dataPoints: fc.array(summaryPoint, { maxLength: 3 }) }) }),
  fc.constant({}),
);
const metric = fc.record({ name: text, unit: text, description: text, data }, { requiredKeys: ['data'] }).map(({ data: d, ...m }) => ({ ...m, ...d }));
const request = fc.record({
  resourceMetrics: fc.array(
    fc.record(
      {
        resource: fc.record({ attributes }),
        scopeMetrics: fc.array(fc.record({ scope: fc.record({ name: text, version: text }), metrics: fc.array(metric, { maxLength: 4 }) }, { requiredKeys: ['metrics'] }), { maxLength: 2 }),
        schemaUrl: text,
      },
      { requiredKeys: [] },
    ),
    { maxLength: 2 },
  ),
});

describe('OTLP protobuf decoder: protobufjs-encoded requests decode as the same request in OTLP/JSON', () => {
  it('random requests (every metric kind, AnyValue kind, exemplars, start times, flags, resource attributes)', () => {
    fc.assert(
      fc.property(request, (req) => {
        assert.deepEqual(decodeOtlpProtobuf(protobufBody(req)), decodeOtlpJson(jsonBody(req)));
      }),
      { numRuns: 1500 },
    );
  });
});

describe('OTLP protobuf decoder: forward compatibility', () => {
  it('unknown fields of every wire type in every message change nothing (property)', () => {
    fc.assert(
      fc.property(request, (req) => {
        const body = protobufBody(req);
        const junked = withUnknownFields(body, ExportMetricsServiceRequest, JUNK);
        assert.notEqual(junked.length, body.length);
        assert.deepEqual(decodeOtlpProtobuf(junked), decodeOtlpProtobuf(body));
      }),
      { numRuns: 300 },
    );
  });
});

describe('OTLP protobuf decoder: known fields with a wrong wire type are skipped, as protobufjs skipped them', () => {
  const field = (id: number, wire: number, build: (w: protobuf.Writer) => void) => {
    const w = protobuf.Writer.create().uint32((id << 3) | wire);
    build(w);
    return w.finish();
  };
  const lenField = (id: number, inner: Uint8Array) => field(id, 2, (w) => w.bytes(inner));
  const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
  const gaugeWith = (point: Uint8Array) =>
    lenField(1, lenField(2, lenField(2, cat(field(1, 2, (w) => w.string('g')), lenField(5, lenField(1, point))))));
  const cases: { name: string; point: Uint8Array; want: Record<string, unknown> }[] = [
    { name: 'time_unix_nano (fixed64) as a varint', point: cat(field(3, 0, (w) => w.uint64(5)), field(4, 1, (w) => w.double(1.5))), want: { timestamp: 0, value: 1.5 } },
    { name: 'as_double (double) as fixed32', point: field(4, 5, (w) => w.fixed32(7)), want: { value: undefined } },
    { name: 'as_int (sfixed64) as a varint', point: field(6, 0, (w) => w.int64(7)), want: { value: undefined } },
    { name: 'attributes (message) as a varint', point: cat(field(7, 0, (w) => w.uint32(1)), field(4, 1, (w) => w.double(2))), want: { attributes: [], value: 2 } },
    { name: 'flags (uint32) as fixed64', point: cat(field(8, 1, (w) => w.fixed64(1)), field(4, 1, (w) => w.double(2))), want: { flags: 0, value: 2 } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const body = gaugeWith(c.point);
      const p = (decodeOtlpProtobuf(body)[0]!.metrics[0]!.data as unknown as { points: Record<string, unknown>[] }).points[0]!;
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(p[k], v, k);
      // protobufjs, the decoder before, saw the same: the field absent.
      const old = ExportMetricsServiceRequest.toObject(ExportMetricsServiceRequest.decode(body)) as { resourceMetrics: { scopeMetrics: { metrics: { gauge: { dataPoints: Record<string, unknown>[] } }[] }[] }[] };
      const op = old.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.gauge.dataPoints[0]!;
      assert.equal(op['timeUnixNano'] === undefined || String(op['timeUnixNano']) === '0', p['timestamp'] === 0);
      assert.equal(op['asDouble'] === undefined && op['asInt'] === undefined, p['value'] === undefined);
    });
  }

  it('in a oneof the last member on the wire wins (metric data, point value, AnyValue), as protobuf specifies', () => {
    const point = cat(field(4, 1, (w) => w.double(1.5)), field(6, 1, (w) => w.sfixed64(3)), lenField(7, cat(field(1, 2, (w) => w.string('k')), lenField(2, cat(field(1, 2, (w) => w.string('s')), field(3, 0, (w) => w.int64(9)))))));
    const metric = cat(field(1, 2, (w) => w.string('m')), lenField(7, lenField(1, point)), lenField(5, lenField(1, point)));
    const [res] = decodeOtlpProtobuf(lenField(1, lenField(2, lenField(2, metric))));
    const data = res!.metrics[0]!.data;
    assert.equal(data.kind, 'gauge');
    const p = (data as { points: { value: number; attributes: unknown[] }[] }).points[0]!;
    assert.equal(p.value, 3);
    assert.deepEqual(p.attributes, [{ key: 'k', value: '9' }]);
  });

  it('a singular message sent twice is merged: the points of both gauge fields are kept', () => {
    const point = (v: number) => lenField(1, field(4, 1, (w) => w.double(v)));
    const metric = cat(lenField(5, point(1)), lenField(5, point(2)));
    const data = decodeOtlpProtobuf(lenField(1, lenField(2, lenField(2, metric))))[0]!.metrics[0]!.data as { points: { value: number }[] };
    assert.deepEqual(data.points.map((p) => p.value), [1, 2]);
  });
});
