/**
 * The hand-written client_model decoder against protobufjs with the descriptor the gateway used before
 * (test/helpers/client-model-proto.ts): random delimited MetricFamily streams decode to the same values
 * (classic and native histograms, exemplars, created timestamps, summaries, every metric kind); unknown
 * fields of every wire type change nothing; malformed streams are a 400 naming the message.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { BadRequestError } from '../../../../lib/errors.ts';
import { decodeMetricFamilies } from '../../../../lib/ingest/pushgateway/metric-families.ts';
import { MetricFamilyType } from '../../../helpers/client-model-proto.ts';
import { JUNK, withUnknownFields } from '../../../helpers/proto-junk.ts';

const text = fc.string({ unit: 'grapheme', maxLength: 8 });
const double = fc.double();
const u64 = fc.bigInt(0n, 2n ** 64n - 1n).map(String);
const i64 = fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n).map(String);
const label = fc.record({ name: text, value: text });
const timestamp = fc.record({ seconds: i64, nanos: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }, { requiredKeys: [] });
const exemplar = fc.record({ label: fc.array(label, { maxLength: 2 }), value: double, timestamp }, { requiredKeys: [] });
const span = fc.record({ offset: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), length: fc.nat({ max: 2 ** 32 - 1 }) }, { requiredKeys: [] });
const histogram = fc.record(
  {
    sampleCount: u64,
    sampleCountFloat: double,
    sampleSum: double,
    bucket: fc.array(fc.record({ cumulativeCount: u64, cumulativeCountFloat: double, upperBound: double, exemplar }, { requiredKeys: [] }), { maxLength: 3 }),
    createdTimestamp: timestamp,
    schema: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    zeroThreshold: double,
    zeroCount: u64,
    zeroCountFloat: double,
    negativeSpan: fc.array(span, { maxLength: 2 }),
    negativeDelta: fc.array(i64, { maxLength: 3 }),
    negativeCount: fc.array(double, { maxLength: 3 }),
    positiveSpan: fc.array(span, { maxLength: 2 }),
    positiveDelta: fc.array(i64, { maxLength: 3 }),
    positiveCount: fc.array(double, { maxLength: 3 }),
    exemplars: fc.array(exemplar, { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const metric = fc.record(
  {
    label: fc.array(label, { maxLength: 3 }),
    gauge: fc.record({ value: double }, { requiredKeys: [] }),
    counter: fc.record({ value: double, exemplar, createdTimestamp: timestamp }, { requiredKeys: [] }),
    summary: fc.record({ sampleCount: u64, sampleSum: double, quantile: fc.array(fc.record({ quantile: double, value: double }, { requiredKeys: [] }), { maxLength: 3 }), createdTimestamp: timestamp }, { requiredKeys: [] }),
    untyped: fc.record({ value: double }, { requiredKeys: [] }),
    histogram,
    timestampMs: i64,
  },
  { requiredKeys: [] },
);
const family = fc.record({ name: text, help: text, type: fc.integer({ min: -1, max: 7 }), metric: fc.array(metric, { maxLength: 3 }), unit: text }, { requiredKeys: [] });

type Msg = Record<string, unknown> & { [k: string]: unknown };
const n = (v: unknown): number => (v === undefined || v === null ? 0 : typeof v === 'number' ? v : (v as { toNumber(): number }).toNumber());
const list = <T>(v: unknown, f: (x: Msg) => T): T[] => ((v as Msg[] | undefined) ?? []).map(f);
const nums = (v: unknown): number[] => ((v as unknown[] | undefined) ?? []).map(n);
const ts = (t: unknown) => (t == null ? null : { seconds: n((t as Msg).seconds), nanos: n((t as Msg).nanos) });
const lbl = (l: Msg) => ({ name: (l.name as string) ?? '', value: (l.value as string) ?? '' });
const ex = (e: unknown) => (e == null ? null : { label: list((e as Msg).label, lbl), value: n((e as Msg).value), timestamp: ts((e as Msg).timestamp) });

/** protobufjs' decoded message (Longs, absent fields) in the decoder's shape: what the mapping read before. */
function normalize(f: Msg): unknown {
  const opt = <T>(v: unknown, g: (x: Msg) => T): T | null => (v == null ? null : g(v as Msg));
  return {
    name: (f.name as string) ?? '',
    type: n(f.type),
    metric: list(f.metric, (m) => ({
      label: list(m.label, lbl),
      gauge: opt(m.gauge, (g) => ({ value: n(g.value) })),
      counter: opt(m.counter, (c) => ({ value: n(c.value), exemplar: ex(c.exemplar), createdTimestamp: ts(c.createdTimestamp) })),
      untyped: opt(m.untyped, (g) => ({ value: n(g.value) })),
      summary: opt(m.summary, (s) => ({ sampleCount: n(s.sampleCount), sampleSum: n(s.sampleSum), quantile: list(s.quantile, (q) => ({ quantile: n(q.quantile), value: n(q.value) })), createdTimestamp: ts(s.createdTimestamp) })),
      histogram: opt(m.histogram, (h) => ({
        sampleCount: n(h.sampleCount),
        sampleCountFloat: n(h.sampleCountFloat),
        sampleSum: n(h.sampleSum),
        bucket: list(h.bucket, (b) => ({ cumulativeCount: n(b.cumulativeCount), cumulativeCountFloat: n(b.cumulativeCountFloat), upperBound: n(b.upperBound), exemplar: ex(b.exemplar) })),
        createdTimestamp: ts(h.createdTimestamp),
        schema: n(h.schema),
        zeroThreshold: n(h.zeroThreshold),
        zeroCount: n(h.zeroCount),
        zeroCountFloat: n(h.zeroCountFloat),
        negativeSpan: list(h.negativeSpan, (s) => ({ offset: n(s.offset), length: n(s.length) })),
        negativeDelta: nums(h.negativeDelta),
        negativeCount: nums(h.negativeCount),
        positiveSpan: list(h.positiveSpan, (s) => ({ offset: n(s.offset), length: n(s.length) })),
        positiveDelta: nums(h.positiveDelta),
        positiveCount: nums(h.positiveCount),
        exemplars: list(h.exemplars, (e) => ex(e)!),
      })),
      timestampMs: n(m.timestampMs),
    })),
  };
}

