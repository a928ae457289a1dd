import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCsvFormat } from '../../../../lib/ingest/csv/format.ts';
import { parseCsv } from '../../../../lib/ingest/csv/parse.ts';
import { BadRequestError } from '../../../../lib/errors.ts';
import type { TimeSeries } from '../../../../lib/model/types.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const L = (o: Record<string, string>) => Object.entries(o).map(([name, value]) => ({ name, value })).sort((a, b) => (a.name < b.name ? -1 : 1));
const NOW = 1_700_000_000_000;
const parse = (format: string, body: string) => parseCsv(enc(body), { columns: parseCsvFormat(format), now: NOW });

// Success cases from VictoriaMetrics lib/protoparser/csvimport/parser_test.go, plus the quirks named in parse.ts.
const good: Array<{ name: string; format: string; input: string; want: TimeSeries[] }> = [
  { name: 'empty body', format: '1:metric:foo', input: '', want: [] },
  { name: 'value only: timestamp is now', format: '1:metric:foo', input: '123', want: [{ labels: L({ __name__: 'foo' }), samples: [{ value: 123, timestamp: NOW }] }] },
  {
    name: 'metric, unix_s time and labels',
    format: '1:metric:foo,2:time:unix_s,3:label:foo,4:label:bar',
    input: '123,456,xxx,yy',
    want: [{ labels: L({ __name__: 'foo', foo: 'xxx', bar: 'yy' }), samples: [{ value: 123, timestamp: 456000 }] }],
  },
  {
    name: 'multiple metrics, quoted fields with escaped quotes, custom Go layout',
    format: '2:metric:bar,1:metric:foo,3:label:foo,4:label:bar,5:time:custom:2006-01-02 15:04:05.999Z',
    input: '"2.34",5.6,"foo"",bar","aa",2015-08-10 20:04:40.123Z',
    want: [
      { labels: L({ __name__: 'foo', foo: 'foo",bar', bar: 'aa' }), samples: [{ value: 2.34, timestamp: 1439237080123 }] },
      { labels: L({ __name__: 'bar', foo: 'foo",bar', bar: 'aa' }), samples: [{ value: 5.6, timestamp: 1439237080123 }] },
    ],
  },
  {
    name: 'rows of one series are grouped, leading empty line skipped',
    format: '2:label:symbol,3:time:custom:2006-01-02 15:04:05.999Z,4:metric:bid,5:metric:ask',
    input: '\n"aaa","AUDCAD","2015-08-10 00:00:01.000Z",0.9725,0.97273\n"aaa","AUDCAD","2015-08-10 00:00:02.000Z",0.97253,0.97276\n',
    want: [
      { labels: L({ __name__: 'bid', symbol: 'AUDCAD' }), samples: [{ value: 0.9725, timestamp: 1439164801000 }, { value: 0.97253, timestamp: 1439164802000 }] },
      { labels: L({ __name__: 'ask', symbol: 'AUDCAD' }), samples: [{ value: 0.97273, timestamp: 1439164801000 }, { value: 0.97276, timestamp: 1439164802000 }] },
    ],
  },
  { name: 'superfluous columns ignored', format: '1:metric:foo', input: '123,456,foo,bar', want: [{ labels: L({ __name__: 'foo' }), samples: [{ value: 123, timestamp: NOW }] }] },
  { name: 'second column', format: '2:metric:foo', input: '123,-45.6,foo,bar', want: [{ labels: L({ __name__: 'foo' }), samples: [{ value: -45.6, timestamp: NOW }] }] },
  {
    name: 'empty metric values skip only that metric; trailing comma is an empty last column (VM issue 4048)',
    format: '1:time:unix_ns,2:metric:metric_1,3:metric:metric_2',
    input: '1677632461449998000,1,1\n1677633061449998000,1,\n1677633661449998000,,1\n',
    want: [
      { labels: L({ __name__: 'metric_1' }), samples: [{ value: 1, timestamp: 1677632461449 }, { value: 1, timestamp: 1677633061449 }] },
      { labels: L({ __name__: 'metric_2' }), samples: [{ value: 1, timestamp: 1677632461449 }, { value: 1, timestamp: 1677633661449 }] },
    ],
  },
  { name: 'all metric values empty: nothing, no error', format: '1:metric:a,2:metric:b', input: ',\n', want: [] },
  {
    name: 'missing columns are fine when a metric was found',
    format: '1:metric:foo,2:label:host,3:time:unix_ms',
    input: '5',
    want: [{ labels: L({ __name__: 'foo' }), samples: [{ value: 5, timestamp: NOW }] }],
  },
  { name: 'header line skipped (VM issue 10666)', format: '1:metric:foo,2:time:unix_ms', input: 'foo,time\n1,2', want: [{ labels: L({ __name__: 'foo' }), samples: [{ value: 1, timestamp: 2 }] }] },
  { name: 'timestamp 0 means now', format: '1:metric:foo,2:time:unix_s', input: '1,0', want: [{ labels: L({ __name__: 'foo' }), samples: [{ value: 1, timestamp: NOW }] }] },
  { name: 'empty timestamp means now', format: '1:metric:foo,2:time:unix_s', input: '1,', want: [{ labels: L({ __name__: 'foo' }), samples: [{ value: 1, timestamp: NOW }] }] },
  { name: 'empty label value dropped', format: '1:metric:foo,2:label:host', input: '1,""', want: [{ labels: L({ __name__: 'foo' }), samples: [{ value: 1, timestamp: NOW }] }] },
  { name: 'unix_ms', format: '1:metric:foo,2:time:unix_ms', input: '1,1700000000123', want: [{ labels: L({ __name__: 'foo' }), samples: [{ value: 1, timestamp: 1700000000123 }] }] },
  { name: 'unix_ns keeps int64 precision', format: '1:metric:foo,2:time:unix_ns', input: '1,9223372036854775807', want: [{ labels: L({ __name__: 'foo' }), samples: [{ value: 1, timestamp: 9223372036854 }] }] },
  { name: 'rfc3339 with offset and fraction', format: '1:metric:foo,2:time:rfc3339', input: '1,2015-08-10T20:04:40.5+02:00', want: [{ labels: L({ __name__: 'foo' }), samples: [{ value: 1, timestamp: 1439229880500 }] }] },
  { name: 'quote inside an unquoted field is literal', format: '1:label:a,2:metric:m', input: 'x"y,1', want: [{ labels: L({ __name__: 'm', a: 'x"y' }), samples: [{ value: 1, timestamp: NOW }] }] },
  { name: 'special values', format: '1:metric:a,2:metric:b,3:metric:c', input: 'inf,-Inf,NaN', want: [
    { labels: L({ __name__: 'a' }), samples: [{ value: Infinity, timestamp: NOW }] },
    { labels: L({ __name__: 'b' }), samples: [{ value: -Infinity, timestamp: NOW }] },
    { labels: L({ __name__: 'c' }), samples: [{ value: NaN, timestamp: NOW }] },
  ] },
  { name: 'CRLF', format: '1:metric:foo', input: '1\r\n2\r\n', want: [{ labels: L({ __name__: 'foo' }), samples: [{ value: 1, timestamp: NOW }, { value: 2, timestamp: NOW }] }] },
  { name: 'out-of-order rows sorted', format: '1:metric:foo,2:time:unix_ms', input: '1,20\n2,10', want: [{ labels: L({ __name__: 'foo' }), samples: [{ value: 2, timestamp: 10 }, { value: 1, timestamp: 20 }] }] },
];

