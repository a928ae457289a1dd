import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ingestHarness } from '../../../helpers/ingest.ts';
import { describeLineErrors, LineErrorCollector, listLineErrors, MAX_LISTED_LINE_ERRORS } from '../../../../lib/ingest/common/line-errors.ts';
import type { LineError } from '../../../../lib/ingest/types.ts';

const BAD = 5000;
const CSV = '/api/v1/import/csv?format=1:metric:m,2:label:host';
const JSON_CT = { 'content-type': 'application/json' };

describe('LineErrorCollector', () => {
  it('keeps the first MAX_LISTED_LINE_ERRORS, counts every one, and builds only the kept ones', () => {
    const c = new LineErrorCollector();
    let built = 0;
    for (let i = 1; i <= 25; i++) c.add(() => (built++, { line: i, reason: 'r', excerpt: '""' }));
    assert.equal(MAX_LISTED_LINE_ERRORS, 10);
    assert.equal(c.count, 25);
    assert.equal(built, 10);
    assert.deepEqual(c.errors.map((e) => e.line), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(c.result().errorCount, 25);
  });
  it('lists at the cap without a "more" line, one past it with `... and 1 more`', () => {
    const errs = (n: number): LineError[] => Array.from({ length: n }, (_, i) => ({ line: i + 1, reason: 'r', excerpt: '"x"' }));
    assert.equal(listLineErrors(errs(10), 10, (e) => String(e.line)).length, 10);
    assert.deepEqual(listLineErrors(errs(10), 11, (e) => String(e.line)).slice(-1), ['... and 1 more']);
    assert.equal(describeLineErrors('p', errs(10), 'nothing was accepted', 'line', 11).split('\n')[0], 'p: 11 invalid lines; nothing was accepted');
  });
});

/**
 * Issue 12 item 2: every protocol's reply for a body of bad lines lists the first MAX_LISTED_LINE_ERRORS with
 * their numbers and then a count, whatever the body holds; the counter still counts every bad line.
 */
describe('every route caps its error reply at the first 10 lines plus a count', () => {
  const dd1 = (n: number) => JSON.stringify({ series: [{ metric: 'ok', points: [[1700000000, 1]] }, ...Array.from({ length: n }, () => ({ metric: '', points: [[1700000000, 1]] }))] });
  const dd2 = (n: number) => JSON.stringify({ series: [{ metric: 'ok', points: [{ timestamp: 1700000000, value: 1 }] }, ...Array.from({ length: n }, () => ({ metric: '', points: [] }))] });
  const otlp = (n: number) =>
    JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: Array.from({ length: n }, (_, i) => ({ name: `d${i}`, sum: { aggregationTemporality: 1, dataPoints: [{ asInt: '1' }] } })) }] }] });
  const table: { name: string; path: string; body: string; headers?: Record<string, string>; status: number; more: RegExp; counted?: number }[] = [
    { name: 'influx, every line bad', path: '/write', body: 'x\n'.repeat(BAD), status: 400, more: /\.\.\. and 4990 more/ },
    { name: 'influx, partial write', path: '/api/v2/write', body: 'a v=1\n' + 'x\n'.repeat(BAD), status: 400, more: /partial write: .*\.\.\. and 4990 more/s },
    { name: 'jsonline', path: '/api/v1/import', body: 'x\n'.repeat(BAD), status: 400, more: /^jsonline: 5000 invalid lines.*jsonline: \.\.\. and 4990 more\n$/s },
    { name: 'csv', path: CSV, body: 'h,h\n' + 'x,h\n'.repeat(BAD), status: 400, more: /csv: \.\.\. and 4990 more/ },
    { name: 'graphite', path: '/graphite', body: 'x\n'.repeat(BAD), status: 400, more: /graphite: \.\.\. and 4990 more/ },
    { name: 'prometheus', path: '/api/v1/import/prometheus', body: 'a x\n'.repeat(BAD), status: 400, more: /prometheus: \.\.\. and 4990 more/ },
    { name: 'pushgateway text', path: '/metrics/job/j', body: 'a x\n'.repeat(BAD), status: 400, more: /pushgateway: \.\.\. and 4990 more/, counted: 0 },
    { name: 'opentsdb', path: '/api/put', body: JSON.stringify(Array.from({ length: BAD }, () => ({ metric: '', value: 1 }))), status: 400, more: /\.\.\. and 4990 more/ },
    { name: 'opentsdb ?details', path: '/api/put?details', body: JSON.stringify(Array.from({ length: BAD }, () => ({ metric: '', value: 1 }))), status: 400, more: /"failed":5000/ },
    { name: 'datadog v1', path: '/datadog/api/v1/series', body: dd1(BAD), headers: JSON_CT, status: 202, more: /"and 4990 more"/ },
    { name: 'datadog v2', path: '/datadog/api/v2/series', body: dd2(BAD), headers: JSON_CT, status: 202, more: /"and 4990 more"/ },
    { name: 'otlp json', path: '/opentelemetry/v1/metrics', body: otlp(BAD), headers: JSON_CT, status: 200, more: /"rejectedDataPoints":"5000"/ },
  ];
  for (const c of table) {
    it(`${c.name}: ${c.status}, a reply under 4 KiB, every bad line counted`, async () => {
      const h = ingestHarness();
      const res = await h.call('POST', c.path, c.body, c.headers ?? {});
      const body = String(res.body);
      assert.equal(res.status, c.status, body.slice(0, 300));
      assert.ok(body.length < 4096, `${body.length} bytes`);
      assert.match(body, c.more);
      if (c.name === 'opentsdb ?details') assert.equal(JSON.parse(body).errors.length, 10);
      const protocol = c.path.startsWith('/datadog') ? 'datadog' : c.path.startsWith('/opentelemetry') ? 'otlp' : undefined;
      if (c.counted !== 0 && c.status !== 400) assert.equal(h.metrics.get('ingest_rejected_lines_total', protocol ? { protocol } : {}), BAD);
      if (c.counted !== 0 && c.status === 400) assert.equal(h.metrics.get('ingest_rejected_lines_total'), BAD);
    });
  }
  it('series the pipeline refuses after parsing (repeated label names) follow the same cap and count', async () => {
    const h = ingestHarness();
    const body = 'ok v=1\n' + Array.from({ length: BAD }, (_, i) => `m${i},t=1,t=2 v=1`).join('\n');
    const res = await h.call('POST', '/write', body);
    const text = String(res.body);
    assert.equal(res.status, 400);
    assert.ok(text.length < 4096, `${text.length} bytes`);
    assert.match(text, /partial write: .*\.\.\. and 4990 more/s);
    assert.equal(h.metrics.get('ingest_rejected_lines_total', { protocol: 'influx' }), BAD);
  });
  it('jsonline with one good line: 204 and x-gateway-rejected-lines counts every bad line', async () => {
    const h = ingestHarness();
    const res = await h.call('POST', '/api/v1/import', '{"metric":{"__name__":"a"},"values":[1],"timestamps":[1]}\n' + 'x\n'.repeat(BAD));
    assert.equal(res.status, 204);
    assert.equal(res.headers['x-gateway-rejected-lines'], String(BAD));
  });
});
