import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestError } from '../../../../lib/errors.ts';
import { parseOpenTsdbPut } from '../../../../lib/ingest/opentsdb/parse.ts';
import type { TimeSeries } from '../../../../lib/model/types.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const L = (o: Record<string, string>) => Object.entries(o).map(([name, value]) => ({ name, value })).sort((a, b) => (a.name < b.name ? -1 : 1));
const NOW = 1_700_000_000_123;
const parse = (s: string) => parseOpenTsdbPut(enc(s), { now: NOW });

// Cases from VictoriaMetrics lib/protoparser/opentsdbhttp/parser_test.go and the OpenTSDB /api/put docs.
const good: Array<{ name: string; input: string; want: TimeSeries[] }> = [
  { name: 'empty array', input: '[]', want: [] },
  {
    name: 'single object, seconds timestamp, dots kept in the metric name',
    input: '{"metric":"sys.cpu.nice","timestamp":1346846400,"value":18,"tags":{"host":"web01","dc":"lga"}}',
    want: [{ labels: L({ __name__: 'sys.cpu.nice', host: 'web01', dc: 'lga' }), samples: [{ value: 18, timestamp: 1346846400000 }] }],
  },
  {
    name: 'array grouped by series, millisecond timestamp',
    input: '[{"metric":"a","timestamp":1346846400,"value":1,"tags":{"h":"x"}},{"metric":"a","timestamp":1346846400500,"value":2,"tags":{"h":"x"}},{"metric":"a","timestamp":1346846400,"value":3,"tags":{"h":"y"}}]',
    want: [
      { labels: L({ __name__: 'a', h: 'x' }), samples: [{ value: 1, timestamp: 1346846400000 }, { value: 2, timestamp: 1346846400500 }] },
      { labels: L({ __name__: 'a', h: 'y' }), samples: [{ value: 3, timestamp: 1346846400000 }] },
    ],
  },
  { name: 'seconds below 2^32, milliseconds from 2^32', input: '[{"metric":"a","timestamp":4294967295,"value":1},{"metric":"b","timestamp":4294967296,"value":1}]', want: [
    { labels: L({ __name__: 'a' }), samples: [{ value: 1, timestamp: 4294967295000 }] },
    { labels: L({ __name__: 'b' }), samples: [{ value: 1, timestamp: 4294967296 }] },
  ] },
  { name: 'missing timestamp means now; tags optional', input: '{"metric":"a","value":1}', want: [{ labels: L({ __name__: 'a' }), samples: [{ value: 1, timestamp: NOW }] }] },
  { name: 'timestamp 0 means now', input: '{"metric":"a","timestamp":0,"value":1}', want: [{ labels: L({ __name__: 'a' }), samples: [{ value: 1, timestamp: NOW }] }] },
  { name: 'fractional timestamp truncated', input: '{"metric":"a","timestamp":1346846400.9,"value":1}', want: [{ labels: L({ __name__: 'a' }), samples: [{ value: 1, timestamp: 1346846400000 }] }] },
  { name: 'string timestamp and string value', input: '{"metric":"a","timestamp":"1346846400","value":"-1.5e1"}', want: [{ labels: L({ __name__: 'a' }), samples: [{ value: -15, timestamp: 1346846400000 }] }] },
  { name: 'bare NaN and string inf values', input: '[{"metric":"a","timestamp":1,"value":NaN},{"metric":"b","timestamp":1,"value":"-Inf"}]', want: [
    { labels: L({ __name__: 'a' }), samples: [{ value: NaN, timestamp: 1000 }] },
    { labels: L({ __name__: 'b' }), samples: [{ value: -Infinity, timestamp: 1000 }] },
  ] },
  { name: 'empty tag names and values dropped', input: '{"metric":"a","timestamp":1,"value":1,"tags":{"":"x","y":"","z":"1"}}', want: [{ labels: L({ __name__: 'a', z: '1' }), samples: [{ value: 1, timestamp: 1000 }] }] },
  { name: 'out-of-order datapoints sorted', input: '[{"metric":"a","timestamp":2,"value":1},{"metric":"a","timestamp":1,"value":2}]', want: [{ labels: L({ __name__: 'a' }), samples: [{ value: 2, timestamp: 1000 }, { value: 1, timestamp: 2000 }] }] },
];

