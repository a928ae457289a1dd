import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJsonLines } from '../../../../lib/ingest/jsonline/parse.ts';
import { parseVmFloat, parseVmInt } from '../../../../lib/ingest/jsonline/vm-float.ts';
import type { TimeSeries } from '../../../../lib/model/types.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const L = (o: Record<string, string>) => Object.entries(o).map(([name, value]) => ({ name, value })).sort((a, b) => (a.name < b.name ? -1 : 1));

// Cases from VictoriaMetrics lib/protoparser/vmimport/parser_test.go (TestRowsUnmarshalSuccess).
const good: Array<{ name: string; input: string; want: TimeSeries[] }> = [
  { name: 'empty body', input: '', want: [] },
  { name: 'empty lines', input: '\n\n', want: [] },
  { name: 'empty lines with CR', input: '\n\r\n', want: [] },
  {
    name: 'single line single label',
    input: '{"metric":{"foo":"bar"},"values":[1.23],"timestamps":[456]}',
    want: [{ labels: L({ foo: 'bar' }), samples: [{ value: 1.23, timestamp: 456 }] }],
  },
  {
    name: 'Inf, NaN and null forms (bare, quoted, null), sorted by timestamp',
    input:
      '{"metric":{"foo":"bar"},"values":[Inf, -Inf, "Infinity", "-Infinity", NaN, "NaN", null, "null", 1.2, +Inf, "inf", "-inf", "Null", "nan", nan, -nan],' +
      '"timestamps":[456, 789, 123, 0, 1, 42, 2, 3, 7, 8, 9, 10, 11, 12, 13, 14]}',
    want: [
      {
        labels: L({ foo: 'bar' }),
        samples: [
          { value: -Infinity, timestamp: 0 },
          { value: NaN, timestamp: 1 },
          { value: NaN, timestamp: 2 },
          { value: NaN, timestamp: 3 },
          { value: 1.2, timestamp: 7 },
          { value: Infinity, timestamp: 8 },
          { value: Infinity, timestamp: 9 },
          { value: -Infinity, timestamp: 10 },
          { value: NaN, timestamp: 11 },
          { value: NaN, timestamp: 12 },
          { value: NaN, timestamp: 13 },
          { value: NaN, timestamp: 14 },
          { value: NaN, timestamp: 42 },
          { value: Infinity, timestamp: 123 },
          { value: Infinity, timestamp: 456 },
          { value: -Infinity, timestamp: 789 },
        ],
      },
    ],
  },
  {
    name: 'multiple labels, spaces around colon, labels sorted',
    input: '{"metric":{"foo":"bar","baz":"xx"},"values":[1.23, -3.21],"timestamps" : [456,789]}',
    want: [{ labels: L({ foo: 'bar', baz: 'xx' }), samples: [{ value: 1.23, timestamp: 456 }, { value: -3.21, timestamp: 789 }] }],
  },
  {
    name: 'multiple lines without final newline',
    input: '{"metric":{"__name__":"a"},"values":[1],"timestamps":[1]}\n{"metric":{"__name__":"xx"},"values":[34],"timestamps" : [11]}',
    want: [
      { labels: L({ __name__: 'a' }), samples: [{ value: 1, timestamp: 1 }] },
      { labels: L({ __name__: 'xx' }), samples: [{ value: 34, timestamp: 11 }] },
    ],
  },
  {
    name: 'lines with the same metric object share a series, samples merged in timestamp order',
    input: '{"metric":{"__name__":"a"},"values":[1,2],"timestamps":[10,30]}\n{"metric":{"__name__":"b"},"values":[9],"timestamps":[1]}\n{"metric":{"__name__":"a"},"values":[3],"timestamps":[20]}',
    want: [
      { labels: L({ __name__: 'a' }), samples: [{ value: 1, timestamp: 10 }, { value: 3, timestamp: 20 }, { value: 2, timestamp: 30 }] },
      { labels: L({ __name__: 'b' }), samples: [{ value: 9, timestamp: 1 }] },
    ],
  },
  {
    name: 'CRLF line endings',
    input: '{"metric":{"__name__":"a"},"values":[1],"timestamps":[1]}\r\n',
    want: [{ labels: L({ __name__: 'a' }), samples: [{ value: 1, timestamp: 1 }] }],
  },
  {
    name: 'empty label value dropped, unknown keys ignored, escapes decoded',
    input: '{"metric":{"__name__":"a\\u00e9\\"\\n","job":""},"other":{"x":[1,{"y":null}]},"values":[1e3],"timestamps":[-5]}',
    want: [{ labels: L({ __name__: 'aé"\n' }), samples: [{ value: 1000, timestamp: -5 }] }],
  },
  {
    name: 'duplicate keys: the first wins (fastjson Get)',
    input: '{"metric":{"__name__":"a"},"values":[1],"values":[2,3],"timestamps":[7]}',
    want: [{ labels: L({ __name__: 'a' }), samples: [{ value: 1, timestamp: 7 }] }],
  },
  {
    name: 'repeated label name: the last value wins (what VictoriaMetrics stores)',
    input: '{"metric":{"__name__":"x","job":"j","__name__":"y"},"values":[1],"timestamps":[7]}',
    want: [{ labels: L({ __name__: 'y', job: 'j' }), samples: [{ value: 1, timestamp: 7 }] }],
  },
  {
    name: 'fastfloat forms: .5, 1., -.5e3',
    input: '{"metric":{"__name__":"a"},"values":[.5, 1., -.5e3],"timestamps":[1,2,3]}',
    want: [{ labels: L({ __name__: 'a' }), samples: [{ value: 0.5, timestamp: 1 }, { value: 1, timestamp: 2 }, { value: -500, timestamp: 3 }] }],
  },
];

