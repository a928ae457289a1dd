import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { mutatedBytes } from '../../../helpers/fuzz.ts';
import { parseGraphite } from '../../../../lib/ingest/graphite/parse.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const VALID = 'foo.bar;a=b;c=d 1.5 1700000000\nbaz\t-2e3\t1700000001.5\nqux 3\n';

function check(body: Uint8Array): void {
  const r = parseGraphite(body, { now: 1 });
  for (const e of r.errors) assert.ok(e.line >= 1 && e.reason.length > 0 && e.excerpt.length <= 1300);
  for (const s of r.series) {
    assert.ok(s.labels.some((l) => l.name === '__name__' && l.value !== ''));
    for (let i = 1; i < s.samples.length; i++) assert.ok(s.samples[i - 1]!.timestamp <= s.samples[i]!.timestamp);
    for (const x of s.samples) assert.ok(Number.isSafeInteger(x.timestamp));
  }
}

describe('parseGraphite: fuzz', () => {
  it('arbitrary bytes never throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (b) => check(b)), { numRuns: 2000 });
  });
  it('graphite-ish text never throws', () => {
    fc.assert(fc.property(fc.stringMatching(/^[a-z0-9.;= \t\r\n+\-e]*$/, { maxLength: 200 }), (s) => check(enc(s))), { numRuns: 2000 });
  });
  it('mutated valid bodies never throw', () => {
    const base = enc(VALID);
    fc.assert(
      fc.property(mutatedBytes(base), (b) => check(b)),
      { numRuns: 2000 },
    );
  });
  it('generated lines parse to their value and timestamp', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9_.]{0,15}$/);
    fc.assert(
      fc.property(name, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 1, max: 4_000_000_000 }), (n, v, t) => {
        const r = parseGraphite(enc(`${n} ${String(v)} ${t}`), { now: 1 });
        assert.deepEqual(r.errors, []);
        assert.equal(r.series[0]!.samples[0]!.timestamp, t * 1000);
        assert.equal(r.series[0]!.samples[0]!.value, v === 0 ? 0 : v);
      }),
      { numRuns: 500 },
    );
  });
});