describe('parseCsv: accepted input', () => {
  for (const c of good) {
    it(c.name, () => {
      const r = parse(c.format, c.input);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(r.series, c.want);
    });
  }
});

const bad: Array<{ name: string; format: string; input: string; want: string }> = [
  { name: 'invalid timestamp (not first line)', format: '1:metric:foo,2:time:rfc3339', input: '1,2015-08-10T20:04:40Z\n234,foobar', want: 'cannot parse timestamp from "foobar": cannot parse time in RFC3339: parsing time "foobar" as "2006-01-02T15:04:05Z07:00": cannot parse "foobar" as "2006"' },
  { name: 'missing columns and no metric', format: '3:metric:aaa', input: '123,456', want: 'missing columns in the csv line; got 2 columns; want at least 3 columns' },
  { name: 'bad metric value', format: '1:metric:foo,2:metric:bar', input: '1,2\n1,x', want: 'cannot parse metric value for "bar" from "x"' },
  { name: 'leading plus refused (fastfloat)', format: '1:metric:foo', input: '1\n+1', want: 'cannot parse metric value for "foo" from "+1"' },
  { name: 'unix_s fraction', format: '1:metric:foo,2:time:unix_s', input: '1,1\n1,1.5', want: 'cannot parse unix timestamp in seconds from "1.5"' },
  { name: 'unix_s too big', format: '1:metric:foo,2:time:unix_s', input: '1,1\n1,9223372036854775', want: 'too big unix timestamp in seconds' },
  { name: 'unix_ms garbage', format: '1:metric:foo,2:time:unix_ms', input: '1,1\n1,abc', want: 'cannot parse unix timestamp in milliseconds from "abc"' },
  { name: 'unix_ns garbage', format: '1:metric:foo,2:time:unix_ns', input: '1,1\n1,1e9', want: 'cannot parse unix timestamp in nanoseconds from "1e9"' },
  { name: 'custom layout mismatch', format: '1:metric:foo,2:time:custom:2006/01/02', input: '1,2020/01/01\n1,2020-01-01', want: 'cannot parse time in custom format: parsing time "2020-01-01" as "2006/01/02": cannot parse "-01-01" as "/"' },
  { name: 'day out of range', format: '1:metric:foo,2:time:custom:2006-01-02', input: '1,2020-01-01\n1,2021-02-29', want: 'parsing time "2021-02-29": day out of range' },
  { name: 'missing closing quote', format: '1:label:a,2:metric:m', input: '"x,1', want: 'missing closing quote in column 1' },
  { name: 'missing comma after quoted field', format: '1:metric:m', input: '"8" ,1', want: 'missing comma after quoted field in column 1' },
  { name: 'bad quote in a superfluous column still fails', format: '1:metric:m', input: '1,"x', want: 'missing closing quote in column 2' },
];

