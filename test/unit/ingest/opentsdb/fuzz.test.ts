import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { mutatedBytes } from '../../../helpers/fuzz.ts';
import { GatewayError } from '../../../../lib/errors.ts';
import { parseOpenTsdbPut } from '../../../../lib/ingest/opentsdb/parse.ts';
import { routes } from '../../../../lib/ingest/opentsdb/route.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const VALID = '[{"metric":"sys.cpu","timestamp":1356998400,"value":18,"tags":{"host":"web01"}},{"metric":"m","value":"1.5","tags":{}}]';

/** Only GatewayErrors (400) may escape; results are well-formed; the route's responses serialise. */
function check(body: Uint8Array): void {
  try {
    const r = parseOpenTsdbPut(body, { now: 1 });
    for (const e of r.errors) assert.ok(e.line >= 1 && e.line <= r.total && e.excerpt.length <= 1300);
    const out = routes[0]!.handle({ method: 'POST', path: '/api/put', params: {}, query: new URLSearchParams('details'), headers: {}, body, now: 1 });
    if (out.kind === 'series' && out.partial !== undefined) JSON.parse(out.partial({ errors: out.errors }).body as string);
  } catch (e) {
    assert.ok(e instanceof GatewayError, `unexpected ${String(e)}`);
    assert.equal(e.status, 400);
  }
}

describe('parseOpenTsdbPut: fuzz', () => {
  it('arbitrary bytes only raise GatewayErrors', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (b) => check(b)), { numRuns: 2000 });
  });
  it('arbitrary JSON values only raise GatewayErrors', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => check(enc(JSON.stringify(v)))), { numRuns: 2000 });
  });
  it('mutated valid bodies only raise GatewayErrors', () => {
    const base = enc(VALID);
    fc.assert(
      fc.property(mutatedBytes(base), (b) => check(b)),
      { numRuns: 2000 },
    );
  });
  it('deep nesting is a 400, not a stack overflow', () => {
    assert.throws(() => parseOpenTsdbPut(enc('['.repeat(100_000)), { now: 1 }), (e: unknown) => e instanceof GatewayError && /nesting deeper than 300/.test(e.message));
  });
});
