import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ingestHarness } from '../../../helpers/ingest.ts';
import { DATADOG_MAX_JSON_DEPTH, findNestingPast, OTLP_MAX_JSON_DEPTH } from '../../../../lib/ingest/common/json-depth.ts';
import { MAX_JSON_DEPTH } from '../../../../lib/ingest/jsonline/json-scan.ts';

const JSON_CT = { 'content-type': 'application/json' };
const arrays = (n: number, inner = '') => '['.repeat(n) + inner + ']'.repeat(n);
const objects = (n: number, inner = '1') => '{"a":'.repeat(n) + inner + '}'.repeat(n);

describe('findNestingPast', () => {
  const past = (s: string, max: number) => findNestingPast(new TextEncoder().encode(s), max);
  it('counts containers outside strings only, escapes included', () => {
    assert.equal(past('[[1]]', 2), -1);
    assert.equal(past('[[1]]', 1), 1);
    assert.equal(past('["[[[[", "\\"[[[["]', 1), -1);
    assert.equal(past('["\\\\", [[1]]]', 2), 8, 'an escaped backslash does not escape the closing quote');
    assert.equal(past('{"a":{"b":[]}}', 3), -1);
    assert.equal(past('{"a":{"b":[]}}', 2), 10);
    assert.equal(past('["é[[[", "\u00e9"]', 1), -1, 'multi-byte UTF-8 inside strings');
  });
});

/** Issue 12 item 4: every JSON route answers 400 naming the protocol and the limit, never 500. */
describe('JSON nesting limits per route: at the limit accepted by the scanner, one past it 400', () => {
  const table: { name: string; path: string; limit: number; body: (depth: number) => string }[] = [
    // {"series": + depth-1 arrays: the body nests `depth` containers.
    { name: 'datadog v1', path: '/datadog/api/v1/series', limit: DATADOG_MAX_JSON_DEPTH, body: (d) => `{"series":${arrays(d - 1)}}` },
    { name: 'datadog v2', path: '/datadog/api/v2/series', limit: DATADOG_MAX_JSON_DEPTH, body: (d) => `{"series":[${objects(d - 3, '[]')}]}` },
    { name: 'otlp json', path: '/opentelemetry/v1/metrics', limit: OTLP_MAX_JSON_DEPTH, body: (d) => `{"x":${arrays(d - 1)}}` },
    { name: 'opentsdb', path: '/api/put', limit: MAX_JSON_DEPTH, body: (d) => `[{"metric":"m","value":1,"tags":{"t":"v"},"x":${arrays(d - 2)}}]` },
    { name: 'jsonline', path: '/api/v1/import', limit: MAX_JSON_DEPTH, body: (d) => `{"metric":{"__name__":"a"},"values":[1],"timestamps":[1],"x":${arrays(d - 1)}}` },
  ];
  for (const c of table) {
    it(`${c.name}: depth ${c.limit} is not a nesting error, ${c.limit + 1} is a 400 naming it`, async () => {
      const h = ingestHarness();
      const at = await h.call('POST', c.path, c.body(c.limit), JSON_CT);
      assert.ok(at.status < 500, String(at.body));
      assert.doesNotMatch(String(at.body), /nesting deeper/);
      const past = await h.call('POST', c.path, c.body(c.limit + 1), JSON_CT);
      assert.equal(past.status, 400, String(past.body));
      assert.match(String(past.body), new RegExp(`^${c.name.split(' ')[0]}: .*nesting deeper than ${c.limit}`, 's'));
    });
  }
  const hostile: [string, string, string][] = [
    ['datadog v1 `[` x 100,000', '/datadog/api/v1/series', arrays(100_000)],
    ['datadog v2 {"series": + 5,000 `[`', '/datadog/api/v2/series', `{"series":${arrays(5000)}}`],
    ['datadog v2 deep object item', '/datadog/api/v2/series', `{"series":[${objects(10_000)}]}`],
    ['otlp json `[` x 100,000', '/opentelemetry/v1/metrics', arrays(100_000)],
    ['otlp json deep unknown field', '/opentelemetry/v1/metrics', `{"resourceMetrics":[],"x":${objects(10_000)}}`],
    ['opentsdb `[` x 100,000', '/api/put', arrays(100_000)],
    ['jsonline `[` x 100,000', '/api/v1/import', arrays(100_000)],
  ];
  for (const [name, path, body] of hostile) {
    it(`${name}: 400, not 500`, async () => {
      const h = ingestHarness();
      const res = await h.call('POST', path, body, JSON_CT);
      assert.equal(res.status, 400, String(res.body).slice(0, 200));
      assert.match(String(res.body), /nesting deeper than \d+/);
    });
  }
});