describe('parseJsonLines: accepted input (VictoriaMetrics vmimport cases)', () => {
  for (const c of good) {
    it(c.name, () => {
      const r = parseJsonLines(enc(c.input));
      assert.deepEqual(r.errors, []);
      assert.deepEqual(r.series, c.want);
    });
  }
});

// Cases from TestRowsUnmarshalFailure, each with the reason we give.
const bad: Array<{ name: string; input: string; want: string }> = [
  { name: 'not json', input: 'garbage', want: 'cannot parse json line: unexpected character "g" at offset 0' },
  { name: 'bad literal', input: 'foo', want: 'cannot parse json line: unexpected value; expected false at offset 0' },
  { name: 'number', input: '123', want: 'missing `metric` object' },
  { name: 'array', input: '[1,3]', want: 'missing `metric` object' },
  { name: 'empty object', input: '{}', want: 'missing `metric` object' },
  { name: 'other key', input: '{"foo":"bar"}', want: 'missing `metric` object' },
  { name: 'metric number', input: '{"metric":123,"values":[1,2],"timestamps":[3,4]}', want: 'missing `metric` object' },
  { name: 'metric array', input: '{"metric":[123],"values":[1,2],"timestamps":[3,4]}', want: 'missing `metric` object' },
  { name: 'metric null', input: '{"metric":null,"values":[1,2],"timestamps":[3,4]}', want: 'missing `metric` object' },
  { name: 'metric empty', input: '{"metric":{},"values":[1,2],"timestamps":[3,4]}', want: '`metric` object has no labels' },
  { name: 'metric missing', input: '{"values":[1,2],"timestamps":[3,4]}', want: 'missing `metric` object' },
  { name: 'label value not a string', input: '{"metric":{"__name__":"x","code":200},"values":[1],"timestamps":[3]}', want: 'value of label "code" must be a string; got number' },
  { name: 'values number', input: '{"metric":{"foo":"bar"},"values":1,"timestamps":[3,4]}', want: 'missing `values` array' },
  { name: 'values object', input: '{"metric":{"foo":"bar"},"values":{"x":1},"timestamps":[3,4]}', want: 'missing `values` array' },
  { name: 'values null', input: '{"metric":{"foo":"bar"},"values":null,"timestamps":[3,4]}', want: 'missing `values` array' },
  { name: 'values missing', input: '{"metric":{"foo":"bar"},"timestamps":[3,4]}', want: 'missing `values` array' },
  { name: 'values string', input: '{"metric":{"foo":"bar"},"values":"NaN","timestamps":[3,4]}', want: 'missing `values` array' },
  { name: 'value unsupported string', input: '{"metric":{"foo":"bar"},"values":["foo"],"timestamps":[3]}', want: 'cannot unmarshal value at position 0: unsupported string: "foo"' },
  { name: 'value numeric string', input: '{"metric":{"foo":"bar"},"values":[1,"1.5"],"timestamps":[3,4]}', want: 'cannot unmarshal value at position 1: unsupported string: "1.5"' },
  { name: 'value +Inf as a string', input: '{"metric":{"foo":"bar"},"values":["+Inf"],"timestamps":[3]}', want: 'unsupported string: "+Inf"' },
  { name: 'value nested array', input: '{"metric":{"foo":"bar"},"values":[["NaN"]],"timestamps":[3]}', want: 'cannot unmarshal value at position 0: unsupported value type: array' },
  { name: 'value boolean', input: '{"metric":{"foo":"bar"},"values":[true],"timestamps":[3]}', want: 'unsupported value type: true' },
  { name: 'value leading plus', input: '{"metric":{"foo":"bar"},"values":[+1],"timestamps":[3]}', want: 'unsupported value type: number; value="+1"' },
  { name: 'value bad number token', input: '{"metric":{"foo":"bar"},"values":[1-2],"timestamps":[3]}', want: 'value="1-2"' },
  { name: 'values empty', input: '{"metric":{"foo":"bar"},"values":[],"timestamps":[]}', want: 'missing `values` array' },
  { name: 'timestamps number', input: '{"metric":{"foo":"bar"},"values":[1,2],"timestamps":3}', want: 'missing `timestamps` array' },
  { name: 'timestamps false', input: '{"metric":{"foo":"bar"},"values":[1,2],"timestamps":false}', want: 'missing `timestamps` array' },
  { name: 'timestamps missing', input: '{"metric":{"foo":"bar"},"values":[1,2]}', want: 'missing `timestamps` array' },
  { name: 'timestamps empty', input: '{"metric":{"foo":"bar"},"values":[2],"timestamps":[]}', want: 'missing `timestamps` array' },
  { name: 'timestamp string', input: '{"metric":{"foo":"bar"},"values":[1,2],"timestamps":[1,"foo"]}', want: 'cannot unmarshal timestamp at position 1: value doesn\'t contain number; it contains string' },
  { name: 'timestamp fraction', input: '{"metric":{"foo":"bar"},"values":[1],"timestamps":[1.5]}', want: 'cannot unmarshal timestamp at position 0: not an integer millisecond timestamp: "1.5"' },
  { name: 'timestamp exponent', input: '{"metric":{"foo":"bar"},"values":[1],"timestamps":[1e3]}', want: 'not an integer millisecond timestamp: "1e3"' },
  { name: 'timestamp beyond 2^53', input: '{"metric":{"foo":"bar"},"values":[1],"timestamps":[99999999999999999999]}', want: 'not an integer millisecond timestamp' },
  { name: 'fewer timestamps', input: '{"metric":{"foo":"bar"},"values":[2],"timestamps":[3,4]}', want: '`timestamps` array size must match `values` array size; got 2; want 1' },
  { name: 'fewer values', input: '{"metric":{"foo":"bar"},"values":[2,3],"timestamps":[4]}', want: '`timestamps` array size must match `values` array size; got 1; want 2' },
  { name: 'garbage after the line', input: '{"metric":{"foo":"bar"},"values":[2],"timestamps":[4]}{}', want: 'cannot parse json line: unexpected tail after JSON value at offset 54' },
  { name: 'unterminated string', input: '{"metric":{"foo":"bar', want: 'missing closing quote of string' },
  { name: 'trailing comma', input: '{"metric":{"foo":"bar"},}', want: 'cannot parse json line: expected string key in object' },
  { name: 'syntax error beats value error', input: '{"metric":{"foo":"bar"},"values":["x"],"timestamps":[1]', want: 'cannot parse json line: missing } at the end of object' },
  { name: 'too deep nesting', input: '{"x":' + '['.repeat(400) + ']'.repeat(400) + '}', want: 'nesting deeper than 300' },
];

