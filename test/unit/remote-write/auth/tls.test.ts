import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NodeHttpClient } from '../../../../lib/adapters/http/node-http-client.ts';
import { LocalSecretStore } from '../../../../lib/adapters/secrets/local-secret-store.ts';
import { loadGatewayConfig } from '../../../../lib/config/load.ts';
import { buildDestinationAuth } from '../../../../lib/remote-write/auth/build.ts';
import { sendRemoteWrite, type SendResult } from '../../../../lib/remote-write/client.ts';
import { FakeClock } from '../../../helpers/fakes.ts';
import { haveBinary } from '../../../helpers/services.ts';
import { startCaptureServer, type CaptureServer } from './capture-server.ts';

const available = haveBinary('openssl');
if (!available && process.env.CI === 'true') throw new Error('openssl is required under CI=true (apt-get install openssl)');

/** A CA, a server certificate for localhost / 127.0.0.1 and a client certificate, made by the openssl CLI. */
function makeCertificates(dir: string): void {
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  const key = (name: string): void => ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', `${name}.key`);
  key('ca');
  ssl('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=test-ca', '-days', '2', '-out', 'ca.pem', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  const leaf = (name: string, cn: string, ext: string): void => {
    key(name);
    ssl('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`);
    writeFileSync(path.join(dir, `${name}.ext`), ext);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
  };
  leaf('server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'gateway-client', 'extendedKeyUsage=clientAuth\n');
}

describe('tls_config against https servers on 127.0.0.1', { skip: !available && 'openssl not installed' }, () => {
  let dir: string;
  let server: CaptureServer;
  let mtls: CaptureServer;
  let tls12: CaptureServer;
  const clients: NodeHttpClient[] = [];
  const shared = new NodeHttpClient();
  const f = (name: string): string => path.join(dir, name);

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rwauth-tls-'));
    makeCertificates(dir);
    const serverTls = { key: readFileSync(f('server.key')), cert: readFileSync(f('server.pem')) };
    server = await startCaptureServer(undefined, serverTls);
    mtls = await startCaptureServer(undefined, { ...serverTls, ca: readFileSync(f('ca.pem')), requestCert: true, rejectUnauthorized: true });
    tls12 = await startCaptureServer(undefined, { ...serverTls, maxVersion: 'TLSv1.2' });
  });
  after(async () => {
    for (const c of [...clients, shared]) c.close();
    await Promise.all([server, mtls, tls12].map((s) => s?.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function send(target: CaptureServer, rw: string, env: Record<string, string> = {}): Promise<SendResult> {
    const cfg = loadGatewayConfig(`auth: {mode: none}\nremote_write: [{url: "${target.url}/api/v1/write"${rw ? `, ${rw}` : ''}}]`).remoteWrite[0]!;
    const auth = buildDestinationAuth(cfg, {
      secrets: new LocalSecretStore(env),
      clock: new FakeClock(),
      http: shared,
      httpWithTls: (o) => {
        const c = new NodeHttpClient(o);
        clients.push(c);
        return c;
      },
    });
    return sendRemoteWrite(auth.http ?? shared, cfg, new Uint8Array([1, 2, 3]), 5000, auth.authorizer);
  }

  const ok = { kind: 'status', status: 204 };
  const cases: { name: string; target: () => CaptureServer; rw: () => string; env?: () => Record<string, string>; want: RegExp | typeof ok }[] = [
    { name: 'no tls_config: the private CA is not trusted', target: () => server, rw: () => '', want: /self-signed certificate in certificate chain|unable to verify/ },
    { name: 'ca_file: trusted, the IP SAN matches', target: () => server, rw: () => `tls_config: {ca_file: "${f('ca.pem')}"}`, want: ok },
    { name: 'inline ca: trusted', target: () => server, rw: () => `tls_config: {ca: ${JSON.stringify(readFileSync(f('ca.pem'), 'utf8'))}}`, want: ok },
    { name: 'server_name that the certificate names: verified against it', target: () => server, rw: () => `tls_config: {ca_file: "${f('ca.pem')}", server_name: localhost}`, want: ok },
    { name: 'server_name mismatch fails', target: () => server, rw: () => `tls_config: {ca_file: "${f('ca.pem')}", server_name: wrong.example}`, want: /Hostname\/IP does not match certificate's altnames: Host: wrong\.example/ },
    { name: 'insecure_skip_verify: no verification', target: () => server, rw: () => 'tls_config: {insecure_skip_verify: true}', want: ok },
    { name: 'insecure_skip_verify also ignores a server_name mismatch', target: () => server, rw: () => 'tls_config: {insecure_skip_verify: true, server_name: wrong.example}', want: ok },
    { name: 'mTLS without a client certificate fails', target: () => mtls, rw: () => `tls_config: {ca_file: "${f('ca.pem')}"}`, want: /certificate required|socket hang up|ECONNRESET|alert/ },
    { name: 'mTLS with cert_file and key_file', target: () => mtls, rw: () => `tls_config: {ca_file: "${f('ca.pem')}", cert_file: "${f('client.pem')}", key_file: "${f('client.key')}"}`, want: ok },
    { name: 'mTLS with the key through key_ref', target: () => mtls, rw: () => `tls_config: {ca_file: "${f('ca.pem')}", cert_file: "${f('client.pem')}", key_ref: "env:CLIENT_KEY"}`, env: () => ({ CLIENT_KEY: readFileSync(f('client.key'), 'utf8') }), want: ok },
    { name: 'min_version TLS13 against a TLS 1.2 server fails', target: () => tls12, rw: () => `tls_config: {ca_file: "${f('ca.pem')}", min_version: TLS13}`, want: /protocol version|alert/ },
    { name: 'min_version TLS12 against a TLS 1.2 server', target: () => tls12, rw: () => `tls_config: {ca_file: "${f('ca.pem')}", min_version: TLS12}`, want: ok },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const res = await send(c.target(), c.rw(), c.env?.());
      if (c.want instanceof RegExp) {
        assert.equal(res.outcome.kind, 'error', JSON.stringify(res.outcome));
        assert.match(res.outcome.kind === 'error' ? res.outcome.message : '', c.want);
      } else assert.deepEqual(res.outcome, c.want);
    });
  }

  it('the mTLS server sees the client certificate', async () => {
    const before = mtls.requests.length;
    await send(mtls, `tls_config: {ca_file: "${f('ca.pem')}", cert_file: "${f('client.pem')}", key_file: "${f('client.key')}"}`);
    assert.equal(mtls.requests.length, before + 1);
    assert.equal(mtls.requests.at(-1)!.clientCn, 'gateway-client');
  });

  it('an unreadable ca_file is a retryable error naming the file, read again on the next send', async () => {
    const ca = path.join(dir, 'later-ca.pem');
    const cfg = loadGatewayConfig(`auth: {mode: none}\nremote_write: [{url: "${server.url}/w", tls_config: {ca_file: "${ca}"}}]`).remoteWrite[0]!;
    const auth = buildDestinationAuth(cfg, { secrets: new LocalSecretStore({}), clock: new FakeClock(), http: shared, httpWithTls: (o) => { const c = new NodeHttpClient(o); clients.push(c); return c; } });
    const first = await sendRemoteWrite(auth.http!, cfg, new Uint8Array(), 5000);
    assert.deepEqual(first.outcome, { kind: 'error', message: `secret file:${ca}: cannot read file: ENOENT` });
    writeFileSync(ca, readFileSync(f('ca.pem')));
    assert.deepEqual((await sendRemoteWrite(auth.http!, cfg, new Uint8Array(), 5000)).outcome, ok);
  });

  it('basic_auth and tls_config together', async () => {
    const before = server.requests.length;
    const res = await send(server, `basic_auth: {username: u, password_ref: "env:P"}, tls_config: {ca_file: "${f('ca.pem')}"}`, { P: 'p' });
    assert.deepEqual(res.outcome, ok);
    assert.equal(server.requests[before]!.headers.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
  });
});
