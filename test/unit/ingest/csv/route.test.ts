import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestError } from '../../../../lib/errors.ts';
import { DEFAULT_LIMITS } from '../../../../lib/config/schema.ts';
import { createRoutes, csvRoutes } from '../../../../lib/ingest/csv/route.ts';
import type { IngestRequest } from '../../../../lib/ingest/types.ts';

const routes = createRoutes({ limits: DEFAULT_LIMITS });

const req = (query: string, body: string): IngestRequest => ({
  method: 'POST', path: '/api/v1/import/csv', params: {}, query: new URLSearchParams(query), headers: {},
  body: new TextEncoder().encode(body), now: 1_700_000_000_000,
});

describe('csv route', () => {
  const route = routes[0]!;
  it('serves POST /api/v1/import/csv, reads ?format and answers 204', () => {
    assert.deepEqual(route.paths, ['/api/v1/import/csv']);
    assert.deepEqual(route.methods, ['POST']);
    const out = route.handle(req('format=1:metric:foo,2:label:host,3:time:unix_s', '1,web,1700000000'));
    if (out.kind !== 'series') return assert.fail('not series');
    assert.deepEqual(out.series, [{ labels: [{ name: '__name__', value: 'foo' }, { name: 'host', value: 'web' }], samples: [{ value: 1, timestamp: 1_700_000_000_000 }] }]);
    assert.deepEqual(out.success, { status: 204 });
  });
  it('a bad format is a 400 naming the entry', () => {
    assert.throws(() => route.handle(req('format=1:metric:foo,2:host', '1')), (e: unknown) => e instanceof BadRequestError && /entry #2 "2:host"/.test(e.message));
  });
  it('a missing format is a 400', () => {
    assert.throws(() => route.handle(req('', '1')), (e: unknown) => e instanceof BadRequestError && /missing `format` query arg/.test(e.message));
  });
  it('bad lines beside good ones: 204 with the count; only bad lines: 400 naming the line', () => {
    const out = route.handle(req('format=1:metric:foo', '1\nx'));
    if (out.kind !== 'series' || out.partial === undefined) return assert.fail('no partial');
    assert.deepEqual(out.partial({ errors: out.errors }), { status: 204, headers: { 'x-gateway-rejected-lines': '1' } });
    const bad = route.handle(req('format=1:metric:foo', 'x\ny\nz'));
    if (bad.kind !== 'series' || bad.partial === undefined) return assert.fail('no partial');
    const res = bad.partial({ errors: bad.errors });
    assert.equal(res.status, 400);
    assert.match(res.body as string, /^csv: 2 invalid lines; nothing was accepted\ncsv: line 2: cannot parse metric value for "foo" from "y": "y"\n/);
  });
  it('max_line_length: a line at the limit is parsed, one past it is rejected naming the limit (not taken for a header)', () => {
    const at = csvRoutes(5)[0]!.handle(req('format=1:metric:foo', '12345'));
    if (at.kind !== 'series') return assert.fail('not series');
    assert.deepEqual([at.series.length, at.errors], [1, []]);
    const past = csvRoutes(5)[0]!.handle(req('format=1:metric:foo', '123456\n7'));
    if (past.kind !== 'series') return assert.fail('not series');
    assert.equal(past.series.length, 1);
    assert.deepEqual(past.errors.map((e) => [e.line, e.reason]), [[1, 'line of 6 characters exceeds max_line_length=5']]);
  });
});
