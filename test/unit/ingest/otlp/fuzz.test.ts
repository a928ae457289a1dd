import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GatewayError } from '../../../../lib/errors.ts';
import type { OtlpTranslationStrategy } from '../../../../lib/ingest/otlp/naming.ts';
import { parseOtlpMetrics, type OtlpParseResult } from '../../../../lib/ingest/otlp/parse.ts';
import { labelSetProblem } from '../../../../lib/model/labels.ts';
import { jsonBody, NOW, protobufBody, request, T_NANOS } from './helpers.ts';

const valid = request(
  [
    { name: 'http.requests', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ asInt: '5', timeUnixNano: T_NANOS, attributes: [{ key: 'm', value: { stringValue: 'GET' } }] }] } },
    { name: 'h', unit: 's', histogram: { aggregationTemporality: 2, dataPoints: [{ count: '3', sum: 1, bucketCounts: ['1', '2'], explicitBounds: [0.5], timeUnixNano: T_NANOS }] } },
    { name: 's', summary: { dataPoints: [{ count: '1', sum: 1, quantileValues: [{ quantile: 0.5, value: 1 }] }] } },
    { name: 'g', gauge: { dataPoints: [{ asDouble: 1.5, flags: 1, attributes: [{ key: 'arr', value: { arrayValue: { values: [{ intValue: '1' }] } } }] }] } },
    { name: 'e', exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{ count: '1' }] } },
  ],
  { 'service.name': 'svc', 'host.name': 'h' },
);
const validProtobuf = protobufBody(valid);
const validJson = jsonBody(valid);

/** Either a well-formed result or one of the module's typed errors; anything else fails the property. */
const STRATEGIES: OtlpTranslationStrategy[] = ['UnderscoreEscapingWithSuffixes', 'UnderscoreEscapingWithoutSuffixes', 'NoTranslation'];
let runs = 0;

function check(body: Uint8Array, format: 'json' | 'protobuf'): void {
  let r: OtlpParseResult;
  try {
    const translationStrategy = STRATEGIES[runs++ % STRATEGIES.length]!;
    r = parseOtlpMetrics(body, { format, now: NOW, translationStrategy, promoteAllResourceAttributes: runs % 2 === 0 });
  } catch (err) {
    assert.ok(err instanceof GatewayError, `unexpected ${String(err)}`);
    assert.equal(err.status, 400);
    assert.ok(err.message.startsWith('otlp: '), err.message);
    assert.ok(err.message.length < 1000, 'error messages quote only a little input');
    return;
  }
  for (const s of r.series) {
    assert.equal(labelSetProblem(s.labels), undefined);
    for (let i = 1; i < s.samples.length; i++) assert.ok(s.samples[i - 1]!.timestamp <= s.samples[i]!.timestamp);
    for (const p of s.samples) assert.ok(Number.isSafeInteger(p.timestamp));
  }
  for (const e of r.errors) {
    assert.ok(e.line >= 1);
    assert.ok(Buffer.byteLength(e.excerpt) < 700, 'excerpts stay short');
  }
  assert.ok(r.rejectedPoints >= 0);
}

function mutate(base: Uint8Array) {
  return fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete', 'truncate')), { minLength: 1, maxLength: 8 })
    .map((edits) => {
      let b = Array.from(base);
      for (const [pos, byte, op] of edits) {
        const i = b.length === 0 ? 0 : pos % b.length;
        if (op === 'set') b[i] = byte;
        else if (op === 'insert') b.splice(i, 0, byte);
        else if (op === 'delete') b.splice(i, 1);
        else b = b.slice(0, i);
      }
      return Uint8Array.from(b);
    });
}

describe('OTLP parser: only typed errors escape', () => {
  it('arbitrary bytes as protobuf', () => fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (b) => check(b, 'protobuf')), { numRuns: 2000 }));
  it('arbitrary bytes as JSON', () => fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (b) => check(b, 'json')), { numRuns: 500 }));
  it('mutated valid protobuf bodies', () => fc.assert(fc.property(mutate(validProtobuf), (b) => check(b, 'protobuf')), { numRuns: 3000 }));
  it('mutated valid JSON bodies', () => fc.assert(fc.property(mutate(validJson), (b) => check(b, 'json')), { numRuns: 2000 }));
  it('arbitrary JSON values in place of any part of a valid request', () => {
    const paths: (string | number)[][] = [
      ['resourceMetrics'],
      ['resourceMetrics', 0, 'resource'],
      ['resourceMetrics', 0, 'scopeMetrics', 0, 'metrics', 0],
      ['resourceMetrics', 0, 'scopeMetrics', 0, 'metrics', 0, 'sum'],
      ['resourceMetrics', 0, 'scopeMetrics', 0, 'metrics', 1, 'histogram', 'dataPoints', 0],
      ['resourceMetrics', 0, 'scopeMetrics', 0, 'metrics', 1, 'histogram', 'dataPoints', 0, 'bucketCounts'],
      ['resourceMetrics', 0, 'scopeMetrics', 0, 'metrics', 2, 'summary', 'dataPoints', 0, 'quantileValues'],
      ['resourceMetrics', 0, 'scopeMetrics', 0, 'metrics', 3, 'gauge', 'dataPoints', 0, 'attributes', 0, 'value'],
      ['resourceMetrics', 0, 'scopeMetrics', 0, 'metrics', 0, 'sum', 'dataPoints', 0, 'timeUnixNano'],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue(), (path, value) => {
        const doc = structuredClone(valid) as Record<string | number, unknown>;
        let at: Record<string | number, unknown> = doc;
        for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
        at[path[path.length - 1]!] = value;
        check(jsonBody(doc), 'json');
      }),
      { numRuns: 2000 },
    );
  });
});
