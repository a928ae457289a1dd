/**
 * The hand-written MetricPayload decoder against the protobufjs test codec (test/helpers/datadog-proto.ts):
 * random payloads encoded by protobufjs parse to exactly the series and errors the same payload gives as
 * v2 JSON; unknown fields of every wire type in every message change nothing; a known field with the wrong
 * wire type is skipped, as protobufjs skipped it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { parseDatadogV2Series } from '../../../../lib/ingest/datadog/parse.ts';
import { MetricPayload } from '../../../helpers/datadog-proto.ts';
import { JUNK, withUnknownFields } from '../../../helpers/proto-junk.ts';
import { jsonBody, NOW, protobufBody } from './helpers.ts';

const text = fc.string({ unit: 'grapheme', maxLength: 10 });
const series = fc.record(
  {
    metric: fc.oneof(text, fc.constantFrom('system.load.1', 'a.b_c')),
    tags: fc.array(fc.oneof(text, text.map((t) => `env:${t}`)), { maxLength: 3 }),
    resources: fc.array(fc.record({ type: fc.constantFrom('host', 'device', 'x'), name: text }), { maxLength: 2 }),
    points: fc.array(fc.record({ timestamp: fc.integer({ min: -5, max: 4_000_000_000 }), value: fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d)) }), { maxLength: 3 }),
    type: fc.nat({ max: 3 }),
    unit: text,
    source_type_name: text,
    interval: fc.nat({ max: 60 }),
  },
  { requiredKeys: ['metric'] },
);
const payload = fc.record({ series: fc.array(series, { maxLength: 4 }) });

describe('DataDog protobuf decoder', () => {
  it('protobufjs-encoded payloads parse as the same payload in v2 JSON (both naming modes)', () => {
    fc.assert(
      fc.property(payload, fc.boolean(), (p, prometheusNaming) => {
        const pb = parseDatadogV2Series(protobufBody(p), { now: NOW, prometheusNaming, format: 'protobuf' });
        const json = parseDatadogV2Series(jsonBody(p), { now: NOW, prometheusNaming, format: 'json' });
        assert.deepEqual(pb.series, json.series);
        assert.deepEqual(pb.errors.map((e) => e.line), json.errors.map((e) => e.line));
      }),
      { numRuns: 1500 },
    );
  });

  it('unknown fields of every wire type in every message change nothing (property)', () => {
    fc.assert(
      fc.property(payload, (p) => {
        const body = protobufBody(p);
        const opts = { now: NOW, format: 'protobuf' } as const;
        assert.deepEqual(parseDatadogV2Series(withUnknownFields(body, MetricPayload, JUNK), opts), parseDatadogV2Series(body, opts));
      }),
      { numRuns: 300 },
    );
  });

  it('known fields with the wrong wire type are skipped, as protobufjs skipped them', () => {
    const w = protobuf.Writer.create();
    w.uint32((1 << 3) | 2).fork();
    w.uint32((2 << 3) | 2).string('m');
    w.uint32((2 << 3) | 0).uint32(7); // metric as a varint
    w.uint32((3 << 3) | 5).fixed32(1); // tags as fixed32
    w.uint32((4 << 3) | 2).fork().uint32((1 << 3) | 1).double(2.5).uint32((2 << 3) | 1).fixed64(5).ldelim(); // timestamp as fixed64
    w.ldelim();
    const body = w.finish();
    const r = parseDatadogV2Series(body, { now: NOW, format: 'protobuf' });
    assert.deepEqual(r.series.map((s) => [s.labels.map((l) => `${l.name}=${l.value}`).join(','), s.samples]), [['__name__=m', [{ value: 2.5, timestamp: NOW }]]]);
    const old = MetricPayload.toObject(MetricPayload.decode(body), { longs: Number }) as { series: { metric: string; tags: string[]; points: { timestamp?: number }[] }[] };
    assert.equal(old.series[0]!.metric, 'm');
    assert.deepEqual(old.series[0]!.tags ?? [], []);
    assert.equal(old.series[0]!.points[0]!.timestamp ?? 0, 0);
  });

  it('malformed bodies are a 400 naming the series and the byte offset', () => {
    const good = protobufBody({ series: [{ metric: 'a', points: [{ timestamp: 1, value: 1 }] }, { metric: 'b', points: [{ timestamp: 1, value: 1 }] }] });
    assert.throws(
      () => parseDatadogV2Series(good.subarray(0, good.length - 3), { now: NOW, format: 'protobuf' }),
      /: datadog: cannot decode protobuf MetricPayload \(\d+ bytes\): series\[1\]: length \d+ runs past the end of the message \(\d+ bytes left\) \(at byte \d+\)$/,
    );
    const bad = Uint8Array.from([...good, 0x0a, 0x04, 0x12, 0x02, 0x61, 0xff]);
    assert.throws(() => parseDatadogV2Series(bad, { now: NOW, format: 'protobuf' }), /: datadog: cannot decode protobuf MetricPayload \(\d+ bytes\): series\[2\]: string is not valid UTF-8 \(at byte \d+\)$/);
  });
});