describe('parseCsv: rejected lines name the reason', () => {
  for (const c of bad) {
    it(c.name, () => {
      const r = parse(c.format, c.input);
      assert.equal(r.errors.length, 1, JSON.stringify(r.errors));
      assert.ok(r.errors[0]!.reason.includes(c.want), `reason ${JSON.stringify(r.errors[0]!.reason)} lacks ${JSON.stringify(c.want)}`);
    });
  }
  it('a bad first line is reported when it fails for a reason other than a value (not a header)', () => {
    const r = parse('3:metric:aaa', '123,456\n1,2,3');
    assert.deepEqual(r.errors.map((e) => e.line), [1]);
    assert.equal(r.series.length, 1);
  });
  it('only the first line can be a header', () => {
    const r = parse('1:metric:foo', 'foo\nbar');
    assert.deepEqual(r.errors.map((e) => [e.line, e.excerpt]), [[2, '"bar"']]);
  });
});

describe('parseCsvFormat: a bad format is a 400 naming the entry', () => {
  const cases: Array<{ input: string | null; want: string }> = [
    { input: null, want: 'missing `format` query arg' },
    { input: '', want: 'missing `format` query arg' },
    { input: '1:metric', want: 'entry #1 "1:metric" must have the form <column_pos>:<column_type>:<extension>' },
    { input: '1:metric:x,a:label:y', want: 'cannot parse <column_pos> from entry #2 "a:label:y"' },
    { input: '0:metric:x', want: '<column_pos> cannot be smaller than 1; got 0 for entry #1 "0:metric:x"' },
    { input: '65537:metric:x', want: '<column_pos> cannot be bigger than 65536; got 65537 for entry #1 "65537:metric:x"' },
    { input: '1:zzz:x', want: 'unknown <column_type> "zzz" in entry #1 "1:zzz:x"; allowed values: time, metric, label' },
    { input: '1:time:bad,2:metric:x', want: 'cannot parse time format from entry #1 "1:time:bad": unknown format for time parsing: "bad"' },
    { input: '1:time:unix_s,2:time:unix_ms,3:metric:x', want: 'duplicate time column at entry #2 "2:time:unix_ms"' },
    { input: '1:label:,2:metric:x', want: 'label name cannot be empty in entry #1 "1:label:"' },
    { input: '1:metric:', want: 'metric name cannot be empty in entry #1 "1:metric:"' },
    { input: '1:metric:x,1:label:y', want: 'duplicate <column_pos> 1 for entry #2 "1:label:y"' },
    { input: '1:label:x', want: "missing 'metric' column in \"1:label:x\"" },
  ];
  for (const c of cases) {
    it(String(c.input), () => {
      assert.throws(() => parseCsvFormat(c.input), (e: unknown) => {
        assert.ok(e instanceof BadRequestError);
        assert.equal(e.status, 400);
        assert.ok(e.message.startsWith('csv: cannot parse the provided csv format: '));
        assert.ok(e.message.includes(c.want), `${e.message} lacks ${c.want}`);
        return true;
      });
    });
  }
  it('accepts the limit position 65536 and a gap between columns', () => {
    const cols = parseCsvFormat('65536:metric:x');
    assert.equal(cols.length, 65536);
    assert.deepEqual(cols[65535], { kind: 'metric', name: 'x' });
    assert.equal(cols[0], undefined);
  });
});
