import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseGatewayConfig, readGatewayConfig } from '../../../lib/config/schema.ts';
import { scrapeHttpFactory } from '../../../lib/compose/scrape.ts';
import { fetchTarget } from '../../../lib/scrape/fetch.ts';
import { noProxyMatcher } from '../../../lib/scrape/proxy.ts';
import { buildTargets, type Target } from '../../../lib/scrape/targets.ts';

/**
 * A real forward proxy on 127.0.0.1: it takes absolute-form requests (`GET http://host:port/path`), records
 * them, and forwards them to the metrics server whatever the host name (so `*.test` names resolve through it
 * only); the metrics server records what reached it directly.
 */
let target: http.Server;
let proxy: http.Server;
const viaProxy: string[] = [];
const direct: string[] = [];
const port = (s: http.Server): number => (s.address() as AddressInfo).port;

before(async () => {
  target = http.createServer((req, res) => {
    direct.push(`${req.headers.host}${req.url}`);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('up 1\n');
  });
  proxy = http.createServer((req, res) => {
    viaProxy.push(req.url ?? '');
    const u = new URL(req.url ?? '/', 'http://invalid');
    if (u.hostname === 'invalid') return void res.writeHead(400).end('not absolute-form');
    const out = http.request({ host: '127.0.0.1', port: port(target), path: `${u.pathname}${u.search}`, method: req.method, headers: { ...req.headers, host: u.host } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    out.on('error', () => res.writeHead(502).end());
    req.pipe(out);
  });
  await Promise.all([target, proxy].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
});
after(() => {
  target.close();
  proxy.close();
});

function targetFor(extra: Record<string, unknown>, address: string): Target {
  const job = parseGatewayConfig({ auth: { mode: 'none' }, scrape_configs: [{ job_name: 'j', ...extra }] }).scrape[0]!;
  return buildTargets(job, [{ source: '0', targets: [{ __address__: address }], labels: {} }]).active[0]!;
}

async function scrape(extra: Record<string, unknown>, address: string, env: Record<string, string> = {}): Promise<string> {
  const f = scrapeHttpFactory(undefined, env);
  try {
    const t = targetFor(extra, address);
    const got = await fetchTarget(t, f.httpFor(t.job), undefined);
    return Buffer.from(got.body).toString();
  } finally {
    f.close();
  }
}

describe('scrape proxy_url, no_proxy, proxy_from_environment', () => {
  const reset = (): void => {
    viaProxy.length = 0;
    direct.length = 0;
  };

  it('proxy_url: the scrape goes through the proxy in absolute form, loopback targets too (no no_proxy, as Prometheus)', async () => {
    reset();
    const addr = `127.0.0.1:${port(target)}`;
    assert.equal(await scrape({ proxy_url: `http://127.0.0.1:${port(proxy)}` }, addr), 'up 1\n');
    assert.deepEqual(viaProxy, [`http://${addr}/metrics`]);
  });

  it('a name only the proxy can resolve is scraped through it', async () => {
    reset();
    assert.equal(await scrape({ proxy_url: `http://127.0.0.1:${port(proxy)}`, no_proxy: 'other.test' }, 'node.example.test:9100'), 'up 1\n');
    assert.deepEqual(viaProxy, ['http://node.example.test:9100/metrics']);
  });

  it('no_proxy: a host it names is scraped directly, not through the proxy', async () => {
    reset();
    // 127.0.0.1 is loopback: never proxied once no_proxy is set (Go's httpproxy rule), so it reaches the target directly.
    assert.equal(await scrape({ proxy_url: `http://127.0.0.1:${port(proxy)}`, no_proxy: 'example.test' }, `127.0.0.1:${port(target)}`), 'up 1\n');
    assert.deepEqual(viaProxy, []);
    assert.equal(direct.length, 1);
    // A domain no_proxy names is not sent to the proxy: resolved directly, the made-up name fails.
    reset();
    await assert.rejects(scrape({ proxy_url: `http://127.0.0.1:${port(proxy)}`, no_proxy: '.example.test' }, 'node.example.test:9100'));
    assert.deepEqual(viaProxy, []);
  });

  it('proxy_from_environment: HTTP_PROXY from the environment, NO_PROXY honoured', async () => {
    reset();
    const env = { HTTP_PROXY: `http://127.0.0.1:${port(proxy)}` };
    assert.equal(await scrape({ proxy_from_environment: true }, 'node.example.test:9100', env), 'up 1\n');
    assert.deepEqual(viaProxy, ['http://node.example.test:9100/metrics']);
    reset();
    await assert.rejects(scrape({ proxy_from_environment: true }, 'node.example.test:9100', { ...env, no_proxy: 'example.test' }));
    assert.deepEqual(viaProxy, []);
    // Without the variable: direct.
    assert.equal(await scrape({ proxy_from_environment: true }, `127.0.0.1:${port(target)}`, {}), 'up 1\n');
    assert.deepEqual(viaProxy, []);
  });

  it("config: Prometheus' rules between the proxy fields, proxy_connect_header accepted with a warning", () => {
    const job = (extra: Record<string, unknown>) => ({ auth: { mode: 'none' }, scrape_configs: [{ job_name: 'j', static_configs: [{ targets: ['a:1'] }], ...extra }] });
    assert.throws(() => parseGatewayConfig(job({ no_proxy: 'a' })), /scrape_configs\[0\]\.no_proxy: needs proxy_url/);
    assert.throws(() => parseGatewayConfig(job({ proxy_url: 'http://p:3128', proxy_from_environment: true })), /scrape_configs\[0\]\.proxy_url: must not be set with proxy_from_environment/);
    assert.throws(() => parseGatewayConfig(job({ proxy_url: 'socks5://p:1080' })), /scrape_configs\[0\]\.proxy_url: must be an http:\/\/ URL/);
    assert.throws(() => parseGatewayConfig(job({ proxy_url: 3128 })), /scrape_configs\[0\]\.proxy_url: must be a string/);
    assert.deepEqual(parseGatewayConfig(job({ proxy_url: 'http://p:3128' })).scrape[0]!.proxy, { url: 'http://p:3128', noProxy: '' });
    const r = readGatewayConfig(job({ proxy_url: 'http://p:3128', proxy_connect_header: { 'X-A': ['b'] } }));
    assert.deepEqual(r.warnings, ['scrape_configs[0].proxy_connect_header: accepted, no effect: the proxy is not authenticated']);
  });
});

describe('noProxyMatcher (Go httpproxy rules)', () => {
  const cases: [string, string, boolean][] = [
    ['*', 'http://anything:1/', true],
    ['example.com', 'http://example.com/', true],
    ['example.com', 'http://a.example.com/', true],
    ['example.com', 'http://notexample.com/', false],
    ['.example.com', 'http://example.com/', false],
    ['.example.com', 'http://a.example.com/', true],
    ['*.example.com', 'http://a.example.com/', true],
    ['example.com:8080', 'http://example.com:8080/', true],
    ['example.com:8080', 'http://example.com:9090/', false],
    ['10.0.0.0/8', 'http://10.1.2.3:9100/', true],
    ['10.0.0.0/8', 'http://11.1.2.3:9100/', false],
    ['192.168.1.5', 'http://192.168.1.5/', true],
    ['other', 'http://localhost:9/', true],
    ['other', 'http://127.0.0.2:9/', true],
    ['other', 'http://[::1]:9/', true],
    [' A.test , b.test ', 'http://x.a.test/', true],
  ];
  for (const [list, url, want] of cases) it(`${JSON.stringify(list)} ${want ? 'bypasses' : 'proxies'} ${url}`, () => assert.equal(noProxyMatcher(list)(new URL(url)), want));
});
