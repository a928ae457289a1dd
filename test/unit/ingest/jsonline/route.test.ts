import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../../../../lib/config/schema.ts';
import { createRoutes, jsonlineRoutes } from '../../../../lib/ingest/jsonline/route.ts';
import type { IngestRequest } from '../../../../lib/ingest/types.ts';

const routes = createRoutes({ limits: DEFAULT_LIMITS });

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
  it('partial write: good lines accepted, 204 with the count of rejected lines (vmctl retries anything else)', () => {
    const out = route.handle(req('{"metric":{"__name__":"a"},"values":[1],"timestamps":[1]}\nbad'));
    assert.equal(out.kind, 'series');
    if (out.kind !== 'series' || out.partial === undefined) return assert.fail('no partial');
    assert.equal(out.errors.length, 1);
    assert.deepEqual(out.partial({ errors: out.errors }), { status: 204, headers: { 'x-gateway-rejected-lines': '1' } });
  });
  it('nothing accepted: 400 naming protocol, line and reason', () => {
    const out = route.handle(req('bad'));
    if (out.kind !== 'series' || out.partial === undefined) return assert.fail('no partial');
    const res = out.partial({ errors: out.errors });
    assert.equal(res.status, 400);
    assert.match(res.body as string, /^jsonline: 1 invalid line; nothing was accepted\njsonline: line 1: cannot parse json line: .*"bad"\n$/);
  });
  it('max_line_length: a line at the limit is parsed, one past it is rejected naming the limit', () => {
    const line = '{"metric":{"__name__":"a"},"values":[1],"timestamps":[1]}';
    const at = jsonlineRoutes(line.length)[0]!.handle(req(line));
    if (at.kind !== 'series') return assert.fail('not series');
    assert.deepEqual(at.errors, []);
    const past = jsonlineRoutes(line.length - 1)[0]!.handle(req(line));
    if (past.kind !== 'series') return assert.fail('not series');
    assert.equal(past.series.length, 0);
    assert.equal(past.errors[0]!.reason, `line of ${line.length} characters exceeds max_line_length=${line.length - 1}`);
  });
  it('lists exactly 10 errors without a "more" line', () => {
    const out = route.handle(req('x\n'.repeat(10)));
    if (out.kind !== 'series' || out.partial === undefined) return assert.fail('no partial');
    const body = out.partial({ errors: out.errors }).body as string;
    assert.equal(body.split('\n').filter((l) => l.startsWith('jsonline: line')).length, 10);
    assert.doesNotMatch(body, /more/);
  });
  it('lists at most 10 errors', () => {
    const out = route.handle(req('x\n'.repeat(25)));
    if (out.kind !== 'series' || out.partial === undefined) return assert.fail('no partial');
    assert.equal(out.errors.length, 10, 'the parser keeps only the listed errors');
    assert.equal(out.errorCount, 25);
    const body = out.partial({ errors: out.errors, errorCount: out.errorCount }).body as string;
    assert.equal(body.split('\n').filter((l) => l.startsWith('jsonline: line')).length, 10);
    assert.match(body, /\.\.\. and 15 more/);
  });
});
