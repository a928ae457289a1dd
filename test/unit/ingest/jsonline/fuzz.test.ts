import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { mutatedBytes } from '../../../helpers/fuzz.ts';
import { parseJsonLines } from '../../../../lib/ingest/jsonline/parse.ts';

const enc = (s: string) => new TextEncoder().encode(s);

const VALID =
  '{"metric":{"__name__":"x","job":"y"},"values":[1,2.5,null,"NaN",Inf,"-Inf"],"timestamps":[1,2,3,4,5,6]}\n' +
  '{"metric":{"__name__":"z"},"values":[-1e3],"timestamps":[1700000000000]}\n';

function checkResult(body: Uint8Array): void {
  const r = parseJsonLines(body);
  const lines = new TextDecoder().decode(body).split('\n').length;
  for (const e of r.errors) {
    assert.ok(e.line >= 1 && e.line <= lines, `line ${e.line} out of 1..${lines}`);
    assert.ok(e.reason.length > 0);
    assert.ok(e.excerpt.length <= 1300, 'excerpt too long');
  }
  for (const s of r.series) {
    assert.ok(s.labels.length > 0);
    for (let i = 1; i < s.samples.length; i++) assert.ok(s.samples[i - 1]!.timestamp <= s.samples[i]!.timestamp);
  }
}

describe('parseJsonLines: fuzz', () => {
  it('arbitrary bytes never throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (b) => checkResult(b)), { numRuns: 2000 });
  });
  it('arbitrary JSON-ish text never throws', () => {
    const jsonish = fc.stringMatching(/^[{}[\]",:0-9a-zA-Z .+\-\\\n]*$/, { maxLength: 300 });
    fc.assert(fc.property(jsonish, (s) => checkResult(enc(s))), { numRuns: 2000 });
  });
  it('mutated valid bodies never throw', () => {
    const base = enc(VALID);
    fc.assert(
      fc.property(mutatedBytes(base), (b) => checkResult(b)),
      { numRuns: 2000 },
    );
  });
  it('generated valid lines round-trip', () => {
    const name = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/);
    const point = fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: false }), fc.integer({ min: -1e12, max: 1e13 }));
    fc.assert(
      fc.property(name, fc.string({ maxLength: 20 }), fc.array(point, { minLength: 1, maxLength: 20 }), (n, job, pts) => {
        const line = JSON.stringify({ metric: { __name__: n, job }, values: pts.map((p) => p[0]), timestamps: pts.map((p) => p[1]) })
          .replace(/null/g, 'NaN'); // JSON.stringify writes ±Infinity as null; compare via the sorted expectation below
        const r = parseJsonLines(enc(line));
        assert.deepEqual(r.errors, []);
        assert.equal(r.series.length, 1);
        const want = pts.map(([v, t]) => ({ value: Number.isFinite(v) ? (Object.is(v, -0) ? -0 : v) : NaN, timestamp: t })).sort((a, b) => a.timestamp - b.timestamp);
        assert.deepEqual(r.series[0]!.samples.map((s) => s.timestamp), want.map((s) => s.timestamp));
        assert.equal(r.series[0]!.samples.length, pts.length);
      }),
      { numRuns: 300 },
    );
  });
});
