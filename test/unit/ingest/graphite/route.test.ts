import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../../../../lib/config/schema.ts';
import { createRoutes, graphiteRoutes } from '../../../../lib/ingest/graphite/route.ts';
import type { IngestRequest } from '../../../../lib/ingest/types.ts';

const routes = createRoutes({ limits: DEFAULT_LIMITS });

const req = (body: string): IngestRequest => ({
  method: 'POST', path: '/graphite', params: {}, query: new URLSearchParams(), headers: {},
  body: new TextEncoder().encode(body), now: 1_700_000_000_000,
});

describe('graphite route', () => {
  const route = routes[0]!;
  it('serves POST /graphite and answers 204; missing timestamps take the request time', () => {
    assert.deepEqual(route.paths, ['/graphite']);
    assert.deepEqual(route.methods, ['POST']);
    const out = route.handle(req('foo.bar;host=a 1'));
    if (out.kind !== 'series') return assert.fail('not series');
    assert.deepEqual(out.series, [{ labels: [{ name: '__name__', value: 'foo.bar' }, { name: 'host', value: 'a' }], samples: [{ value: 1, timestamp: 1_700_000_000_000 }] }]);
    assert.deepEqual(out.success, { status: 204 });
  });
  it('bad lines beside good ones: 204 with the count; only bad lines: 400 naming the line', () => {
    const out = route.handle(req('a 1\nb x'));
    if (out.kind !== 'series' || out.partial === undefined) return assert.fail('no partial');
    assert.deepEqual(out.partial({ errors: out.errors }), { status: 204, headers: { 'x-gateway-rejected-lines': '1' } });
    const bad = route.handle(req('b x'));
    if (bad.kind !== 'series' || bad.partial === undefined) return assert.fail('no partial');
    const res = bad.partial({ errors: bad.errors });
    assert.equal(res.status, 400);
    assert.match(res.body as string, /graphite: line 1: cannot unmarshal value from "x": "b x"/);
  });
  it('max_line_length: a line at the limit is parsed, one past it is rejected naming the limit', () => {
    const at = graphiteRoutes(5)[0]!.handle(req('a 1 2'));
    if (at.kind !== 'series') return assert.fail('not series');
    assert.deepEqual([at.series.length, at.errors], [1, []]);
    const past = graphiteRoutes(5)[0]!.handle(req('a 1 20\nb 1'));
    if (past.kind !== 'series') return assert.fail('not series');
    assert.equal(past.series.length, 1);
    assert.deepEqual(past.errors.map((e) => [e.line, e.reason]), [[1, 'line of 6 characters exceeds max_line_length=5']]);
  });
});
