import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestError } from '../../../../lib/errors.ts';
import { routes } from '../../../../lib/ingest/csv/route.ts';
import type { IngestRequest } from '../../../../lib/ingest/types.ts';

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
  it('bad lines give a 400 partial answer naming the line', () => {
    const out = route.handle(req('format=1:metric:foo', '1\nx'));
    if (out.kind !== 'series' || out.partial === undefined) return assert.fail('no partial');
    const res = out.partial(out.errors);
    assert.equal(res.status, 400);
    assert.match(res.body as string, /csv: line 2: cannot parse metric value for "foo" from "x": "x"/);
  });
});
