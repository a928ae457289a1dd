import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NodeHttpClient } from '../../../../lib/adapters/http/node-http-client.ts';
import { ProxyHttpClient } from '../../../../lib/adapters/http/proxy-http-client.ts';
import { LocalSecretStore } from '../../../../lib/adapters/secrets/local-secret-store.ts';
import { loadGatewayConfig } from '../../../../lib/config/load.ts';
import { buildDestinationAuth } from '../../../../lib/remote-write/auth/build.ts';
import { sendRemoteWrite, type SendResult } from '../../../../lib/remote-write/client.ts';
import { FakeClock } from '../../../helpers/fakes.ts';
import { haveBinary } from '../../../helpers/services.ts';
import { startCaptureServer, type CaptureServer } from './capture-server.ts';

/** A forward proxy on 127.0.0.1: absolute-form requests are relayed, CONNECT opens a tunnel; both are logged. */
async function startProxy(opts: { refuseConnect?: boolean } = {}): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url ?? '');
    const up = http.request({ host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    if (opts.refuseConnect) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const up = net.connect(Number(port), host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

describe('proxy_url', () => {
  let plain: CaptureServer;
  let secure: CaptureServer | undefined;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let refusing: Awaited<ReturnType<typeof startProxy>>;
  let dir: string;
  const clients: { close(): void }[] = [];
  const shared = new NodeHttpClient();
  const haveOpenssl = haveBinary('openssl');

  before(async () => {
    plain = await startCaptureServer();
    proxy = await startProxy();
    refusing = await startProxy({ refuseConnect: true });
    dir = mkdtempSync(path.join(os.tmpdir(), 'rwauth-proxy-'));
    if (haveOpenssl) {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { cwd: dir, stdio: 'pipe' });
      secure = await startCaptureServer(undefined, { key: readFileSync(path.join(dir, 'k.pem')), cert: readFileSync(path.join(dir, 'c.pem')) });
    }
  });
  after(async () => {
    for (const c of [...clients, shared]) c.close();
    await Promise.all([plain, secure, proxy, refusing].map((s) => s?.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function send(url: string, rw: string, env: Record<string, string> = {}): Promise<SendResult> {
    const cfg = loadGatewayConfig(`auth: {mode: none}\nremote_write: [{url: "${url}", ${rw}}]`).remoteWrite[0]!;
    const make = <T extends { close(): void }>(c: T): T => {
      clients.push(c);
      return c;
    };
    const auth = buildDestinationAuth(cfg, { secrets: new LocalSecretStore(env), clock: new FakeClock(), http: shared, httpWithTls: (o) => make(new NodeHttpClient(o)), httpViaProxy: (p, o) => make(new ProxyHttpClient(p, o)) });
    return sendRemoteWrite(auth.http ?? shared, cfg, new Uint8Array([7, 7, 7]), 5000, auth.authorizer);
  }

  it('http:// targets are requested from the proxy in absolute form, with the auth headers', async () => {
    const res = await send(`${plain.url}/api/v1/write?x=1`, `proxy_url: "${proxy.url}", authorization: {credentials_ref: "env:T"}`, { T: 'tok' });
    assert.deepEqual(res.outcome, { kind: 'status', status: 204 });
    assert.equal(proxy.seen.at(-1), `POST ${plain.url}/api/v1/write?x=1`);
    const r = plain.requests.at(-1)!;
    assert.equal(r.url, '/api/v1/write?x=1');
    assert.equal(r.headers.authorization, 'Bearer tok');
    assert.equal(r.headers.host, new URL(plain.url).host);
    assert.deepEqual(r.body, Buffer.from([7, 7, 7]));
  });

  it('https:// targets go through a CONNECT tunnel, with the target verified by tls_config', async (t) => {
    if (!secure) return t.skip('openssl not installed');
    const res = await send(`${secure.url}/api/v1/write`, `proxy_url: "${proxy.url}", tls_config: {ca_file: "${path.join(dir, 'c.pem')}"}`);
    assert.deepEqual(res.outcome, { kind: 'status', status: 204 });
    assert.equal(proxy.seen.at(-1), `CONNECT ${new URL(secure.url).host}`);
    assert.equal(secure.requests.at(-1)!.url, '/api/v1/write');
  });

  it('through the tunnel the certificate is still checked: a wrong server_name fails', async (t) => {
    if (!secure) return t.skip('openssl not installed');
    const res = await send(`${secure.url}/api/v1/write`, `proxy_url: "${proxy.url}", tls_config: {ca_file: "${path.join(dir, 'c.pem')}", server_name: wrong.example}`);
    assert.equal(res.outcome.kind, 'error');
    assert.match(res.outcome.kind === 'error' ? res.outcome.message : '', /Hostname\/IP does not match certificate's altnames: Host: wrong\.example/);
  });

  it('a proxy that refuses the CONNECT is a retryable error with its status line', async (t) => {
    if (!secure) return t.skip('openssl not installed');
    const res = await send(`${secure.url}/api/v1/write`, `proxy_url: "${refusing.url}", tls_config: {insecure_skip_verify: true}`);
    assert.deepEqual(res.outcome, { kind: 'error', message: `proxy ${new URL(refusing.url).host} refused CONNECT ${new URL(secure.url).host}: HTTP/1.1 403 Forbidden` });
  });

  it('an unreachable proxy is a retryable connection error', async () => {
    const res = await send(`${plain.url}/w`, 'proxy_url: "http://127.0.0.1:1"');
    assert.equal(res.outcome.kind, 'error');
    assert.match(res.outcome.kind === 'error' ? res.outcome.message : '', /ECONNREFUSED/);
  });

  it('oauth2 proxy_url: the token request goes through the proxy', async () => {
    const idp = await startCaptureServer(() => ({ status: 200, body: '{"access_token":"via-proxy"}' }));
    try {
      const res = await send(`${plain.url}/w`, `oauth2: {client_id: c, token_url: "${idp.url}/token", proxy_url: "${proxy.url}"}`);
      assert.deepEqual(res.outcome, { kind: 'status', status: 204 });
      assert.ok(proxy.seen.includes(`POST ${idp.url}/token`), JSON.stringify(proxy.seen));
      assert.equal(plain.requests.at(-1)!.headers.authorization, 'Bearer via-proxy');
    } finally {
      await idp.close();
    }
  });
});
