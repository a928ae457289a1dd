import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parsePrometheusTextBatch, parseTextBytesBatch } from '../../../../lib/ingest/prometheus/parse.ts';
import { parseMillisTimestamp } from '../../../../lib/ingest/prometheus/lexical.ts';
import { parseGoFloat } from '../../../../lib/ingest/prometheus/go-float.ts';
import { bytesKey, byteView, SeriesKeys, textKey } from '../../../../lib/ingest/prometheus/series-keys.ts';
import type { BatchParseResult } from '../../../../lib/ingest/types.ts';
import { batchState } from '../../../helpers/batch-state.ts';

const NOW = 1_700_000_000_000;
const utf8 = new TextDecoder('utf-8');

/** The byte path against the ordinary one (the scanner over the decoded string): the same batch, errors and count. */
function sameAsOrdinary(body: Uint8Array, opts: { defaultTimestamp: number; maxLineLength?: number }): number {
  const fast = parseTextBytesBatch(body, opts);
  const ordinary: BatchParseResult = parsePrometheusTextBatch(utf8.decode(body), opts);
  assert.deepEqual(fast.errors, ordinary.errors);
  assert.equal(fast.errorCount, ordinary.errorCount);
  assert.deepEqual(batchState(fast.batch), batchState(ordinary.batch));
  return fast.slowLines;
}

const x = (n: number) => 'x'.repeat(n);

const name = fc.constantFrom('a', 'up', 'A_b', 'x:y', '_', ':', 'é', '1a', 'a-b', x(115), x(116));
const labelName = fc.constantFrom('a', 'b', 'Z', '_x', '__a', '__name__', '__namf', '__nam', '_z', 'le', 'aa', 'a1', x(60), x(122), x(123));
const labelValue = fc.constantFrom('', '1', 'x y', 'é', 'q\\"t', 'n\\nl', '\\x', '\t', 'a\rb', 'a\nb', '#', '}', '{', ',', x(1), x(61), x(62), x(63), x(64), x(100));
const label = fc.tuple(fc.constantFrom('', '', '', ' '), labelName, fc.constantFrom('=', '=', '=', ' =', '= '), labelValue);
const value = fc.oneof(
  { weight: 1, arbitrary: fc.stringMatching(/^-?[0-9]{1,18}(\.[0-9]{1,18})?$/) },
  { weight: 3, arbitrary: fc.constantFrom('1', '-0', '0', '+1', '-2', '15.625', '1.', '.5', '-.5', '123456789012345', '1234567890123456', '1.23456789012345', '1.234567890123456', 'NaN', '+Inf', '-Inf', 'inf', '1e-3', '1E5', '0x1p-2', '1_0', 'x', '+', '-', '1.5.5', 'é', '١') },
);
const timestamp = fc.oneof(
  fc.constantFrom('', '', ' 1', ' 0', ' -5', ' +5', ' -0', ' 1700000000000', ' 12x', ' x', ' 9007199254740991', ' 9007199254740992', ' -9007199254740991', ' 000000000000000000001234', ' 1234567890123456789', ' 99999999999999999999', ' +', ' -', ' 1.5'),
  fc.stringMatching(/^[+-]?[0-9]{1,25}$/).map((t) => ` ${t}`),
);
const sample = fc
  .record({
    lead: fc.constantFrom('', '', '', ' ', '\t'),
    n: name,
    brace: fc.constantFrom('{', '{', '{', ' {', 'none'),
    labels: fc.array(label, { maxLength: 4 }),
    close: fc.constantFrom('}', '}', '}', ',}', ' }', ''),
    sep: fc.constantFrom(' ', ' ', '\t', '  ', ''),
    v: value,
    ts: timestamp,
    tail: fc.constantFrom('', '', '', ' ', '\r', ' \r', '\t', ' # c', ' #', ' x', '\r5', ' \r 5', '#'),
  })
  .map(({ lead, n, brace, labels, close, sep, v, ts, tail }) => {
    const set = brace === 'none' ? '' : `${brace}${labels.map(([b, k, eq, val]) => `${b}${k}${eq}"${val}"`).join(',')}${close}`;
    return `${lead}${n}${set}${sep}${v}${ts}${tail}`;
  });