describe('parseJsonLines: rejected lines name the reason', () => {
  for (const c of bad) {
    it(c.name, () => {
      const r = parseJsonLines(enc(c.input));
      assert.deepEqual(r.series, []);
      assert.equal(r.errors.length, 1);
      assert.equal(r.errors[0]!.line, 1);
      assert.ok(r.errors[0]!.reason.includes(c.want), `reason ${JSON.stringify(r.errors[0]!.reason)} lacks ${JSON.stringify(c.want)}`);
    });
  }
});

describe('parseJsonLines: line bookkeeping', () => {
  it('keeps good lines around a bad one and numbers lines from 1, counting empty ones', () => {
    const body = '{"metric":{"a":"1"},"values":[1],"timestamps":[1]}\n\ngarbage here\n{"metric":{"a":"2"},"values":[2],"timestamps":[2]}';
    const r = parseJsonLines(enc(body));
    assert.equal(r.series.length, 2);
    assert.deepEqual(r.errors.map((e) => e.line), [3]);
    assert.equal(r.errors[0]!.excerpt, '"garbage here"');
  });
  it('quotes at most ~200 bytes of a long bad line', () => {
    const r = parseJsonLines(enc('x'.repeat(100_000)));
    assert.equal(r.errors.length, 1);
    assert.ok(r.errors[0]!.excerpt.length < 220);
  });
  it('NaN samples are plain NaN, never staleness markers', () => {
    const r = parseJsonLines(enc('{"metric":{"a":"1"},"values":[null],"timestamps":[1]}'));
    assert.equal(r.series[0]!.samples[0]!.stale, undefined);
    assert.ok(Number.isNaN(r.series[0]!.samples[0]!.value));
  });
});