function encode(families: Record<string, unknown>[], junk = false): Uint8Array {
  return Buffer.concat(
    families.map((f) => {
      const body = MetricFamilyType.encode(MetricFamilyType.fromObject(f)).finish();
      const msg = junk ? withUnknownFields(body, MetricFamilyType, JUNK) : body;
      return protobuf.Writer.create().bytes(msg).finish();
    }),
  );
}

function protobufjsDecode(body: Uint8Array): unknown[] {
  const r = protobuf.Reader.create(body);
  const out: unknown[] = [];
  while (r.pos < r.len) out.push(normalize(MetricFamilyType.decodeDelimited(r) as unknown as Msg));
  return out;
}

describe('client_model decoder', () => {
  it('random delimited MetricFamily streams decode to what protobufjs decoded (every kind, native histograms, exemplars, created timestamps)', () => {
    fc.assert(
      fc.property(fc.array(family, { maxLength: 3 }), (fams) => {
        const body = encode(fams);
        assert.deepEqual(decodeMetricFamilies(body), protobufjsDecode(body));
      }),
      { numRuns: 1500 },
    );
  });

  it('unknown fields of every wire type in every message change nothing (property)', () => {
    fc.assert(
      fc.property(fc.array(family, { minLength: 1, maxLength: 2 }), (fams) => {
        assert.deepEqual(decodeMetricFamilies(encode(fams, true)), decodeMetricFamilies(encode(fams)));
      }),
      { numRuns: 300 },
    );
  });

  it('repeated numbers are read packed and unpacked', () => {
    const unpacked = protobuf.Writer.create();
    unpacked.uint32((1 << 3) | 2).string('h').uint32((3 << 3) | 0).uint32(4);
    unpacked.uint32((4 << 3) | 2).fork().uint32((7 << 3) | 2).fork();
    unpacked.uint32((13 << 3) | 0).sint64(-2).uint32((13 << 3) | 0).sint64(3).uint32((14 << 3) | 1).double(1.5);
    unpacked.ldelim().ldelim();
    const body = protobuf.Writer.create().bytes(unpacked.finish()).finish();
    const h = decodeMetricFamilies(body)[0]!.metric[0]!.histogram!;
    assert.deepEqual([h.positiveDelta, h.positiveCount], [[-2, 3], [1.5]]);
    assert.deepEqual(protobufjsDecode(body), decodeMetricFamilies(body));
  });

  const bad: { name: string; body: number[]; want: RegExp }[] = [
    { name: 'a length past the end', body: [0x05, 0x0a, 0x01], want: /message 1: length 5 runs past the end of the message \(2 bytes left\) \(at byte 1\)$/ },
    { name: 'second message truncated inside a metric', body: [0x02, 0x0a, 0x00, 0x04, 0x22, 0x05, 0x0a, 0x00], want: /message 2: metric 1: length 5 runs past the end of the message \(2 bytes left\)/ },
    { name: 'invalid UTF-8 in a name', body: [0x03, 0x0a, 0x01, 0xff], want: /message 1: string is not valid UTF-8/ },
    { name: 'wire type 7', body: [0x01, 0x0f], want: /message 1: invalid wire type 7/ },
  ];
  for (const c of bad) {
    it(`malformed: ${c.name}`, () => {
      assert.throws(() => decodeMetricFamilies(Uint8Array.from(c.body)), (e: unknown) => e instanceof BadRequestError && e.message.startsWith('pushgateway: invalid protobuf body: delimited MetricFamily ') && c.want.test(e.message));
      assert.throws(() => protobufjsDecode(Uint8Array.from(c.body)), 'protobufjs refused it too');
    });
  }
});
