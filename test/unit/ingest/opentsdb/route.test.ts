import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routes } from '../../../../lib/ingest/opentsdb/route.ts';
import type { IngestRequest, RouteOutcome } from '../../../../lib/ingest/types.ts';

const req = (query: string, body: string): IngestRequest => ({
  method: 'POST', path: '/api/put', params: {}, query: new URLSearchParams(query), headers: {},
  body: new TextEncoder().encode(body), now: 1_700_000_000_000,
});
const route = routes[0]!;
const handle = (query: string, body: string): Extract<RouteOutcome, { kind: 'series' }> => {
  const out = route.handle(req(query, body));
  assert.equal(out.kind, 'series');
  return out as Extract<RouteOutcome, { kind: 'series' }>;
};
const GOOD = '[{"metric":"sys.cpu","timestamp":1356998400,"value":18,"tags":{"host":"web01"}},{"metric":"sys.cpu","timestamp":1356998401,"value":"19","tags":{"host":"web01"}}]';
const MIXED = '[{"metric":"sys.cpu","timestamp":1356998400,"value":18,"tags":{"host":"web01"}},{"metric":"sys.cpu.idle","timestamp":1356998400,"value":"x","tags":{"host":"web01"}}]';

describe('opentsdb route: OpenTSDB /api/put responses', () => {
  it('serves POST /api/put', () => {
    assert.deepEqual(route.paths, ['/api/put']);
    assert.deepEqual(route.methods, ['POST']);
  });
  it('all stored: 204 without body', () => {
    const out = handle('', GOOD);
    assert.equal(out.series.length, 1);
    assert.deepEqual(out.success, { status: 204 });
  });
  it('all stored with ?summary: 200 {"success":N,"failed":0}', () => {
    const out = handle('summary', GOOD);
    assert.equal(out.success.status, 200);
    assert.deepEqual(JSON.parse(out.success.body as string), { success: 2, failed: 0 });
  });
  it('all stored with ?details: 200 with an empty errors list', () => {
    const out = handle('details', GOOD);
    assert.equal(out.success.status, 200);
    assert.deepEqual(JSON.parse(out.success.body as string), { success: 2, failed: 0, errors: [] });
  });
  it('some failed with ?details: 400 with the datapoint as sent and the reason', () => {
    const out = handle('details', MIXED);
    const res = out.partial!({ errors: out.errors });
    assert.equal(res.status, 400);
    assert.equal(res.headers!['content-type'], 'application/json; charset=UTF-8');
    assert.deepEqual(JSON.parse(res.body as string), {
      success: 1,
      failed: 1,
      errors: [{ datapoint: { metric: 'sys.cpu.idle', timestamp: 1356998400, value: 'x', tags: { host: 'web01' } }, error: 'invalid `value`: invalid float64 value: "x"' }],
    });
  });
  it('details wins over summary', () => {
    const out = handle('summary&details', MIXED);
    assert.ok('errors' in JSON.parse(out.partial!({ errors: out.errors }).body as string));
  });
  it('some failed with ?summary: 400 with counts', () => {
    const out = handle('summary', MIXED);
    const res = out.partial!({ errors: out.errors });
    assert.equal(res.status, 400);
    assert.deepEqual(JSON.parse(res.body as string), { success: 1, failed: 1 });
  });
  it('some failed without flags: 400 with OpenTSDB error shape naming the item', () => {
    const out = handle('', MIXED);
    const res = out.partial!({ errors: out.errors });
    assert.equal(res.status, 400);
    const body = JSON.parse(res.body as string);
    assert.equal(body.error.code, 400);
    assert.equal(body.error.message, 'One or more data points had errors');
    assert.match(body.error.details, /^opentsdb: item 2: invalid `value`: invalid float64 value: "x"/);
  });
  it('failures added after parsing (label validation) count against success', () => {
    const out = handle('summary', GOOD);
    const res = out.partial!({ errors: [{ line: 1, reason: 'bad label', excerpt: '"x"' }] });
    assert.deepEqual(JSON.parse(res.body as string), { success: 1, failed: 1 });
  });
});
