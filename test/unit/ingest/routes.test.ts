import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MethodNotAllowedError, NotFoundError } from '../../../lib/errors.ts';
import { DEFAULT_LIMITS } from '../../../lib/config/schema.ts';
import { allRoutes, createRouter, deferredRoutes, loadAllRoutes, type RouteGroup } from '../../../lib/ingest/routes.ts';
import type { IngestRequest, ProtocolRoute } from '../../../lib/ingest/types.ts';

const shape = (r: { protocol: string; paths: readonly string[]; methods: readonly string[]; defaultEncoding?: string }) => ({ protocol: r.protocol, paths: [...r.paths], methods: [...r.methods], defaultEncoding: r.defaultEncoding });

const req = (path: string): IngestRequest => ({ method: 'GET', path, params: {}, query: new URLSearchParams(), headers: {}, body: new Uint8Array(), now: 0 });

describe('route table: shapes known before the protocol code loads', () => {
  it('every stand-in has the address of the route it loads, in order', async () => {
    const loaded = await loadAllRoutes(DEFAULT_LIMITS);
    assert.deepEqual(allRoutes(DEFAULT_LIMITS).map(shape), loaded.map(shape));
  });

  it('a stand-in answers with the loaded route (influx /ping stub)', async () => {
    const router = createRouter(DEFAULT_LIMITS);
    const m = router.match('HEAD', '/influx/ping');
    const out = await m.route.handle(req(m.path));
    assert.equal(out.kind, 'response');
    assert.equal(out.kind === 'response' && out.response.status, 204);
  });

  it('404 and 405 need no protocol code', () => {
    const router = createRouter(DEFAULT_LIMITS);
    assert.throws(() => router.match('GET', '/api/v1/import/csv'), (e) => e instanceof MethodNotAllowedError && e.headers.allow === 'POST');
    assert.throws(() => router.match('POST', '/nope'), (e) => e instanceof NotFoundError);
  });
});

describe('deferredRoutes', () => {
  const route: ProtocolRoute = { protocol: 'p', paths: ['/a'], methods: ['GET'], handle: () => ({ kind: 'response', response: { status: 204 } }) };

  it('loads the group once for any number of requests to its routes', async () => {
    let loads = 0;
    const group: RouteGroup = { shapes: [{ protocol: route.protocol, paths: route.paths, methods: route.methods }], load: async () => (loads++, [route]) };
    const [r] = deferredRoutes(group, DEFAULT_LIMITS, {});
    await Promise.all([r!.handle(req('/a')), r!.handle(req('/a'))]);
    await r!.handle(req('/a'));
    assert.equal(loads, 1);
  });

  it('a failed load fails that request and is tried again by the next', async () => {
    let loads = 0;
    const group: RouteGroup = {
      shapes: [{ protocol: route.protocol, paths: route.paths, methods: route.methods }],
      load: async () => {
        if (loads++ === 0) throw new Error('chunk missing');
        return [route];
      },
    };
    const [r] = deferredRoutes(group, DEFAULT_LIMITS, {});
    await assert.rejects(async () => r!.handle(req('/a')), /chunk missing/);
    const out = await r!.handle(req('/a'));
    assert.equal(out.kind === 'response' && out.response.status, 204);
    assert.equal(loads, 2);
  });
});
