import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGraphite } from '../../../../lib/ingest/graphite/parse.ts';
import type { TimeSeries } from '../../../../lib/model/types.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const L = (o: Record<string, string>) => Object.entries(o).map(([name, value]) => ({ name, value })).sort((a, b) => (a.name < b.name ? -1 : 1));
const NOW = 1_700_000_000_123;
const parse = (s: string) => parseGraphite(enc(s), { now: NOW });
const one = (labels: Record<string, string>, value: number, timestamp: number): TimeSeries => ({ labels: L(labels), samples: [{ value, timestamp }] });

// Cases from VictoriaMetrics lib/protoparser/graphite/parser_test.go (timestamps there are seconds; the
// stream parser multiplies by 1000 and replaces 0 / -1 / missing by now).
const good: Array<{ name: string; input: string; want: TimeSeries[] }> = [
  { name: 'empty', input: '', want: [] },
  { name: 'CR only', input: '\r', want: [] },
  { name: 'empty lines', input: '\n\r\n', want: [] },
  { name: 'single line', input: 'foobar -123.456 789', want: [one({ __name__: 'foobar' }, -123.456, 789000)] },
  { name: 'dots kept in the name', input: 'foo.bar 123.456 789\n', want: [one({ __name__: 'foo.bar' }, 123.456, 789000)] },
  { name: 'missing timestamp: now', input: 'aaa 1123', want: [one({ __name__: 'aaa' }, 1123, NOW)] },
  { name: 'timestamp -1: now (VM issue 610)', input: 'aaa 1123 -1', want: [one({ __name__: 'aaa' }, 1123, NOW)] },
  { name: 'timestamp 0: now', input: 'aaa 1123 0', want: [one({ __name__: 'aaa' }, 1123, NOW)] },
  { name: 'timestamp bigger than 2^31', input: 'aaa 1123 429496729600', want: [one({ __name__: 'aaa' }, 1123, 429496729600000)] },
  { name: 'floating-point timestamp truncated', input: 'aaa 1123 4294.943', want: [one({ __name__: 'aaa' }, 1123, 4294000)] },
  { name: 'tags', input: 'foo;bar=baz 1 2', want: [one({ __name__: 'foo', bar: 'baz' }, 1, 2000)] },
  { name: 'empty tags (VM issue 1100)', input: 'foo; 1', want: [one({ __name__: 'foo' }, 1, NOW)] },
  { name: 'tag without value dropped', input: 'foo;bar 1 2', want: [one({ __name__: 'foo' }, 1, 2000)] },
  { name: 'empty tag names or values dropped', input: 'foo;bar=baz;aa=;x=y;=z 1 2', want: [one({ __name__: 'foo', bar: 'baz', x: 'y' }, 1, 2000)] },
  { name: 'tag value with =', input: 'foo;q=a=b 1 2', want: [one({ __name__: 'foo', q: 'a=b' }, 1, 2000)] },
  { name: 'multi lines', input: 'foo 0.3 2\naaa 3\nbar.baz 0.34 43\n', want: [one({ __name__: 'foo' }, 0.3, 2000), one({ __name__: 'aaa' }, 3, NOW), one({ __name__: 'bar.baz' }, 0.34, 43000)] },
  { name: 'tab separators', input: 'foo.baz\t125.456\t1789\n', want: [one({ __name__: 'foo.baz' }, 125.456, 1789000)] },
  { name: 'tab separators and tags', input: 'foo;baz=bar;bb=;y=x;=z\t1\t2', want: [one({ __name__: 'foo', baz: 'bar', y: 'x' }, 1, 2000)] },
  { name: 'whitespace after the timestamp (VM issue 1865)', input: 'foo.baz 125 1789 \na 1.34 567\t  ', want: [one({ __name__: 'foo.baz' }, 125, 1789000), one({ __name__: 'a' }, 1.34, 567000)] },
  { name: 'runs of whitespace as separators', input: 'foo.baz \t125  1789 \t\n', want: [one({ __name__: 'foo.baz' }, 125, 1789000)] },
  { name: 'trailing whitespace without timestamp (deviation: accepted)', input: 'foo 1 \t', want: [one({ __name__: 'foo' }, 1, NOW)] },
  { name: 'special values', input: 'a inf\nb -Inf\nc nan', want: [one({ __name__: 'a' }, Infinity, NOW), one({ __name__: 'b' }, -Infinity, NOW), one({ __name__: 'c' }, NaN, NOW)] },
  {
    name: 'same series grouped and sorted',
    input: 'foo.bar 1 20\nfoo.bar 2 10\nfoo.bar;a=b 3 5',
    want: [{ labels: L({ __name__: 'foo.bar' }), samples: [{ value: 2, timestamp: 10000 }, { value: 1, timestamp: 20000 }] }, one({ __name__: 'foo.bar', a: 'b' }, 3, 5000)],
  },
];

describe('parseGraphite: accepted input (VictoriaMetrics cases)', () => {
  for (const c of good) {
    it(c.name, () => {
      const r = parse(c.input);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(r.series, c.want);
    });
  }
});

const bad: Array<{ name: string; input: string; want: string }> = [
  { name: 'missing metric (leading space)', input: ' 123 455', want: 'metric cannot be empty' },
  { name: 'empty metric before tags', input: ';foo=bar 1 2', want: 'metric cannot be empty' },
  { name: 'missing value', input: 'aaa', want: 'cannot find separator between metric and value' },
  { name: 'space in tag value (VM issue 99)', input: 's;tag1=aaa1;tag2=bb b2;tag3=ccc3 1', want: 'cannot unmarshal value from "b2;tag3=ccc3"' },
  { name: 'invalid value', input: 'aa bb', want: 'cannot unmarshal value from "bb"' },
  { name: 'leading plus value', input: 'aa +1', want: 'cannot unmarshal value from "+1"' },
  { name: 'invalid timestamp', input: 'aa 123 bar', want: 'cannot unmarshal timestamp from "bar"' },
  { name: 'extra field after the timestamp', input: 'aa 123 456 789', want: 'cannot unmarshal timestamp from "456 789"' },
  { name: 'infinite timestamp', input: 'aa 1 inf', want: 'cannot unmarshal timestamp from "inf"' },
  { name: 'timestamp out of range', input: 'aa 1 1e300', want: 'timestamp out of range: "1e300"' },
];

describe('parseGraphite: rejected lines name the reason', () => {
  for (const c of bad) {
    it(c.name, () => {
      const r = parse(c.input);
      assert.deepEqual(r.series, []);
      assert.equal(r.errors.length, 1);
      assert.ok(r.errors[0]!.reason.includes(c.want), `${r.errors[0]!.reason} lacks ${c.want}`);
    });
  }
  it('keeps good lines around bad ones, with line numbers', () => {
    const r = parse('foo 0.3 2\naaa\n\nbar.baz 0.34 43\n');
    assert.equal(r.series.length, 2);
    assert.deepEqual(r.errors.map((e) => [e.line, e.excerpt]), [[2, '"aaa"']]);
  });
});
