import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stopsValue } from '../../../../lib/ingest/prometheus/byte-lines.ts';
import { parsePrometheusTextBatch, parseTextBytesBatch } from '../../../../lib/ingest/prometheus/parse.ts';
import { batchState } from '../../../helpers/batch-state.ts';

const NOW = 1_700_000_000_000;
const utf8 = new TextDecoder('utf-8');

/** The bytes that end a label value's plain run in byte-lines.ts (its closing quote, or a byte only the ordinary scanner reads). */
const stops = (c: number): boolean => c === 0x22 || c === 0x5c || c === 0x0a || c >= 0x80;

describe('byte-lines: label values four bytes a step', () => {
  it('stopsValue(word) is true exactly when one of its four bytes stops a value (every byte at every place, and random words)', () => {
    const word = (a: number, b: number, c: number, d: number): number => a | (b << 8) | (c << 16) | (d << 24);
    for (let v = 0; v < 256; v++) {
      for (let at = 0; at < 4; at++) {
        for (const fill of [0x61, 0x00, 0x01, 0x21, 0x23, 0x5b, 0x5d, 0x09, 0x0b, 0x7f]) {
          const bytes = [fill, fill, fill, fill];
          bytes[at] = v;
          assert.equal(stopsValue(word(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!)), stops(v) || stops(fill), `byte ${v} at ${at} among ${fill}`);
        }
      }
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (a, b, c, d) => {
        assert.equal(stopsValue(word(a, b, c, d)), stops(a) || stops(b) || stops(c) || stops(d));
      }),
      { numRuns: 20_000 },
    );
  });

  it('lines whose values put a quote, backslash, line feed or a byte past ASCII at every place of a word give the ordinary scanner\'s batch', () => {
    const piece = fc.constantFrom('a', 'bc', 'def', 'ghij', 'klmno', 'x'.repeat(9), '"', '\\"', '\\\\', '\\n', '\n', 'é', '\u{1F600}', '=', ',', '}', '{', ' ', '#', '\t', '\r', '');
    const value = fc.array(piece, { maxLength: 8 }).map((p) => p.join(''));
    const line = fc.tuple(fc.constantFrom('m', 'metric_name', 'x'.repeat(30)), fc.array(fc.tuple(fc.constantFrom('a', 'bb', 'ccc', 'dddd', 'instance', 'z'.repeat(40)), value), { maxLength: 4 }), fc.constantFrom('1', '2.5', '-3', 'NaN'), fc.constantFrom('', ' 1700000000000', ' 5'))
      .map(([n, labels, v, ts]) => {
        const seen = new Set<string>();
        const ls = labels.filter(([k]) => (seen.has(k) ? false : (seen.add(k), true))).sort(([x], [y]) => (x < y ? -1 : 1));
        return `${n}{${ls.map(([k, val]) => `${k}="${val}"`).join(',')}} ${v}${ts}`;
      });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), fc.constantFrom('\n', '\r\n'), (lines, eol) => {
        const body = Buffer.from(lines.join(eol));
        const fast = parseTextBytesBatch(body, { defaultTimestamp: NOW });
        const ordinary = parsePrometheusTextBatch(utf8.decode(body), { defaultTimestamp: NOW });
        assert.deepEqual(fast.errors, ordinary.errors);
        assert.equal(fast.errorCount, ordinary.errorCount);
        assert.deepEqual(batchState(fast.batch), batchState(ordinary.batch));
      }),
      { numRuns: 1500 },
    );
  });

  it('a value of plain bytes is read four at a time up to the line\'s last word (every length 0-40, each place of the quote)', () => {
    for (let len = 0; len <= 40; len++) {
      const v = Array.from({ length: len }, (_, k) => String.fromCharCode(0x23 + ((k * 7) % 0x39))).join('').replaceAll('\\', '/');
      for (const tail of ['', ' 1', '\n']) {
        const body = Buffer.from(`m{a="${v}",b="${v.slice(0, len >> 1)}"} 1${tail}`);
        const fast = parseTextBytesBatch(body, { defaultTimestamp: NOW });
        assert.equal(fast.slowLines, 0, `len ${len}: the byte path read it`);
        assert.deepEqual(batchState(fast.batch), batchState(parsePrometheusTextBatch(utf8.decode(body), { defaultTimestamp: NOW }).batch), `len ${len}`);
      }
    }
  });
});
