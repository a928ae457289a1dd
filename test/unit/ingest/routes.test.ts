import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MethodNotAllowedError, NotFoundError } from '../../../lib/errors.ts';
import { DEFAULT_LIMITS } from '../../../lib/config/schema.ts';
import type { Protocol } from '../../../lib/ingest/protocol.ts';
import { renderRouteTable } from '../../../lib/ingest/route-table.ts';
import { createRouter, deferredRoutes, PROTOCOLS, protocolOptions } from '../../../lib/ingest/routes.ts';
import type { IngestRequest, ProtocolRoute } from '../../../lib/ingest/types.ts';

const INGEST = path.resolve(import.meta.dirname, '../../../lib/ingest');

const req = (path: string, method = 'GET'): IngestRequest => ({ method, path, params: {}, query: new URLSearchParams(), headers: {}, body: new Uint8Array(), now: 0 });

/** A request path that a route pattern matches (a `/*` prefix gets a grouping-key tail). */
const concrete = (p: string): string => (p.endsWith('/*') ? p.slice(0, -1) + 'some_job' : p);

describe('lib/ingest/protocols.ts is the one list of protocols', () => {
  it('every protocol folder (a folder of lib/ingest with an index.ts) is in the list, and only those', async () => {
    const folders = readdirSync(INGEST, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(path.join(INGEST, d.name, 'index.ts')));
    assert.ok(folders.length >= 10);
    const listed = new Set<Protocol>(PROTOCOLS);
    for (const d of folders) {
      const mod = (await import(path.join(INGEST, d.name, 'index.ts'))) as Record<string, unknown>;
      const exported = Object.values(mod);
      assert.equal(exported.length, 1, `${d.name}/index.ts exports one protocol`);
      assert.ok(listed.has(exported[0] as Protocol), `${d.name}/index.ts is listed in lib/ingest/protocols.ts`);
    }
    assert.equal(PROTOCOLS.length, folders.length);
  });

  it('a folder with route code has an index.ts (no protocol outside the list)', () => {
    for (const d of readdirSync(INGEST, { withFileTypes: true })) {
      if (d.isDirectory() && existsSync(path.join(INGEST, d.name, 'route.ts'))) assert.ok(existsSync(path.join(INGEST, d.name, 'index.ts')), d.name);
    }
  });

  it('names are unique and no path and method belong to two routes', () => {
    assert.equal(new Set(PROTOCOLS.map((p) => p.name)).size, PROTOCOLS.length);
    const seen = new Map<string, string>();
    for (const p of PROTOCOLS) {
      for (const spec of Object.values(p.routes)) {
        for (const route of spec.paths) {
          for (const m of spec.methods) {
            const key = `${m} ${route}`;
            assert.equal(seen.get(key), undefined, `${key} is served by ${seen.get(key)} and ${p.name}`);
            seen.set(key, p.name);
          }
        }
      }
    }
  });

  it('every declared route is served by its protocol code, in the declared order, with the declared address', async () => {
    for (const p of PROTOCOLS) {
      const code = await p.load();
      const loaded = code.createRoutes({ limits: DEFAULT_LIMITS });
      const specs = Object.values(p.routes);
      assert.equal(loaded.length, specs.length, p.name);
      specs.forEach((spec, i) => {
        assert.deepEqual({ protocol: loaded[i]!.protocol, paths: [...loaded[i]!.paths], methods: [...loaded[i]!.methods], defaultEncoding: loaded[i]!.defaultEncoding }, { protocol: p.name, paths: [...spec.paths], methods: [...spec.methods], defaultEncoding: spec.defaultEncoding }, p.name);
      });
    }
  });

  it('the router matches every declared path and method to its protocol', () => {
    const router = createRouter(DEFAULT_LIMITS);
    for (const p of PROTOCOLS) {
      for (const spec of Object.values(p.routes)) {
        for (const route of spec.paths) for (const m of spec.methods) assert.equal(router.match(m, concrete(route)).route.protocol, p.name, `${m} ${route}`);
      }
    }
  });

  it('docs/formats.md lists every route of the list (regenerate: renderRouteTable(PROTOCOLS))', () => {
    const doc = readFileSync(path.resolve(INGEST, '../../docs/formats.md'), 'utf8');
    const m = /<!-- routes:begin -->\n([\s\S]*?)\n<!-- routes:end -->/.exec(doc);
    assert.ok(m, 'docs/formats.md has the routes markers');
    assert.equal(m[1], renderRouteTable(PROTOCOLS));
  });

  it('protocolOptions takes the sections named by optionsKey and nothing else', () => {
    const keyed = PROTOCOLS.filter((p) => p.optionsKey !== undefined).map((p) => p.optionsKey!);
    assert.deepEqual(keyed.sort(), ['datadog', 'otlp', 'pushgateway']);
    const config = { otlp: { a: 1 }, datadog: { b: 2 }, ingest: DEFAULT_LIMITS, scrape: [] };
    assert.deepEqual(protocolOptions(config), { otlp: { a: 1 }, datadog: { b: 2 } });
  });

  it('a protocol gets its own section: a bad otlp section fails the otlp route, not the others', async () => {
    const router = createRouter(DEFAULT_LIMITS, { otlp: { translationStrategy: 'Nope' } });
    const otlp = router.match('POST', '/opentelemetry/v1/metrics');
    await assert.rejects(async () => otlp.route.handle(req(otlp.path, 'POST')), /translation/i);
    const ping = router.match('GET', '/ping');
    assert.equal((await ping.route.handle(req(ping.path))).kind, 'response');
  });
});

describe('route table: shapes known before the protocol code loads', () => {
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
    const p: Protocol = { name: route.protocol, routes: { a: { paths: route.paths, methods: route.methods } }, load: async () => (loads++, { createRoutes: () => [route] }) };
    const [r] = deferredRoutes(p, DEFAULT_LIMITS, {});
    await Promise.all([r!.handle(req('/a')), r!.handle(req('/a'))]);
    await r!.handle(req('/a'));
    assert.equal(loads, 1);
  });

  it('a failed load fails that request and is tried again by the next', async () => {
    let loads = 0;
    const p: Protocol = {
      name: route.protocol,
      routes: { a: { paths: route.paths, methods: route.methods } },
      load: async () => {
        if (loads++ === 0) throw new Error('chunk missing');
        return { createRoutes: () => [route] };
      },
    };
    const [r] = deferredRoutes(p, DEFAULT_LIMITS, {});
    await assert.rejects(async () => r!.handle(req('/a')), /chunk missing/);
    const out = await r!.handle(req('/a'));
    assert.equal(out.kind === 'response' && out.response.status, 204);
    assert.equal(loads, 2);
  });
});
