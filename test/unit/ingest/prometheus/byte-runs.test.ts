import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parsePrometheusTextBatch, parseTextBytesBatch } from '../../../../lib/ingest/prometheus/parse.ts';
import { batchState } from '../../../helpers/batch-state.ts';

const NOW = 1_700_000_000_000;
const utf8 = new TextDecoder('utf-8');

/** The byte path (byte-lines.ts) against the ordinary scanner over the decoded body: the same batch byte for byte, the same errors; returns the byte path's slow lines. */
function same(text: string, maxLineLength?: number): number {
  const body = Buffer.from(text);
  const opts = { defaultTimestamp: NOW, ...(maxLineLength !== undefined ? { maxLineLength } : {}) };
  const fast = parseTextBytesBatch(body, opts);
  const ordinary = parsePrometheusTextBatch(utf8.decode(body), opts);
  assert.deepEqual(fast.errors, ordinary.errors, text);
  assert.equal(fast.errorCount, ordinary.errorCount, text);
  assert.deepEqual(batchState(fast.batch), batchState(ordinary.batch), text);
  return fast.slowLines;
}

describe('byte-lines: names read four bytes a step, the run\'s end found in its word', () => {
  it('metric and label names of every length 1-20 with a byte that ends or spoils them at each place of a word', () => {
    const spoilers = ['', '-', 'é', '.', '"', ' ', '{', '=', '\n', '\u0000', '~', ':'];
    for (let len = 1; len <= 20; len++) {
      const good = Array.from({ length: len }, (_, k) => 'aZ_9:b'[k % 6]!).join('').replace(/^[0-9]/, 'x');
      for (const spoil of spoilers) {
        for (let at = 0; at <= Math.min(len, 5); at++) {
          const n = good.slice(0, len - at) + spoil + good.slice(len - at);
          // A label name has no colon but the spoiler's (which a label name may not hold).
          const ln = good.slice(0, len - at).replaceAll(':', '_') + spoil + good.slice(len - at).replaceAll(':', '_');
          same(`${n}{a="1"} 1\n${n} 2\nm{${ln}="x",zz="y"} 3\nm{a="1",${ln}="x"} 4 5\n`);
          // The body ending inside the name (its last word cut short).
          same(`m 1\n${n}`);
          same(`m{${ln}`);
        }
      }
    }
  });

  it('names at and one past the lengths the byte path writes (115 for a metric name, 123 for a label name and value)', () => {
    const x = (k: number) => 'x'.repeat(k);
    for (const k of [113, 114, 115, 116, 117]) assert.equal(same(`${x(k)} 1\n${x(k)}{a="b"} 2\n`), k <= 115 ? 0 : 2, `metric name ${k}`);
    for (const [nl, vl] of [[120, 3], [121, 2], [122, 1], [119, 5], [60, 63], [61, 63], [3, 120], [4, 120], [1, 122], [1, 123]] as const) {
      assert.equal(same(`m{${x(nl)}="${'v'.repeat(vl)}"} 1\n`), nl + vl <= 123 ? 0 : 1, `label ${nl} + ${vl}`);
    }
  });

  it('generated names: the same batch and errors as the ordinary scanner (property)', () => {
    // Mostly name characters, now and then one that a metric name or a label name (or both) may not hold.
    const piece = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('a', 'bc', 'def', 'ghij', 'k_lmn', 'Z9', '_', '__', 'x1') }, { weight: 1, arbitrary: fc.constantFrom(':', '1', '-', 'é', '.', ' ', '=', '"', '{', '}', ',', '\t') });
    const token = fc.array(piece, { minLength: 1, maxLength: 8 }).map((p) => p.join(''));
    const line = fc
      .tuple(token, fc.array(fc.tuple(token, fc.constantFrom('v', 'vwxyz', '', 'host-1:9100')), { maxLength: 4 }), fc.constantFrom(' 1', ' 2.5 1700000000000', '\t3', ' x'))
      .map(([n, labels, tail]) => (labels.length === 0 ? `${n}${tail}` : `${n}{${labels.map(([k, v]) => `${k}="${v}"`).join(',')}}${tail}`));
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), fc.constantFrom('', '\n'), (lines, last) => {
        same(lines.join('\n') + last);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('byte-lines: a timestamp token equal to the last line\'s is that line\'s value', () => {
  /** Tokens alike in their first bytes, so a line's token often starts as the last one did. */
  const stamps = ['1700000000000', '1700000000001', '17000000000000', '170000000000', '1700000000000x', '1700000000000.5', '+1700000000000', '-1700000000000', '9007199254740991', '9007199254740992', '1', '12', '0001', '-', '+', '00000000000000000001700000000000', '1700000000000#'];

  it('every pair of tokens in consecutive lines (and after a line without one, a bad line, a comment): the ordinary scanner\'s batch and errors', () => {
    for (const a of stamps) {
      for (const b of stamps) {
        same(`m{a="1"} 1 ${a}\nm{a="2"} 2 ${b}\nm{a="3"} 3 ${b} \r\nm{a="4"} 4 ${a}`);
        same(`m 1 ${a}\nm 2\n# c ${a}\nbad{ 1 ${a}\nm 3 ${b}\n`);
      }
    }
  });

  it('generated bodies whose lines draw their timestamps from a few alike tokens (property)', () => {
    const line = fc
      .tuple(fc.constantFrom('m', 'up', 'x{a="1"}', 'y{a="é"}', 'z{b="q\\"t"}'), fc.constantFrom(' 1', ' 2.5', ' NaN', ' x'), fc.constantFrom(...stamps.map((s) => ` ${s}`), '', ' '), fc.constantFrom('', '', ' ', '\r', ' # c'))
      .map(([s, v, ts, tail]) => `${s}${v}${ts}${tail}`);
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 12 }), fc.constantFrom('', '\n'), fc.constantFrom(undefined, 30), (lines, last, max) => {
        same(lines.join('\n') + last, max);
      }),
      { numRuns: 3000 },
    );
  });
});
