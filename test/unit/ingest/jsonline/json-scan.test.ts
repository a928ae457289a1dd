import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonSyntaxError, parseJson } from '../../../../lib/ingest/jsonline/json-scan.ts';
import { JsonNumber, stringifyJsonValue, toPlainJson } from '../../../../lib/ingest/jsonline/json-value.ts';

describe('json-scan: fastjson leniencies', () => {
  const cases: Array<{ name: string; input: string; want: unknown }> = [
    { name: 'standard escapes', input: '"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t"', want: 'a"b\\c/d\b\f\n\r\t' },
    { name: 'unicode escapes and surrogate pairs', input: '"\\u00e9\\ud83d\\ude00"', want: 'é😀' },
    { name: 'unknown escape kept verbatim', input: '"a\\qb"', want: 'a\\qb' },
    { name: 'bad unicode escape kept verbatim', input: '"\\u12x4"', want: '\\u12x4' },
    { name: 'raw control characters accepted in strings', input: '"a\tb"', want: 'a\tb' },
    { name: 'bare NaN / Inf tokens', input: '[NaN,nan,-Inf,+inf,INF]', want: ['NaN', 'nan', '-Inf', '+inf', 'INF'] },
    { name: 'number token is any run of number characters', input: '[1-2,e5,+.]', want: ['1-2', 'e5', '+.'] },
    { name: 'first duplicate key wins', input: '{"a":1,"a":2}', want: { a: '1' } },
    { name: 'whitespace everywhere', input: ' \t\r\n{ "a" : [ 1 , 2 ] } \n', want: { a: ['1', '2'] } },
  ];
  const raw = (v: unknown): unknown => {
    if (v instanceof JsonNumber) return v.raw;
    if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, raw(x)]));
    if (Array.isArray(v)) return v.map(raw);
    return v;
  };
  for (const c of cases) it(c.name, () => assert.deepEqual(raw(parseJson(c.input)), c.want));

  const bad: Array<{ input: string; want: string }> = [
    { input: '', want: 'missing value at offset 0' },
    { input: '[1,]', want: 'unexpected character "]" at offset 3' },
    { input: '{"a" 1}', want: 'expected : after object key at offset 5' },
    { input: '{1:2}', want: 'expected string key in object at offset 1' },
    { input: 'tru', want: 'unexpected value; expected true at offset 0' },
    { input: 'nul', want: 'unexpected character "n" at offset 0' },
    { input: '"abc', want: 'missing closing quote of string at offset 0' },
    { input: '"a\\', want: 'missing closing quote of string at offset 0' },
    { input: '[1 2]', want: 'expected , or ] in array at offset 3' },
    { input: '1 2', want: 'unexpected tail after JSON value at offset 2' },
    { input: 'Infinity', want: 'unexpected tail after JSON value at offset 3' },
  ];
  for (const c of bad) {
    it(`rejects ${JSON.stringify(c.input)}`, () => {
      assert.throws(() => parseJson(c.input), (e: unknown) => e instanceof JsonSyntaxError && e.message === c.want);
    });
  }
  it('nesting: 300 containers deep is accepted, 301 is refused', () => {
    assert.doesNotThrow(() => parseJson('['.repeat(300) + ']'.repeat(300)));
    assert.doesNotThrow(() => parseJson('{"a":'.repeat(299) + '[1]' + '}'.repeat(299)));
    assert.throws(() => parseJson('['.repeat(301) + ']'.repeat(301)), (e: unknown) => e instanceof JsonSyntaxError && e.message === 'nesting deeper than 300 at offset 300');
  });
  it('toPlainJson and stringifyJsonValue keep what was sent', () => {
    const v = parseJson('{"a":[1.50,NaN,"x",null,true],"__proto__":{"b":1}}');
    assert.equal(stringifyJsonValue(v), '{"a":[1.50,NaN,"x",null,true],"__proto__":{"b":1}}');
    const p = toPlainJson(v) as Record<string, unknown>;
    assert.deepEqual(p.a, [1.5, 'NaN', 'x', null, true]);
    assert.deepEqual(Object.getOwnPropertyDescriptor(p, '__proto__')?.value, { b: 1 });
  });
});