describe('parseOpenTsdbPut: accepted input', () => {
  for (const c of good) {
    it(c.name, () => {
      const r = parse(c.input);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(r.series, c.want);
    });
  }
});

const bad: Array<{ name: string; input: string; want: string }> = [
  { name: 'missing metric', input: '{"value":1}', want: 'missing `metric`' },
  { name: 'empty metric', input: '{"metric":"","value":1}', want: 'missing `metric`' },
  { name: 'metric not a string', input: '{"metric":1,"value":1}', want: 'missing `metric`' },
  { name: 'item not an object', input: '[5]', want: 'datapoint must be an object; got number' },
  { name: 'missing value', input: '{"metric":"a","timestamp":1}', want: 'missing `value`' },
  { name: 'value boolean', input: '{"metric":"a","value":true}', want: "invalid `value`: value doesn't contain float64; it contains true" },
  { name: 'value null', input: '{"metric":"a","value":null}', want: "invalid `value`: value doesn't contain float64; it contains null" },
  { name: 'value non-numeric string', input: '{"metric":"a","value":"abc"}', want: 'invalid `value`: invalid float64 value: "abc"' },
  { name: 'value bad number token', input: '{"metric":"a","value":1-2}', want: 'invalid `value`: invalid number "1-2"' },
  { name: 'timestamp string', input: '{"metric":"a","timestamp":"x","value":1}', want: 'invalid `timestamp`: invalid float64 value: "x"' },
  { name: 'timestamp object', input: '{"metric":"a","timestamp":{},"value":1}', want: "invalid `timestamp`: value doesn't contain float64; it contains object" },
  { name: 'timestamp negative', input: '{"metric":"a","timestamp":-1,"value":1}', want: 'invalid `timestamp`: negative timestamp -1' },
  { name: 'timestamp infinite', input: '{"metric":"a","timestamp":Inf,"value":1}', want: 'invalid `timestamp`: not finite' },
  { name: 'timestamp too large', input: '{"metric":"a","timestamp":1e300,"value":1}', want: 'invalid `timestamp`: out of range' },
  { name: 'tags not an object', input: '{"metric":"a","value":1,"tags":"host=x"}', want: 'invalid `tags`: must be an object; got string' },
  { name: 'tag value not a string', input: '{"metric":"a","value":1,"tags":{"code":200}}', want: 'invalid `tags`: tag value must be string; got number for tag "code"' },
];

describe('parseOpenTsdbPut: rejected datapoints name the reason', () => {
  for (const c of bad) {
    it(c.name, () => {
      const r = parse(c.input);
      assert.deepEqual(r.series, []);
      assert.equal(r.errors.length, 1);
      assert.equal(r.errors[0]!.line, 1);
      assert.ok(r.errors[0]!.reason.includes(c.want), `${r.errors[0]!.reason} lacks ${c.want}`);
    });
  }
  it('item numbers are array index + 1; excerpts quote the datapoint with numbers as sent', () => {
    const r = parse('[{"metric":"a","value":1},{"metric":"b","value":1e-2,"x":true}]'.replace('1e-2', 'false'));
    assert.deepEqual(r.errors.map((e) => e.line), [2]);
    assert.equal(r.errors[0]!.excerpt, JSON.stringify('{"metric":"b","value":false,"x":true}'));
    assert.equal(r.total, 2);
    assert.deepEqual(r.datapoint(2), { metric: 'b', value: false, x: true });
    assert.equal(r.datapoint(3), undefined);
  });
});

describe('parseOpenTsdbPut: whole-body errors are 400s', () => {
  const cases: Array<{ name: string; input: string; want: string }> = [
    { name: 'not json', input: 'put sys.cpu 1 2 host=a', want: 'opentsdb: cannot parse HTTP OpenTSDB json: ' },
    { name: 'empty body', input: '', want: 'opentsdb: cannot parse HTTP OpenTSDB json: missing value at offset 0' },
    { name: 'truncated array', input: '[{"metric":"a","value":1}', want: 'missing ] at the end of array' },
    { name: 'string top level', input: '"x"', want: 'opentsdb: OpenTSDB JSON must be either object or array; got string' },
    { name: 'number top level', input: '42', want: 'got number' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.throws(() => parse(c.input), (e: unknown) => e instanceof BadRequestError && e.status === 400 && e.message.includes(c.want));
    });
  }
});
