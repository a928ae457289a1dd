import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { NodeHttpClient } from '../../../../lib/adapters/http/node-http-client.ts';
import { LocalSecretStore } from '../../../../lib/adapters/secrets/local-secret-store.ts';
import { DiscoveryCache, discoverJob } from '../../../../lib/scrape/discovery/index.ts';
import { fileDeps } from './helpers.ts';

interface Reply {
  status?: number;
  type?: string;
  body: string;
}

/** A real HTTP SD endpoint on 127.0.0.1: answers what `reply` says and records each request's headers. */
describe('http_sd_configs against a real HTTP server', () => {
  let server: http.Server;
  let base: string;
  let reply: Reply = { body: '[]' };
  const seen: http.IncomingHttpHeaders[] = [];
  const client = new NodeHttpClient();

  before(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(reply.status ?? 200, { 'content-type': reply.type ?? 'application/json' });
      res.end(reply.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    client.close();
    await new Promise((r) => server.close(r));
  });

  const deps = (over = {}) => fileDeps({ http: client, secrets: new LocalSecretStore({ SD_PASS: 'p@ss', SD_TOKEN: 'tok123' }), ...over });

  it('reads the Prometheus HTTP SD format, adding __meta_url and a source per group', async () => {
    reply = { body: JSON.stringify([{ targets: ['10.0.0.1:9100', '10.0.0.2:9100'], labels: { __meta_datacenter: 'lon', job: 'node' } }, { targets: ['10.0.0.3:9100'] }]) };
    const url = `${base}/sd?x=1`;
    const { groups, failures } = await discoverJob('j', { http_sd_configs: [{ url }] }, deps());
    assert.deepEqual(failures, []);
    assert.deepEqual(groups, [
      { source: `http_sd_configs[0]:${url}:0`, targets: [{ __address__: '10.0.0.1:9100' }, { __address__: '10.0.0.2:9100' }], labels: { __meta_datacenter: 'lon', job: 'node', __meta_url: url } },
      { source: `http_sd_configs[0]:${url}:1`, targets: [{ __address__: '10.0.0.3:9100' }], labels: { __meta_url: url } },
    ]);
  });

  it('sends Accept: application/json and X-Prometheus-Refresh-Interval-Seconds, no Authorization without auth', async () => {
    reply = { body: '[]' };
    seen.length = 0;
    await discoverJob('j', { http_sd_configs: [{ url: `${base}/a`, refresh_interval: '90s' }, { url: `${base}/b` }] }, deps());
    assert.equal(seen.length, 2);
    const byRefresh = seen.map((h) => h['x-prometheus-refresh-interval-seconds']).sort();
    assert.deepEqual(byRefresh, ['60', '90']);
    for (const h of seen) {
      assert.equal(h.accept, 'application/json');
      assert.equal(h.authorization, undefined);
    }
  });

  const auth: { name: string; config: Record<string, unknown>; want: string }[] = [
    { name: 'basic auth with password_ref', config: { basic_auth: { username: 'sd', password_ref: 'env:SD_PASS' } }, want: `Basic ${Buffer.from('sd:p@ss').toString('base64')}` },
    { name: 'bearer with credentials_ref', config: { authorization: { credentials_ref: 'env:SD_TOKEN' } }, want: 'Bearer tok123' },
    { name: 'a custom scheme', config: { authorization: { type: 'Token', credentials_ref: 'env:SD_TOKEN' } }, want: 'Token tok123' },
  ];
  for (const t of auth) {
    it(`authenticates with ${t.name}`, async () => {
      reply = { body: '[]' };
      seen.length = 0;
      const { failures } = await discoverJob('j', { http_sd_configs: [{ url: `${base}/x`, ...t.config }] }, deps());
      assert.deepEqual(failures, []);
      assert.equal(seen[0]!.authorization, t.want);
    });
  }

  it('reads *_file secrets through the secret store', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const dir = mkdtempSync('/tmp/http-sd-');
    try {
      writeFileSync(`${dir}/token`, 'from-file\n');
      seen.length = 0;
      await discoverJob('j', { http_sd_configs: [{ url: `${base}/x`, authorization: { credentials_file: `${dir}/token` } }] }, deps());
      assert.equal(seen[0]!.authorization, 'Bearer from-file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unresolvable secret fails the refresh without sending the request or quoting a value', async () => {
    seen.length = 0;
    const { groups, failures } = await discoverJob('j', { http_sd_configs: [{ url: `${base}/x`, authorization: { credentials_ref: 'env:MISSING' } }] }, deps());
    assert.deepEqual(groups, []);
    assert.equal(seen.length, 0);
    assert.equal(failures[0]!.message, 'http_sd_configs[0]: secret env:MISSING: environment variable is not set');
  });

  const failing: { name: string; reply: Reply; want: string }[] = [
    { name: 'a 404', reply: { status: 404, body: 'nope' }, want: 'server returned HTTP status 404' },
    { name: 'a 204 (only 200 is accepted)', reply: { status: 204, body: '' }, want: 'server returned HTTP status 204' },
    { name: 'a 500', reply: { status: 500, body: '[]' }, want: 'server returned HTTP status 500' },
    { name: 'text/plain', reply: { type: 'text/plain', body: '[]' }, want: 'unsupported content type "text/plain"' },
    { name: 'a latin-1 charset', reply: { type: 'application/json; charset=latin1', body: '[]' }, want: 'unsupported content type "application/json; charset=latin1"' },
    { name: 'invalid JSON', reply: { body: '[{"targets":' }, want: 'response: invalid JSON: ' },
    { name: 'an object instead of a list', reply: { body: '{"targets":[]}' }, want: 'response: expected a list of target groups, got a mapping' },
    { name: 'a null item', reply: { body: '[null]' }, want: 'response: group 0: nil target group item found' },
    { name: 'a bad label name', reply: { body: '[{"labels":{"0a":"x"}}]' }, want: 'response: group 0: "0a" is not a valid label name' },
  ];
  for (const t of failing) {
    it(`fails the refresh on ${t.name}; a cold start has no targets, a warm one keeps the last good groups`, async () => {
      const cache = new DiscoveryCache();
      const d = deps({ cache });
      const job = { http_sd_configs: [{ url: `${base}/sd` }] };
      reply = { body: '[{"targets":["good:1"]}]' };
      assert.deepEqual((await discoverJob('j', job, d)).failures, []);
      reply = t.reply;
      d.clock.t += 60_000;
      const warm = await discoverJob('j', job, d);
      assert.deepEqual(warm.groups.map((g) => g.targets), [[{ __address__: 'good:1' }]]);
      assert.equal(warm.failures.length, 1);
      assert.ok(warm.failures[0]!.message.startsWith(`http_sd_configs[0]: ${t.want}`), warm.failures[0]!.message);
      assert.equal(warm.failures[0]!.usedLastGood, true);
      const cold = await discoverJob('j', job, deps({ cache: new DiscoveryCache() }));
      assert.deepEqual(cold.groups, []);
      assert.equal(cold.failures[0]!.usedLastGood, false);
    });
  }

  it('accepts the content types Prometheus accepts', async () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset="utf-8"']) {
      reply = { type, body: '[{"targets":["a:1"]}]' };
      const r = await discoverJob('j', { http_sd_configs: [{ url: `${base}/ct` }] }, deps());
      assert.deepEqual(r.failures, [], type);
    }
  });

  it('follows redirects as Prometheus (Go) does, dropping Authorization when the host changes, at most 10', async () => {
    const hops: { url: string; auth: string | undefined }[] = [];
    const redirector = http.createServer((req, res) => {
      hops.push({ url: req.url!, auth: req.headers.authorization });
      const n = Number(req.url!.slice(1));
      if (req.url === '/loop') return res.writeHead(302, { location: '/loop' }).end();
      if (n === 1) return res.writeHead(301, { location: '/2' }).end();
      if (n === 2) return res.writeHead(307, { location: `${base}/final` }).end();
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    try {
      const from = `http://localhost:${(redirector.address() as AddressInfo).port}`;
      reply = { body: '[{"targets":["r:1"]}]' };
      seen.length = 0;
      const r = await discoverJob('j', { http_sd_configs: [{ url: `${from}/1`, authorization: { credentials_ref: 'env:SD_TOKEN' } }] }, deps());
      assert.deepEqual(r.failures, []);
      assert.deepEqual(r.groups[0]!.labels, { __meta_url: `${from}/1` });
      assert.deepEqual(hops, [{ url: '/1', auth: 'Bearer tok123' }, { url: '/2', auth: 'Bearer tok123' }]);
      assert.equal(seen[0]!.authorization, undefined);
      hops.length = 0;
      const loop = await discoverJob('j', { http_sd_configs: [{ url: `${from}/loop` }] }, deps());
      assert.equal(loop.failures[0]!.message, 'http_sd_configs[0]: stopped after 10 redirects');
      // Go: the first request and 10 redirects, then "stopped after 10 redirects".
      assert.equal(hops.length, 11);
    } finally {
      await new Promise((r) => redirector.close(r));
    }
  });

  it('an unreachable server is a failure', async () => {
    const r = await discoverJob('j', { http_sd_configs: [{ url: 'http://127.0.0.1:9/sd' }] }, deps());
    assert.equal(r.failures.length, 1);
    assert.match(r.failures[0]!.message, /^http_sd_configs\[0\]: .*ECONNREFUSED/);
  });

  it('asks again only after refresh_interval; after a failure it asks again on the next call', async () => {
    const d = deps({ cache: new DiscoveryCache() });
    const job = { http_sd_configs: [{ url: `${base}/r`, refresh_interval: '30s' }] };
    reply = { body: '[{"targets":["a:1"]}]' };
    seen.length = 0;
    await discoverJob('j', job, d);
    d.clock.t += 29_999;
    await discoverJob('j', job, d);
    assert.equal(seen.length, 1);
    d.clock.t += 1;
    reply = { status: 503, body: '' };
    await discoverJob('j', job, d);
    assert.equal(seen.length, 2);
    reply = { body: '[{"targets":["b:1"]}]' };
    d.clock.t += 1;
    const r = await discoverJob('j', job, d);
    assert.equal(seen.length, 3);
    assert.deepEqual(r.groups[0]!.targets, [{ __address__: 'b:1' }]);
  });

  it('takes a response of exactly 16 MiB and refuses one byte more', async () => {
    const { MAX_HTTP_SD_RESPONSE_BYTES } = await import('../../../../lib/scrape/discovery/http.ts');
    const body = (n: number): string => {
      const shell = '[{"targets":["' + '"]}]';
      return '[{"targets":["' + 'a'.repeat(n - shell.length) + '"]}]';
    };
    reply = { body: body(MAX_HTTP_SD_RESPONSE_BYTES) };
    const at = await discoverJob('j', { http_sd_configs: [{ url: `${base}/big` }] }, deps());
    assert.deepEqual(at.failures, []);
    assert.equal(at.groups[0]!.targets[0]!.__address__!.length, MAX_HTTP_SD_RESPONSE_BYTES - 18);
    reply = { body: body(MAX_HTTP_SD_RESPONSE_BYTES + 1) };
    const past = await discoverJob('j', { http_sd_configs: [{ url: `${base}/big` }] }, deps());
    assert.equal(past.failures[0]!.message, `http_sd_configs[0]: response larger than ${MAX_HTTP_SD_RESPONSE_BYTES} bytes`);
  });

  it('gives up after the refresh interval (at most 30s) when the server does not answer', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/sd`;
      const r = await discoverJob('j', { http_sd_configs: [{ url, refresh_interval: '1s' }] }, deps());
      assert.equal(r.failures[0]!.message, 'http_sd_configs[0]: timeout after 1000ms');
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });

  it('logs and counts failures', async () => {
    const { MemoryLogger } = await import('../../../helpers/fakes.ts');
    const { CounterRegistry } = await import('../../../../lib/adapters/system.ts');
    const logger = new MemoryLogger();
    const metrics = new CounterRegistry();
    reply = { status: 500, body: '' };
    await discoverJob('nodes', { http_sd_configs: [{ url: `${base}/m` }] }, deps({ logger, metrics }));
    assert.equal(metrics.get('sd_refresh_failures_total', { job: 'nodes', mechanism: 'http_sd_configs' }), 1);
    assert.equal(metrics.get('sd_refreshes_total', { job: 'nodes', mechanism: 'http_sd_configs' }), 1);
    assert.deepEqual(logger.lines, [{ level: 'warn', msg: 'discovery refresh failed', fields: { job: 'nodes', config: 'http_sd_configs[0]', error: 'http_sd_configs[0]: server returned HTTP status 500', usedLastGood: false } }]);
  });
});
