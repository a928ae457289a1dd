import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatGoFloat, parseGoFloat } from '../../../../lib/ingest/prometheus/go-float.ts';

function parse(s: string): number | undefined {
  return parseGoFloat(s, 0, s.length);
}

describe('parseGoFloat (Go strconv.ParseFloat syntax)', () => {
  const valid: { name: string; input: string; want: number }[] = [
    { name: 'integer', input: '862456', want: 862456 },
    { name: 'zero', input: '0', want: 0 },
    { name: 'negative zero', input: '-0', want: -0 },
    { name: 'plus sign', input: '+7', want: 7 },
    { name: 'fraction', input: '0.25', want: 0.25 },
    { name: 'leading dot', input: '.5', want: 0.5 },
    { name: 'trailing dot', input: '1.', want: 1 },
    { name: 'exponent', input: '1.445737e+06', want: 1445737 },
    { name: 'negative exponent', input: '-1.5E-3', want: -0.0015 },
    { name: 'exponent without sign', input: '2e3', want: 2000 },
    { name: 'trailing dot before exponent', input: '1.e2', want: 100 },
    { name: 'leading zeros', input: '007', want: 7 },
    { name: 'more than 15 digits', input: '12345678901234567890', want: 12345678901234567890 },
    { name: 'large exponent overflows to Inf', input: '1e400', want: Infinity },
    { name: '+Inf', input: '+Inf', want: Infinity },
    { name: '-Inf', input: '-Inf', want: -Infinity },
    { name: 'Inf without sign', input: 'Inf', want: Infinity },
    { name: 'inf lower case', input: 'inf', want: Infinity },
    { name: 'Infinity', input: '-Infinity', want: -Infinity },
    { name: 'INFINITY upper case', input: 'INFINITY', want: Infinity },
    { name: 'hex float', input: '0x1p-2', want: 0.25 },
    { name: 'hex float with fraction', input: '0x1.8p1', want: 3 },
    { name: 'negative hex float', input: '-0X10P0', want: -16 },
  ];
  for (const { name, input, want } of valid) {
    it(`parses ${name}: ${input}`, () => assert.ok(Object.is(parse(input), want), `got ${parse(input)}`));
  }

  it('parses NaN in any case', () => {
    for (const s of ['NaN', 'nan', 'NAN']) assert.ok(Number.isNaN(parse(s)), s);
  });

  const invalid: { name: string; input: string }[] = [
    { name: 'empty', input: '' },
    { name: 'sign only', input: '-' },
    { name: 'dot only', input: '.' },
    { name: 'letters', input: 'abc' },
    { name: 'exponent without digits', input: '1e' },
    { name: 'exponent sign without digits', input: '1e+' },
    { name: 'signed NaN (Go rejects it)', input: '+NaN' },
    { name: 'truncated infinity', input: 'infin' },
    { name: 'Inf with suffix', input: 'Infx' },
    { name: 'digit separator', input: '1_000' },
    { name: 'hex without p exponent (Go rejects it)', input: '0x10' },
    { name: 'hex prefix only', input: '0x' },
    { name: 'binary literal', input: '0b1' },
    { name: 'trailing garbage', input: '12abc' },
    { name: 'two dots', input: '1.2.3' },
    { name: 'inner blank', input: '1 2' },
    { name: 'double sign', input: '--1' },
  ];
  for (const { name, input } of invalid) {
    it(`rejects ${name}: ${JSON.stringify(input)}`, () => assert.equal(parse(input), undefined));
  }

  it('parses only the given range of a longer string', () => {
    assert.equal(parseGoFloat('xx12.5yy', 2, 6), 12.5);
  });
});

describe('formatGoFloat (Go FormatFloat(f, g, -1, 64) as the text format writes le and quantile)', () => {
  const table: { input: number; want: string }[] = [
    { input: 0, want: '0' },
    { input: 1, want: '1' },
    { input: 0.005, want: '0.005' },
    { input: 0.25, want: '0.25' },
    { input: 2.5, want: '2.5' },
    { input: 10, want: '10' },
    { input: 100000, want: '100000' },
    { input: 1e6, want: '1e+06' },
    { input: 1234567, want: '1.234567e+06' },
    { input: 0.0001, want: '0.0001' },
    { input: 0.00001, want: '1e-05' },
    { input: 1.5e-7, want: '1.5e-07' },
    { input: 1e21, want: '1e+21' },
    { input: 1e100, want: '1e+100' },
    { input: -0.5, want: '-0.5' },
    { input: -2e6, want: '-2e+06' },
    { input: Infinity, want: '+Inf' },
    { input: -Infinity, want: '-Inf' },
    { input: NaN, want: 'NaN' },
  ];
  for (const { input, want } of table) {
    it(`formats ${input} as ${want}`, () => assert.equal(formatGoFloat(input), want));
  }
});

describe('parseGoFloat: plain decimals read from their digits are the double Number() gives (property)', () => {
  it('for every sign, digit count (the 15-digit exact limit and past it) and leading or trailing zeros', async () => {
    const fc = (await import('fast-check')).default;
    const decimal = fc
      .tuple(fc.constantFrom('', '-', '+'), fc.stringMatching(/^[0-9]{1,18}$/), fc.stringMatching(/^[0-9]{1,18}$/))
      .map(([sign, a, b]) => `${sign}${a}.${b}`);
    fc.assert(
      fc.property(fc.oneof(decimal, fc.double({ noNaN: true, noDefaultInfinity: true }).map(String)), (text) => {
        assert.ok(Object.is(parse(` ${text} `.trim()), Number(text)), text);
        assert.ok(Object.is(parseGoFloat(`x${text}y`, 1, text.length + 1), Number(text)), text);
      }),
      { numRuns: 5000 },
    );
  });
});