const other = fc.constantFrom('', ' ', '\t', '\r', '# TYPE a counter', '#', ' # x', '# é', 'é 1', '{a="1"} 1', 'a{b="1"', 'a{b="1"}', 'a');
const body = fc
  .record({
    lines: fc.array(fc.oneof({ weight: 4, arbitrary: sample }, { weight: 1, arbitrary: other }), { minLength: 1, maxLength: 10 }),
    eol: fc.constantFrom('\n', '\r\n'),
    last: fc.constantFrom('', '\n'),
    bom: fc.constantFrom('', '', '', '\uFEFF'),
  })
  .map(({ lines, eol, last, bom }) => bom + lines.join(eol) + last);
const maxLineLength = fc.constantFrom(undefined, 1 << 20, 40, 12);

describe('Prometheus text bytes (byte-lines.ts) against the ordinary scanner', () => {
  it('generated bodies: the same batch byte for byte, the same errors (property)', () => {
    let fast = 0;
    let slow = 0;
    fc.assert(
      fc.property(body, maxLineLength, (text, max) => {
        const bytes = Buffer.from(text);
        const lines = text.split('\n').length;
        const s = sameAsOrdinary(bytes, { defaultTimestamp: NOW, ...(max !== undefined ? { maxLineLength: max } : {}) });
        slow += s;
        fast += lines - s;
      }),
      { numRuns: 4000 },
    );
    // Both paths well exercised: most generated lines are the ordinary scanner's, a good share the bytes'.
    assert.ok(fast > 2000 && slow > 2000, JSON.stringify({ fast, slow }));
  });

  it('arbitrary bytes (invalid UTF-8 and a byte order mark included) (property)', () => {
    const chunk = fc.oneof(
      fc.uint8Array({ maxLength: 12 }),
      fc.constantFrom(...['a{b="1"} 1 5\n', 'a 1\n', '\n', '\r\n', '# x\n', '\uFEFF', 'é', '"', '{', '}', '=', ','].map((t) => Buffer.from(t))),
    );
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 12 }), maxLineLength, (chunks, max) => {
        sameAsOrdinary(Buffer.concat(chunks), { defaultTimestamp: NOW, ...(max !== undefined ? { maxLineLength: max } : {}) });
      }),
      { numRuns: 3000 },
    );
  });

  it('the common lines are read from the bytes; errors name the line and the reason as before', () => {
    const text = 'a{b="1",c="2"} 1 5\n\n# TYPE a gauge\n  up 2\nbad{b="1" 1\nz{b="é"} 3\na{b="x"} 4 6\r\n';
    const r = parseTextBytesBatch(Buffer.from(text), { defaultTimestamp: NOW });
    assert.equal(r.slowLines, 2, 'the bad line and the line past ASCII');
    assert.equal(r.batch.length, 4);
    assert.deepEqual(r.errors, [{ line: 5, reason: 'expected "," or "}" after the value of label "b"', excerpt: JSON.stringify('bad{b="1" 1') }]);
    assert.equal(sameAsOrdinary(Buffer.from(text), { defaultTimestamp: NOW }), 2);
    assert.equal(sameAsOrdinary(new Uint8Array(Buffer.from(text)), { defaultTimestamp: NOW }), 2, 'a plain Uint8Array too');
    assert.equal(r.batch.distinct, true);
    assert.equal(parseTextBytesBatch(Buffer.from('a{b="1"} 1\nz{b="é"} 2\na{b="1"} 3'), { defaultTimestamp: NOW }).batch.distinct, false, 'the same series twice');
  });

  it('empty label values (exporters write them) are left out from the bytes too, and end the distinct proof as in the scanner', () => {
    for (const text of ['a{b="",c="1"} 1\na{c="1"} 2', 'a{b=""} 1\nz{_a="",b="",c="2",d=""} 2', 'a{b="1",__name__=""} 1', 'a{b="",b="1"} 1', 'a{b="1",a=""} 1']) {
      const r = parseTextBytesBatch(Buffer.from(text), { defaultTimestamp: NOW });
      sameAsOrdinary(Buffer.from(text), { defaultTimestamp: NOW });
      assert.equal(r.batch.distinct, false, text);
    }
    assert.equal(parseTextBytesBatch(Buffer.from('a{b="",c="1"} 1\nz{_a="",b="",c="2",d=""} 2'), { defaultTimestamp: NOW }).slowLines, 0);
  });

  it('max_line_length: at the limit taken, one past it refused (as the ordinary scanner words it)', () => {
    const line = 'a{b="1"} 1 5'; // 12 characters, as the comment line without its trailing blanks
    for (const max of [12, 11]) {
      const text = `${line} \r\n# ${x(10)} \t\r\n${line}`;
      const r = parseTextBytesBatch(Buffer.from(text), { defaultTimestamp: NOW, maxLineLength: max });
      assert.equal(r.batch.length, max === 12 ? 2 : 0);
      assert.equal(r.errorCount, max === 12 ? 0 : 3);
      assert.equal(r.slowLines, max === 12 ? 0 : 3, 'trailing blanks do not count, as in the scanner');
      sameAsOrdinary(Buffer.from(text), { defaultTimestamp: NOW, maxLineLength: max });
    }
  });

  it('labels at the one-byte length limit taken from the bytes, one past it by the ordinary scanner', () => {
    for (const n of [122, 123, 124]) {
      const r = parseTextBytesBatch(Buffer.from(`a{bb="${x(n - 2)}"} 1`), { defaultTimestamp: NOW });
      assert.equal(r.slowLines, n <= 123 ? 0 : 1);
      assert.equal(r.batch.length, 1);
    }
    for (const n of [115, 116]) assert.equal(parseTextBytesBatch(Buffer.from(`${x(n)} 1`), { defaultTimestamp: NOW }).slowLines, n <= 115 ? 0 : 1);
  });

  it('a batch whose arrays and arena grow past the first guess (short lines)', () => {
    const text = Array.from({ length: 5000 }, (_, i) => `m${i % 10}{k="${i}"} ${i}`).join('\n');
    const r = parseTextBytesBatch(Buffer.from(text), { defaultTimestamp: NOW });
    assert.ok(r.batch.entrySet.length > Math.ceil(text.length / 96) + 16 && r.batch.buf.length > text.length + 1024, 'grew past the guess');
    assert.equal(sameAsOrdinary(Buffer.from(text), { defaultTimestamp: NOW }), 0);
  });

  it('a batch arena that grows while a line is written keeps the line', () => {
    const labels = Array.from({ length: 40 }, (_, k) => `l${String(k).padStart(2, '0')}="${x(100)}"`).join(',');
    const text = Array.from({ length: 30 }, (_, k) => `m${k}{${labels}} ${k}`).join('\n');
    assert.equal(sameAsOrdinary(Buffer.from(text), { defaultTimestamp: NOW }), 0);
  });

  it('timestamps: nine digits at a time give parseMillisTimestamp\'s value (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.stringMatching(/^[+-]?[0-9]{1,30}$/), fc.stringMatching(/^[+-]?0{10,25}[0-9]{1,16}$/)), (t) => {
        const r = parseTextBytesBatch(Buffer.from(`a 1 ${t}`), { defaultTimestamp: NOW });
        const want = parseMillisTimestamp(t, 0, t.length);
        assert.equal(r.slowLines, want === undefined ? 1 : 0);
        if (want !== undefined) assert.ok(Object.is(r.batch.timestamps[0], want), `${t}: ${r.batch.timestamps[0]} vs ${want}`);
      }),
      { numRuns: 3000 },
    );
  });

  it('values: plain decimals read from their digits give parseGoFloat\'s double, also around 15 digits (property)', () => {
    const digits = fc.tuple(fc.constantFrom('', '-', '+'), fc.stringMatching(/^[0-9]{13,19}$/), fc.nat({ max: 19 })).map(([sign, d, dot]) => (dot > 0 && dot < d.length ? `${sign}${d.slice(0, dot)}.${d.slice(dot)}` : `${sign}${d}`));
    fc.assert(
      fc.property(digits, (v) => {
        const r = parseTextBytesBatch(Buffer.from(`a ${v}`), { defaultTimestamp: NOW });
        assert.equal(r.slowLines, 0);
        assert.ok(Object.is(r.batch.values[0], parseGoFloat(v, 0, v.length)), v);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('series keys', () => {
  it('the same key for the same ASCII text from a string or from bytes; a set that says what it has seen (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.constantFrom(...'ab{}="_,1'.split('')), maxLength: 20 }), { maxLength: 300 }), (texts) => {
        const keys = new SeriesKeys(4);
        const seen = new Set<number>();
        for (const t of texts) {
          const k = textKey(t, 0, t.length);
          const b = Buffer.from(`..${t}`);
          assert.equal(bytesKey(b, byteView(b), 2, t.length + 2), k);
          assert.equal(keys.add(k), !seen.has(k));
          seen.add(k);
        }
      }),
      { numRuns: 500 },
    );
    const keys = new SeriesKeys();
    assert.equal(keys.add(0), true);
    assert.equal(keys.add(0), false);
    assert.notEqual(textKey('ab', 0, 2), textKey('ba', 0, 2));
  });
});
