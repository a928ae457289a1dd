import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GatewayError } from '../../../../lib/errors.ts';
import { parseDatadogV1Series, parseDatadogV2Series } from '../../../../lib/ingest/datadog/parse.ts';
import type { ParseResult } from '../../../../lib/ingest/types.ts';
import { labelSetProblem } from '../../../../lib/model/labels.ts';
import { jsonBody, NOW, protobufBody } from './helpers.ts';

const v1 = { series: [{ metric: 'system.load.1', points: [[1700000000, 0.5], [1700000010, 1]], tags: ['env:prod', 'role'], host: 'h', device: 'sda' }] };
const v2 = { series: [{ metric: 'system.load.1', type: 3, points: [{ timestamp: 1700000000, value: 0.5 }], resources: [{ name: 'h', type: 'host' }], tags: ['env:prod'], source_type_name: 'x' }] };

type Kind = 'v1' | 'v2json' | 'v2protobuf';

function run(kind: Kind, body: Uint8Array, prometheusNaming: boolean): ParseResult {
  if (kind === 'v1') return parseDatadogV1Series(body, { now: NOW, prometheusNaming });
  return parseDatadogV2Series(body, { now: NOW, prometheusNaming, format: kind === 'v2json' ? 'json' : 'protobuf' });
}

/** Either a well-formed result or the module's typed 400; anything else fails the property. */
function check(kind: Kind, body: Uint8Array, prometheusNaming = false): void {
  let r: ParseResult;
  try {
    r = run(kind, body, prometheusNaming);
  } catch (err) {
    assert.ok(err instanceof GatewayError, `unexpected ${String(err)}`);
    assert.equal(err.status, 400);
    assert.ok(err.message.startsWith('datadog: '), err.message);
    assert.ok(err.message.length < 1000);
    return;
  }
  for (const s of r.series) {
    assert.equal(labelSetProblem(s.labels), undefined);
    for (let i = 1; i < s.samples.length; i++) assert.ok(s.samples[i - 1]!.timestamp <= s.samples[i]!.timestamp);
    for (const p of s.samples) assert.ok(Number.isSafeInteger(p.timestamp));
  }
  for (const e of r.errors) assert.ok(e.line >= 1 && Buffer.byteLength(e.excerpt) < 700);
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

describe('DataDog parsers: only typed errors escape', () => {
  for (const kind of ['v1', 'v2json', 'v2protobuf'] as const) {
    it(`${kind}: arbitrary bytes`, () => fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (b, p) => check(kind, b, p)), { numRuns: 1000 }));
  }
  it('v1: mutated valid bodies', () => fc.assert(fc.property(mutate(jsonBody(v1)), (b) => check('v1', b)), { numRuns: 1500 }));
  it('v2 JSON: mutated valid bodies', () => fc.assert(fc.property(mutate(jsonBody(v2)), (b) => check('v2json', b)), { numRuns: 1500 }));
  it('v2 protobuf: mutated valid bodies', () => fc.assert(fc.property(mutate(protobufBody(v2)), (b) => check('v2protobuf', b)), { numRuns: 3000 }));
  it('arbitrary JSON in place of any part of a valid body', () => {
    const places = ['series', 'series.0', 'series.0.metric', 'series.0.points', 'series.0.points.0', 'series.0.points.0.0', 'series.0.tags', 'series.0.tags.0', 'series.0.host', 'series.0.resources', 'series.0.resources.0'];
    fc.assert(
      fc.property(fc.constantFrom('v1', 'v2json') as fc.Arbitrary<'v1' | 'v2json'>, fc.constantFrom(...places), fc.jsonValue(), fc.boolean(), (kind, place, value, p) => {
        const doc = structuredClone(kind === 'v1' ? v1 : v2) as unknown as Record<string, unknown>;
        const keys = place.split('.');
        let at: Record<string, unknown> = doc;
        for (const k of keys.slice(0, -1)) {
          const next = at[k];
          if (typeof next !== 'object' || next === null) return;
          at = next as Record<string, unknown>;
        }
        at[keys[keys.length - 1]!] = value;
        check(kind, jsonBody(doc), p);
      }),
      { numRuns: 2000 },
    );
  });
});
