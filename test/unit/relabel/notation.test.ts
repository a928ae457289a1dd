import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSeries } from '../../../lib/model/labels.ts';
import { NotationError, parseSeriesNotation } from '../../../lib/relabel/series-notation.ts';
import { parseSelector, selectorMatches } from '../../../lib/relabel/selector.ts';

describe('series notation', () => {
  const ok = [
    { input: 'up', want: 'up{}' },
    { input: 'up{job="a",instance="b"}', want: 'up{instance="b",job="a"}' },
    { input: '  up { job = "a" , } ', want: 'up{job="a"}' },
    { input: '{__name__="up",job="a"}', want: 'up{job="a"}' },
    { input: '{"my.metric","label.x"="1"}', want: '{__name__="my.metric",label.x="1"}' },
    { input: 'm{a="x\\"y\\\\z\\nw"}', want: 'm{a="x\\"y\\\\z\\nw"}' },
    { input: 'm{a=""}', want: 'm{}' },
    { input: '{a="1"}', want: '{a="1"}' },
    { input: 'http_requests_total{code="200"} 1027 1395066363000', want: 'http_requests_total{code="200"}' },
    { input: 'm 1.5e3', want: 'm{}' },
    { input: 'm{a="b"} NaN', want: 'm{a="b"}' },
  ];
  for (const c of ok) {
    it(`parses ${JSON.stringify(c.input)}`, () => {
      assert.equal(formatSeries(parseSeriesNotation(c.input)), c.want);
    });
  }
  const bad = [
    { input: '', want: 'expected a metric name or "{", found end of input at position 0' },
    { input: 'm{a="1",a="2"}', want: 'duplicate label "a" at position 8' },
    { input: 'm{__name__="x"}', want: 'duplicate label "__name__" at position 2' },
    { input: 'm{a="\\t"}', want: 'invalid escape sequence "\\t" at position 5' },
    { input: 'm{a="1"', want: 'expected "," or "}", found end of input at position 7' },
    { input: 'm{a="1}', want: 'unterminated string at position 4' },
    { input: 'm{a=1}', want: 'expected ", found "1" at position 4' },
    { input: 'm{1a="1"}', want: 'expected a label name, found "1" at position 2' },
    { input: 'm{a="1"} b', want: 'unexpected text after the series, found "b" at position 9' },
    { input: 'm{a="1"}x', want: 'unexpected text after the series, found "x" at position 8' },
  ];
  for (const c of bad) {
    it(`rejects ${JSON.stringify(c.input)}`, () => {
      assert.throws(() => parseSeriesNotation(c.input), (e: unknown) => e instanceof NotationError && e.message === c.want);
    });
  }
});

describe('if: series selectors', () => {
  const get = (s: string) => {
    const labels = parseSeriesNotation(s);
    return { get: (n: string) => labels.find((l) => l.name === n)?.value ?? '' };
  };
  const cases = [
    { sel: 'up', series: 'up{a="1"}', want: true },
    { sel: 'up', series: 'down', want: false },
    { sel: '{__name__="up"}', series: 'up', want: true },
    { sel: 'up{a="1"}', series: 'up{a="1"}', want: true },
    { sel: 'up{a!="1"}', series: 'up{a="1"}', want: false },
    { sel: '{a=~"1|2"}', series: 'up{a="2"}', want: true },
    { sel: '{a=~"1"}', series: 'up{a="12"}', want: false },
    { sel: '{a!~"1.*"}', series: 'up{a="12"}', want: false },
    { sel: "{a='x\\'y'}", series: 'up{a="x\'y"}', want: true },
    { sel: '{a=`x\\y`}', series: 'up{a="x\\\\y"}', want: true },
    { sel: '{a="\\u00e9\\x41"}', series: 'up{a="éA"}', want: true },
    { sel: '{x=""}', series: 'up{a="1"}', want: true },
    { sel: '{x=~"a|"}', series: 'up', want: true },
    { sel: '{x!=""}', series: 'up', want: false },
    { sel: '{a="1" or b="2"}', series: 'm{b="2"}', want: true },
    { sel: 'm{a="1" or b="2"}', series: 'n{b="2"}', want: false },
    { sel: '{"my.metric"}', series: '{"my.metric"}', want: true },
    { sel: '{"a.b"="1"}', series: '{"a.b"="1"}', want: true },
    { sel: '{}', series: 'anything', want: true },
  ];
  for (const c of cases) {
    it(`${c.sel} ${c.want ? 'matches' : 'does not match'} ${c.series}`, () => {
      assert.equal(selectorMatches(parseSelector(c.sel), get(c.series)), c.want);
    });
  }
  const bad = [
    { sel: '', want: 'expected a metric name or "{", found end of input at position 0' },
    { sel: 'up{a="1"', want: 'expected ",", "or" or "}", found end of input at position 8' },
    { sel: 'up{a=="1"}', want: 'expected a quoted string, found "=" at position 5' },
    { sel: 'up{} x', want: 'unexpected text after the selector, found "x" at position 5' },
    { sel: 'up{a="\\q"}', want: 'invalid escape sequence "\\q" at position 6' },
    { sel: 'sum(up)', want: 'unexpected text after the selector, found "(" at position 3' },
  ];
  for (const c of bad) {
    it(`rejects ${JSON.stringify(c.sel)}`, () => {
      assert.throws(() => parseSelector(c.sel), (e: unknown) => e instanceof NotationError && e.message === c.want);
    });
  }
});