describe('vm-float: fastfloat.Parse syntax', () => {
  const cases: Array<{ input: string; want: number | undefined }> = [
    { input: '1', want: 1 }, { input: '-1.5', want: -1.5 }, { input: '.5', want: 0.5 }, { input: '1.', want: 1 },
    { input: '1e3', want: 1000 }, { input: '1E-2', want: 0.01 }, { input: '00012', want: 12 }, { input: '1e400', want: Infinity },
    { input: 'inf', want: Infinity }, { input: '+Inf', want: Infinity }, { input: '-infinity', want: -Infinity }, { input: 'NaN', want: NaN },
    { input: '-nan', want: NaN }, { input: '+1', want: undefined }, { input: '', want: undefined }, { input: '-', want: undefined },
    { input: '.', want: undefined }, { input: '-.', want: undefined }, { input: '1e', want: undefined }, { input: '1e+', want: undefined },
    { input: '0x10', want: undefined }, { input: '1_000', want: undefined }, { input: ' 1', want: undefined }, { input: 'infx', want: undefined },
    { input: 'Infinity-', want: undefined },
  ];
  for (const c of cases) {
    it(JSON.stringify(c.input), () => assert.deepEqual(parseVmFloat(c.input), c.want));
  }
  it('parseVmInt refuses fractions, exponents, plus and values beyond 2^53', () => {
    assert.equal(parseVmInt('-42'), -42);
    assert.equal(parseVmInt('1.0'), undefined);
    assert.equal(parseVmInt('1e3'), undefined);
    assert.equal(parseVmInt('+1'), undefined);
    assert.equal(parseVmInt('9007199254740993'), undefined);
  });
});
