import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeHttpClient } from '../../../../lib/adapters/http/node-http-client.ts';
import { LocalSecretStore } from '../../../../lib/adapters/secrets/local-secret-store.ts';
import { loadGatewayConfig } from '../../../../lib/config/load.ts';
import type { OAuth2Config } from '../../../../lib/config/remote-write-auth.ts';
import { oauth2Authorizer, TOKEN_EXPIRY_DELTA_MS } from '../../../../lib/remote-write/auth/oauth2.ts';
import { sendRemoteWrite } from '../../../../lib/remote-write/client.ts';
import { decideRetry } from '../../../../lib/remote-write/retry.ts';
import { FakeClock } from '../../../helpers/fakes.ts';
import { startCaptureServer, type Captured, type CaptureServer } from './capture-server.ts';

type Answer = { status: number; body?: string; headers?: Record<string, string> };

describe('oauth2 client credentials against a token server on 127.0.0.1', () => {
  let idp: CaptureServer;
  let receiver: CaptureServer;
  let answer: (req: Captured, n: number) => Answer;
  let issued = 0;
  const http = new NodeHttpClient();
  const secrets = new LocalSecretStore({ CLIENT_SECRET: 'sec ret/+' });
  const req = { url: 'http://x/api/v1/write', method: 'POST', headers: {}, body: new Uint8Array() };

  before(async () => {
    idp = await startCaptureServer((r) => answer(r, ++issued));
    receiver = await startCaptureServer();
  });
  beforeEach(() => {
    idp.requests.length = 0;
    issued = 0;
    answer = (_r, n) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token: `tok-${n}`, token_type: 'bearer', expires_in: 3600 }) });
  });
  after(async () => {
    http.close();
    await idp.close();
    await receiver.close();
  });

  function config(extra = ''): OAuth2Config {
    const c = loadGatewayConfig(`auth: {mode: none}\nremote_write: [{url: "http://x/w", oauth2: {client_id: "gw client", client_secret_ref: "env:CLIENT_SECRET", token_url: "${idp.url}/oauth/token", scopes: [metrics.write, other] ${extra}}}]`).remoteWrite[0]!.auth.credentials;
    assert.equal(c?.kind, 'oauth2');
    return c as OAuth2Config;
  }

  it('asks for client_credentials with scopes and endpoint_params, authenticating the client in the header', async () => {
    const auth = oauth2Authorizer(config(', endpoint_params: {audience: "https://rw"}'), secrets, http, new FakeClock());
    assert.deepEqual(await auth.authorize(req), { authorization: 'Bearer tok-1' });
    const r = idp.requests[0]!;
    assert.equal(r.method, 'POST');
    assert.equal(r.url, '/oauth/token');
    assert.equal(r.headers['content-type'], 'application/x-www-form-urlencoded');
    const form = new URLSearchParams(r.body.toString());
    assert.equal(form.get('grant_type'), 'client_credentials');
    assert.equal(form.get('scope'), 'metrics.write other');
    assert.equal(form.get('audience'), 'https://rw');
    assert.equal(form.get('client_secret'), null);
    // RFC 6749 2.3.1: id and secret are form-encoded before Basic encoding (Go's oauth2 does the same).
    assert.equal(r.headers.authorization, `Basic ${Buffer.from('gw+client:sec+ret%2F%2B').toString('base64')}`);
  });

  it('caches the token until 10 s before expiry, then fetches a new one', async () => {
    const clock = new FakeClock();
    const auth = oauth2Authorizer(config(), secrets, http, clock);
    for (let i = 0; i < 3; i++) assert.equal((await auth.authorize(req)).authorization, 'Bearer tok-1');
    clock.t += 3600_000 - TOKEN_EXPIRY_DELTA_MS - 1;
    assert.equal((await auth.authorize(req)).authorization, 'Bearer tok-1', 'one ms before the early refresh');
    clock.t += 1;
    assert.equal((await auth.authorize(req)).authorization, 'Bearer tok-2', 'at the early refresh');
    assert.equal(idp.requests.length, 2);
  });

  it('a token without expires_in is kept (Go treats it as not expiring)', async () => {
    answer = (_r, n) => ({ status: 200, body: JSON.stringify({ access_token: `tok-${n}` }) });
    const clock = new FakeClock();
    const auth = oauth2Authorizer(config(), secrets, http, clock);
    await auth.authorize(req);
    clock.t += 365 * 86_400_000;
    assert.equal((await auth.authorize(req)).authorization, 'Bearer tok-1');
    assert.equal(idp.requests.length, 1);
  });

  it('concurrent requests share one token fetch', async () => {
    const auth = oauth2Authorizer(config(), secrets, http, new FakeClock());
    const got = await Promise.all([1, 2, 3, 4, 5].map(() => auth.authorize(req)));
    assert.ok(got.every((h) => h.authorization === 'Bearer tok-1'));
    assert.equal(idp.requests.length, 1);
  });

  it('falls back to client id and secret in the body when the server refuses header auth, and remembers it', async () => {
    answer = (r, n) => (r.headers.authorization ? { status: 401, body: '{"error":"invalid_client"}' } : { status: 200, body: JSON.stringify({ access_token: `tok-${n}`, expires_in: 1 }) });
    const clock = new FakeClock();
    const auth = oauth2Authorizer(config(), secrets, http, clock);
    assert.equal((await auth.authorize(req)).authorization, 'Bearer tok-2');
    const form = new URLSearchParams(idp.requests[1]!.body.toString());
    assert.equal(form.get('client_id'), 'gw client');
    assert.equal(form.get('client_secret'), 'sec ret/+');
    clock.t += 10_000;
    await auth.authorize(req);
    assert.equal(idp.requests.length, 3, 'no second header attempt');
    assert.equal(idp.requests[2]!.headers.authorization, undefined);
  });

  it('keeps the token type the server gives (Go canonicalises bearer, mac, basic only)', async () => {
    answer = () => ({ status: 200, body: JSON.stringify({ access_token: 'm', token_type: 'DPoP' }) });
    assert.equal((await oauth2Authorizer(config(), secrets, http, new FakeClock()).authorize(req)).authorization, 'DPoP m');
  });

  it('accepts a form-encoded token response', async () => {
    answer = () => ({ status: 200, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'access_token=f1&token_type=bearer&expires_in=60' });
    assert.equal((await oauth2Authorizer(config(), secrets, http, new FakeClock()).authorize(req)).authorization, 'Bearer f1');
  });

  const failures: { name: string; answer: Answer; want: string }[] = [
    { name: 'HTTP 500', answer: { status: 500, body: 'idp down' }, want: 'answered HTTP 500: ' },
    { name: 'a body that is not JSON', answer: { status: 200, body: '<html>' }, want: 'answered with a body that is not JSON' },
    { name: 'no access_token', answer: { status: 200, body: '{"token_type":"bearer"}' }, want: 'answered without an access_token' },
  ];
  for (const f of failures) {
    it(`token endpoint ${f.name}: a retryable send failure, not cached, nothing sent to the receiver`, async () => {
      answer = () => f.answer;
      const cfg = loadGatewayConfig(`auth: {mode: none}\nremote_write: [{url: "${receiver.url}/w"}]`).remoteWrite[0]!;
      const auth = oauth2Authorizer(config(), secrets, http, new FakeClock());
      const sent = receiver.requests.length;
      const res = await sendRemoteWrite(http, cfg, new Uint8Array([1]), 5000, auth);
      assert.equal(res.outcome.kind, 'error');
      assert.ok(res.outcome.kind === 'error' && res.outcome.message.startsWith(`remote auth: oauth2: token endpoint ${idp.url}/oauth/token ${f.want}`), JSON.stringify(res.outcome));
      assert.equal(decideRetry(res.outcome, 0, cfg.queue, 0, 0.5).action, 'retry');
      assert.equal(receiver.requests.length, sent);
      answer = (_r, n) => ({ status: 200, body: JSON.stringify({ access_token: `ok-${n}` }) });
      const again = await sendRemoteWrite(http, cfg, new Uint8Array([1]), 5000, auth);
      assert.deepEqual(again.outcome, { kind: 'status', status: 204 });
      assert.match(String(receiver.requests.at(-1)!.headers.authorization), /^Bearer ok-\d+$/);
    });
  }

  it('a token endpoint that cannot be reached is a retryable failure', async () => {
    const c = { ...config(), tokenUrl: 'http://127.0.0.1:1/token' };
    await assert.rejects(oauth2Authorizer(c, secrets, http, new FakeClock()).authorize(req), /ECONNREFUSED/);
  });
});
