import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NodeHttpClient } from '../../../../lib/adapters/http/node-http-client.ts';
import { LocalSecretStore } from '../../../../lib/adapters/secrets/local-secret-store.ts';
import { loadGatewayConfig } from '../../../../lib/config/load.ts';
import { buildDestinationAuth } from '../../../../lib/remote-write/auth/build.ts';
import type { RemoteAuthDeps } from '../../../../lib/remote-write/auth/types.ts';
import { sendRemoteWrite, USER_AGENT } from '../../../../lib/remote-write/client.ts';
import { FakeClock } from '../../../helpers/fakes.ts';
import { startCaptureServer, type CaptureServer } from './capture-server.ts';

describe('basic_auth, authorization and custom headers as the receiver sees them', () => {
  let server: CaptureServer;
  let dir: string;
  const http = new NodeHttpClient();
  const body = new Uint8Array([1, 2, 3, 4]);

  before(async () => {
    server = await startCaptureServer();
    dir = mkdtempSync(path.join(os.tmpdir(), 'rwauth-'));
    writeFileSync(path.join(dir, 'password'), ' s3cr3t:with:colons \n');
    writeFileSync(path.join(dir, 'token'), 'tok-from-file\n');
  });
  after(async () => {
    http.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function deps(env: Record<string, string> = {}): RemoteAuthDeps {
    return { secrets: new LocalSecretStore(env), clock: new FakeClock(), http, httpWithTls: () => http };
  }

  async function send(rw: string, env: Record<string, string> = {}) {
    const cfg = loadGatewayConfig(`auth: {mode: none}\nremote_write: [{url: "${server.url}/api/v1/write", ${rw}}]`).remoteWrite[0]!;
    const auth = buildDestinationAuth(cfg, deps(env));
    const before = server.requests.length;
    const res = await sendRemoteWrite(auth.http ?? http, cfg, body, 5000, auth.authorizer);
    return { res, req: server.requests.length > before ? server.requests.at(-1) : undefined };
  }

  const cases: { name: string; rw: string; env?: Record<string, string>; want: string }[] = [
    { name: 'basic_auth from an env: reference', rw: 'basic_auth: {username: gw, password_ref: "env:RW_PW"}', env: { RW_PW: 'pa ss' }, want: `Basic ${Buffer.from('gw:pa ss').toString('base64')}` },
    { name: 'basic_auth password_file, trimmed as Prometheus does', rw: `basic_auth: {username: gw, password_file: "${'DIR'}/password"}`, want: `Basic ${Buffer.from('gw:s3cr3t:with:colons').toString('base64')}` },
    { name: 'basic_auth with a username only', rw: 'basic_auth: {username: gw}', want: `Basic ${Buffer.from('gw:').toString('base64')}` },
    { name: 'authorization Bearer from env:', rw: 'authorization: {credentials_ref: "env:TOKEN"}', env: { TOKEN: 'abc.def' }, want: 'Bearer abc.def' },
    { name: 'authorization custom type from a file', rw: `authorization: {type: Token, credentials_file: "DIR/token"}`, want: 'Token tok-from-file' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { res, req } = await send(c.rw.replace('DIR', dir), c.env);
      assert.deepEqual(res.outcome, { kind: 'status', status: 204 });
      assert.equal(req!.headers.authorization, c.want);
      assert.deepEqual(req!.body, Buffer.from(body));
    });
  }

  it('custom headers arrive beside the credentials, and the protocol headers win', async () => {
    const { req } = await send('headers: {X-Scope-OrgID: team-a, X-Custom: "1"}, authorization: {credentials_ref: "env:T"}', { T: 't' });
    assert.equal(req!.headers['x-scope-orgid'], 'team-a');
    assert.equal(req!.headers['x-custom'], '1');
    assert.equal(req!.headers.authorization, 'Bearer t');
    assert.equal(req!.headers['content-encoding'], 'snappy');
    assert.equal(req!.headers['content-type'], 'application/x-protobuf');
    assert.equal(req!.headers['x-prometheus-remote-write-version'], '0.1.0');
    assert.equal(req!.headers['user-agent'], USER_AGENT);
    // One Authorization header, not two.
    assert.equal(req!.rawHeaders.filter((h) => h.toLowerCase() === 'authorization').length, 1);
  });

  it('an unresolvable secret is a retryable send error naming the reference, and nothing is sent', async () => {
    const { res, req } = await send('basic_auth: {username: gw, password_ref: "env:MISSING"}');
    assert.equal(req, undefined);
    assert.deepEqual(res.outcome, { kind: 'error', message: 'remote auth: secret env:MISSING: environment variable is not set' });
  });

  it('without auth config no Authorization header is sent', async () => {
    const { req } = await send('name: plain');
    assert.equal(req!.headers.authorization, undefined);
  });
});
