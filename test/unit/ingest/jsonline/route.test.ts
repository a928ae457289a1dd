import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routes } from '../../../../lib/ingest/jsonline/route.ts';
import type { IngestRequest } from '../../../../lib/ingest/types.ts';

const req = (body: string): IngestRequest => ({
  method: 'POST', path: '/api/v1/import', params: {}, query: new URLSearchParams(), headers: {},
  body: new TextEncoder().encode(body), now: 1_700_000_000_000,
});

describe('jsonline route', () => {
  const route = routes[0]!;
  it('serves POST /api/v1/import and answers 204', () => {
    assert.deepEqual(route.paths, ['/api/v1/import']);
    assert.deepEqual(route.methods, ['POST']);
    const out = route.handle(req('{"metric":{"__name__":"a"},"values":[1],"timestamps":[1]}'));
    assert.equal(out.kind, 'series');
    if (out.kind !== 'series') return;
    assert.equal(out.series.length, 1);
    assert.deepEqual(out.success, { status: 204 });
  });
  it('partial answer is a 400 naming protocol, line and reason', () => {
    const out = route.handle(req('{"metric":{"__name__":"a"},"values":[1],"timestamps":[1]}\nbad'));
    assert.equal(out.kind, 'series');
    if (out.kind !== 'series' || out.partial === undefined) return assert.fail('no partial');
    assert.equal(out.errors.length, 1);
    const res = out.partial(out.errors);
    assert.equal(res.status, 400);
    assert.match(res.body as string, /^jsonline: 1 bad line skipped; the other lines were accepted\njsonline: line 2: cannot parse json line: .*"bad"\n$/);
  });
  it('lists exactly 10 errors without a "more" line', () => {
    const out = route.handle(req('x\n'.repeat(10)));
    if (out.kind !== 'series' || out.partial === undefined) return assert.fail('no partial');
    const body = out.partial(out.errors).body as string;
    assert.equal(body.split('\n').filter((l) => l.startsWith('jsonline: line')).length, 10);
    assert.doesNotMatch(body, /more/);
  });
  it('lists at most 10 errors', () => {
    const out = route.handle(req('x\n'.repeat(25)));
    if (out.kind !== 'series' || out.partial === undefined) return assert.fail('no partial');
    const body = out.partial(out.errors).body as string;
    assert.equal(body.split('\n').filter((l) => l.startsWith('jsonline: line')).length, 10);
    assert.match(body, /\.\.\. and 15 more/);
  });
});
