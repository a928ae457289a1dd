import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatGoFloat } from '../../../../lib/ingest/prometheus/go-float.ts';
import { parseExposition } from '../../../../lib/ingest/prometheus/parse.ts';
import type { ExpositionResult } from '../../../../lib/ingest/prometheus/parse.ts';
import { escapeLabelValue, labelSetProblem } from '../../../../lib/model/labels.ts';
import type { Label } from '../../../../lib/model/types.ts';

const NOW = 1_700_000_000_000;
const REAL_BODY = readFileSync(new URL('../../../fixtures/exposition/node_exporter-1.5.0.prom', import.meta.url), 'utf8');

/** Every output respects the contract: valid label sets, one integer-timestamped sample, bounded excerpts. */
function assertWellFormed(r: ExpositionResult): void {
  for (const s of r.series) {
    assert.equal(labelSetProblem(s.labels), undefined);
    assert.equal(s.samples.length, 1);
    assert.ok(Number.isSafeInteger(s.samples[0]!.timestamp));
  }
  for (const e of r.errors) {
    assert.ok(Number.isInteger(e.line) && e.line >= 1);
    assert.ok(e.reason.length > 0 && e.reason.length < 300, e.reason);
    assert.ok(e.excerpt.length <= 1300, `${e.excerpt.length}`); // 201 chars, JSON-escaped (\uXXXX at worst)
  }
}

describe('parseExposition never throws', () => {
  it('on arbitrary strings, in both formats', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.boolean(), (s, openMetrics) => {
        assertWellFormed(parseExposition(s, { defaultTimestamp: NOW, openMetrics }));
      }),
      { numRuns: 2000 },
    );
  });

  it('on strings made of the format\'s own characters', () => {
    const chars = fc.constantFrom(...'a_:{}=",# \t\n\r\\1.e+-InfNaN'.split(''));
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 200 }), fc.boolean(), (cs, openMetrics) => {
        assertWellFormed(parseExposition(cs.join(''), { defaultTimestamp: NOW, openMetrics, dropCreatedSeries: true }));
      }),
      { numRuns: 3000 },
    );
  });

  it('on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        assertWellFormed(parseExposition(b, { defaultTimestamp: NOW }));
      }),
      { numRuns: 1000 },
    );
  });

  it('on mutated real bodies, and the untouched lines still parse', () => {
    const lines = REAL_BODY.split('\n');
    fc.assert(
      fc.property(
        fc.nat({ max: lines.length - 1 }),
        fc.nat({ max: 200 }),
        fc.string({ unit: 'binary', maxLength: 5 }),
        fc.nat({ max: 3 }),
        (lineIndex, at, insert, del) => {
          const copy = lines.slice();
          const l = copy[lineIndex]!;
          copy[lineIndex] = l.slice(0, at) + insert + l.slice(at + del);
          const r = parseExposition(copy.join('\n'), { defaultTimestamp: NOW });
          assertWellFormed(r);
          assert.ok(r.errors.length <= 2, JSON.stringify(r.errors)); // the mutation can split a line in two at most
          assert.ok(r.series.length >= 507 - 2);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

interface GeneratedSample {
  name: string;
  labels: Label[];
  value: number;
  /** Milliseconds; whole-and-a-half seconds when used for OpenMetrics so the seconds form is exact. */
  timestamp: number | undefined;
}

const blanks = fc.stringMatching(/^[ \t]{1,3}$/);
const optionalBlanks = fc.stringMatching(/^[ \t]{0,2}$/);
const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/).filter((n) => n !== '__name__');
const sampleArb = (openMetrics: boolean): fc.Arbitrary<GeneratedSample> =>
  fc.record({
    name: fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,15}$/),
    labels: fc.uniqueArray(fc.record({ name: labelName, value: fc.string({ unit: 'binary', maxLength: 12 }) }), {
      selector: (l) => l.name,
      maxLength: 5,
    }),
    value: fc.double(),
    timestamp: fc.option(
      openMetrics ? fc.integer({ min: -2e9, max: 2e9 }).map((s) => s * 1000 + 500) : fc.integer({ min: -1e15, max: 1e15 }),
      { nil: undefined },
    ),
  });

function writeLine(s: GeneratedSample, openMetrics: boolean, style: { sep: string; pad: string; comma: boolean; exemplar: boolean }): string {
  const pairs = s.labels.map((l) => `${style.pad}${l.name}${style.pad}=${style.pad}"${escapeLabelValue(l.value)}"${style.pad}`);
  const set = pairs.length > 0 || style.comma ? `{${pairs.join(',')}${style.comma && pairs.length > 0 ? ',' : ''}}` : '';
  let line = `${s.name}${set}${style.sep}${formatGoFloat(s.value)}`;
  if (s.timestamp !== undefined) line += style.sep + (openMetrics ? String(s.timestamp / 1000) : String(s.timestamp));
  if (style.exemplar) line += ' # {trace_id="abc"} 1.5';
  return line;
}

describe('parseExposition round trip', () => {
  for (const openMetrics of [false, true]) {
    it(`reads back what the ${openMetrics ? 'OpenMetrics' : 'text 0.0.4'} writer wrote`, () => {
      const style = fc.record({ sep: blanks, pad: optionalBlanks, comma: fc.boolean(), exemplar: fc.boolean() });
      fc.assert(
        fc.property(
          fc.array(fc.tuple(sampleArb(openMetrics), style), { maxLength: 8 }),
          fc.constantFrom('\n', '\r\n'),
          (rows, eol) => {
            const body = rows.map(([s, st]) => writeLine(s, openMetrics, st) + eol).join('') + (openMetrics ? '# EOF\n' : '');
            const r = parseExposition(body, { defaultTimestamp: NOW, openMetrics });
            assert.deepEqual(r.errors, []);
            assert.equal(r.series.length, rows.length);
            rows.forEach(([s], i) => {
              const got = r.series[i]!;
              const want = [{ name: '__name__', value: s.name }, ...s.labels.filter((l) => l.value !== '').map((l) => ({ name: l.name, value: l.value }))].sort((a, b) =>
                a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
              );
              assert.deepEqual(got.labels, want);
              assert.ok(Object.is(got.samples[0]!.value, s.value), `${got.samples[0]!.value} vs ${s.value}`);
              assert.equal(got.samples[0]!.timestamp, s.timestamp ?? NOW);
            });
          },
        ),
        { numRuns: 500 },
      );
    });
  }
});
