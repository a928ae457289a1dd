import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routes } from '../../../../lib/ingest/graphite/route.ts';
import type { IngestRequest } from '../../../../lib/ingest/types.ts';

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
  it('bad lines give a 400 partial answer naming the line', () => {
    const out = route.handle(req('a 1\nb x'));
    if (out.kind !== 'series' || out.partial === undefined) return assert.fail('no partial');
    const res = out.partial(out.errors);
    assert.equal(res.status, 400);
    assert.match(res.body as string, /graphite: line 2: cannot unmarshal value from "x": "b x"/);
  });
});
