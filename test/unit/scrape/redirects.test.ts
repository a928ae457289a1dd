import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { NodeHttpClient } from '../../../lib/adapters/http/node-http-client.ts';
import { fetchTarget, MAX_SCRAPE_REDIRECTS, ScrapeError } from '../../../lib/scrape/fetch.ts';
import { buildTargets, type Target } from '../../../lib/scrape/targets.ts';
import type { SecretStore } from '../../../lib/ports/index.ts';

/** Real servers on 127.0.0.1: `moved` answers 302 to `metrics` (on another port), `loop` redirects to itself. */
let moved: http.Server;
let metrics: http.Server;
const seen: { server: string; path: string; authorization: string | undefined }[] = [];
const client = new NodeHttpClient();
const secrets: SecretStore = { get: async () => 'tok' } as unknown as SecretStore;

const port = (s: http.Server): number => (s.address() as AddressInfo).port;

before(async () => {
  metrics = http.createServer((req, res) => {
    seen.push({ server: 'metrics', path: req.url ?? '', authorization: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('up 1\n');
  });
  moved = http.createServer((req, res) => {
    seen.push({ server: 'moved', path: req.url ?? '', authorization: req.headers.authorization });
    if (req.url?.startsWith('/loop')) return void res.writeHead(302, { location: `/loop${Number(req.url.slice(5) || 0) + 1}` }).end();
    const hops = /^\/hops\/(\d+)\/(\d+)$/.exec(req.url ?? '');
    if (hops) return void (Number(hops[2]) < Number(hops[1]) ? res.writeHead(307, { location: `/hops/${hops[1]}/${Number(hops[2]) + 1}` }).end() : res.writeHead(200).end('up 3\n'));
    if (req.url === '/same-host') return void res.writeHead(301, { location: '/landing' }).end();
    if (req.url === '/landing') return void res.writeHead(200).end('up 2\n');
    res.writeHead(302, { location: `http://127.0.0.1:${port(metrics)}/metrics` }).end();
  });
  await Promise.all([moved, metrics].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
});
after(() => {
  client.close();
  moved.close();
  metrics.close();
});

function target(extra: Record<string, unknown>, path = '/metrics'): Target {
  const job = parseGatewayConfig({ auth: { mode: 'none' }, scrape_configs: [{ job_name: 'j', metrics_path: path, ...extra }] }).scrape[0]!;
  return buildTargets(job, [{ source: '0', targets: [{ __address__: `127.0.0.1:${port(moved)}` }], labels: {} }]).active[0]!;
}

describe('scrape follow_redirects', () => {
  it('default (true, as in Prometheus): a 302 to another server is followed and its body scraped', async () => {
    const got = await fetchTarget(target({}), client, undefined);
    assert.equal(Buffer.from(got.body).toString(), 'up 1\n');
  });

  it('false: the 302 is the answer, a failed scrape', async () => {
    await assert.rejects(fetchTarget(target({ follow_redirects: false }), client, undefined), (e: unknown) => e instanceof ScrapeError && e.message === 'server returned HTTP status 302');
  });

  it('credentials go to the same host only', async () => {
    seen.length = 0;
    await fetchTarget(target({ authorization: { credentials_ref: 'env:TOKEN' } }), client, secrets);
    assert.deepEqual(seen.map((s) => [s.server, s.authorization]), [['moved', 'Bearer tok'], ['metrics', undefined]]);
    seen.length = 0;
    const got = await fetchTarget(target({ authorization: { credentials_ref: 'env:TOKEN' } }, '/same-host'), client, secrets);
    assert.equal(Buffer.from(got.body).toString(), 'up 2\n');
    assert.deepEqual(seen.map((s) => [s.path, s.authorization]), [['/same-host', 'Bearer tok'], ['/landing', 'Bearer tok']]);
  });

  it(`follows ${MAX_SCRAPE_REDIRECTS} redirects (the limit)`, async () => {
    const got = await fetchTarget(target({}, `/hops/${MAX_SCRAPE_REDIRECTS}/0`), client, undefined);
    assert.equal(Buffer.from(got.body).toString(), 'up 3\n');
    await assert.rejects(fetchTarget(target({}, `/hops/${MAX_SCRAPE_REDIRECTS + 1}/0`), client, undefined), /stopped after 10 redirects/);
  });

  it(`stops a redirect loop after ${MAX_SCRAPE_REDIRECTS} redirects`, async () => {
    seen.length = 0;
    await assert.rejects(fetchTarget(target({}, '/loop'), client, undefined), (e: unknown) => e instanceof ScrapeError && /stopped after 10 redirects/.test(e.message));
    assert.equal(seen.length, MAX_SCRAPE_REDIRECTS + 1);
  });
});
