import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { NodeHttpClient } from '../../../../lib/adapters/http/node-http-client.ts';
import { LocalSecretStore } from '../../../../lib/adapters/secrets/local-secret-store.ts';
import { loadGatewayConfig } from '../../../../lib/config/load.ts';
import { buildDestinationAuth } from '../../../../lib/remote-write/auth/build.ts';
import { cacheCredentials, sigv4Authorizer } from '../../../../lib/remote-write/auth/sigv4.ts';
import type { AwsCredentials, RemoteAuthDeps } from '../../../../lib/remote-write/auth/types.ts';
import { sendRemoteWrite } from '../../../../lib/remote-write/client.ts';
import { FakeClock } from '../../../helpers/fakes.ts';
import { startCaptureServer, type CaptureServer } from './capture-server.ts';

// The AWS Signature Version 4 test suite's inputs (docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html).
const AKID = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const SUITE_TIME = Date.UTC(2015, 7, 30, 12, 36, 0); // 20150830T123600Z
const creds = async (): Promise<AwsCredentials> => ({ accessKeyId: AKID, secretAccessKey: SECRET });

const sha256hex = (b: string | Uint8Array): string => createHash('sha256').update(b).digest('hex');
const hmac = (key: string | Buffer, s: string): Buffer => createHmac('sha256', key).update(s).digest();

/**
 * An independent SigV4 verifier written from the specification, used as the receiver's check: it recomputes
 * the signature from the headers and body exactly as they arrived.
 */
function expectedAuthorization(opts: { method: string; path: string; query?: string; headers: Record<string, string>; signed: string[]; body: Uint8Array; amzDate: string; region: string; service: string; secret: string; akid: string }): string {
  const canonicalHeaders = opts.signed.map((h) => `${h}:${opts.headers[h]!.trim().replace(/\s+/g, ' ')}\n`).join('');
  const creq = [opts.method, opts.path, opts.query ?? '', canonicalHeaders, opts.signed.join(';'), sha256hex(opts.body)].join('\n');
  const day = opts.amzDate.slice(0, 8);
  const scope = `${day}/${opts.region}/${opts.service}/aws4_request`;
  const sts = ['AWS4-HMAC-SHA256', opts.amzDate, scope, sha256hex(creq)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${opts.secret}`, day), opts.region), opts.service), 'aws4_request');
  return `AWS4-HMAC-SHA256 Credential=${opts.akid}/${scope}, SignedHeaders=${opts.signed.join(';')}, Signature=${createHmac('sha256', key).update(sts).digest('hex')}`;
}

describe('SigV4 against the AWS test-suite vectors', () => {
  const vectors: { name: string; method: string; url: string; want: string }[] = [
    { name: 'get-vanilla', method: 'GET', url: 'https://example.amazonaws.com/', want: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31' },
    { name: 'get-vanilla-query-order-key-case', method: 'GET', url: 'https://example.amazonaws.com/?Param2=value2&Param1=value1', want: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500' },
    { name: 'post-vanilla', method: 'POST', url: 'https://example.amazonaws.com/', want: '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b' },
  ];
  for (const v of vectors) {
    it(v.name, async () => {
      const auth = sigv4Authorizer('us-east-1', creds, new FakeClock(SUITE_TIME), { service: 'service', applyChecksum: false });
      const h = await auth.authorize({ url: v.url, method: v.method, headers: {}, body: new Uint8Array() });
      assert.deepEqual(h, {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${v.want}`,
      });
    });
  }

  it('the independent verifier reproduces get-vanilla too (so it can be trusted below)', () => {
    const got = expectedAuthorization({ method: 'GET', path: '/', headers: { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z' }, signed: ['host', 'x-amz-date'], body: new Uint8Array(), amzDate: '20150830T123600Z', region: 'us-east-1', service: 'service', secret: SECRET, akid: AKID });
    assert.ok(got.endsWith('Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'));
  });
});

describe('SigV4 for Amazon Managed Service for Prometheus (service aps)', () => {
  const body = new Uint8Array([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59, 0x00, 0x0a, 0x0d]);
  const url = 'https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-12345678-abcd-ef01-2345-6789abcdef01/api/v1/remote_write';
  const headers = { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf', 'x-prometheus-remote-write-version': '0.1.0', 'user-agent': 'metrics-gateway/0.1 (remote_write 1.0)' };

  it('signs the exact body with x-amz-content-sha256 and every header but user-agent', async () => {
    const auth = sigv4Authorizer('us-east-1', creds, new FakeClock(SUITE_TIME));
    const h = await auth.authorize({ url, method: 'POST', headers, body });
    const signed = ['content-encoding', 'content-type', 'host', 'x-amz-content-sha256', 'x-amz-date', 'x-prometheus-remote-write-version'];
    assert.deepEqual(h, {
      host: 'aps-workspaces.us-east-1.amazonaws.com',
      'x-amz-date': '20150830T123600Z',
      'x-amz-content-sha256': '7db144b82180c96d73ec054d358a11b2f72022696c3b9a135af5ff781a05d889',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/aps/aws4_request, SignedHeaders=content-encoding;content-type;host;x-amz-content-sha256;x-amz-date;x-prometheus-remote-write-version, Signature=a6ec49b9803fadfe45bcfb1d65221af015610778ad6f0fd5fd06264b97b6c7d1',
    });
    // Both literals agree with the specification, recomputed independently.
    assert.equal(h['x-amz-content-sha256'], sha256hex(body));
    const want = expectedAuthorization({ method: 'POST', path: '/workspaces/ws-12345678-abcd-ef01-2345-6789abcdef01/api/v1/remote_write', headers: { ...headers, ...h }, signed, body, amzDate: '20150830T123600Z', region: 'us-east-1', service: 'aps', secret: SECRET, akid: AKID });
    assert.equal(h.authorization, want);
  });

  it('a different body gives a different signature (the body is signed)', async () => {
    const auth = sigv4Authorizer('us-east-1', creds, new FakeClock(SUITE_TIME));
    const a = await auth.authorize({ url, method: 'POST', headers, body });
    const b = await auth.authorize({ url, method: 'POST', headers, body: body.map((x, i) => (i === 5 ? x ^ 1 : x)) });
    assert.notEqual(a.authorization, b.authorization);
  });

  it('temporary credentials add a signed x-amz-security-token', async () => {
    const auth = sigv4Authorizer('eu-west-1', async () => ({ accessKeyId: 'ASIAEXAMPLE', secretAccessKey: SECRET, sessionToken: 'session/token==' }), new FakeClock(SUITE_TIME));
    const h = await auth.authorize({ url, method: 'POST', headers, body });
    assert.equal(h['x-amz-security-token'], 'session/token==');
    assert.match(h.authorization!, /Credential=ASIAEXAMPLE\/20150830\/eu-west-1\/aps\/aws4_request, SignedHeaders=[a-z0-9;-]*x-amz-security-token/);
  });

  it('temporary credentials are cached until 5 minutes before they expire', async () => {
    const clock = new FakeClock(SUITE_TIME);
    let calls = 0;
    const cached = cacheCredentials(async () => ({ accessKeyId: `A${++calls}`, secretAccessKey: 's', expiration: new Date(SUITE_TIME + 3600_000) }), clock);
    await cached();
    clock.t += 3600_000 - 300_000 - 1;
    assert.equal((await cached()).accessKeyId, 'A1');
    clock.t += 1;
    assert.equal((await cached()).accessKeyId, 'A2');
  });
});

describe('SigV4 end to end: the receiver verifies what arrived', () => {
  let server: CaptureServer;
  const http = new NodeHttpClient();
  before(async () => {
    server = await startCaptureServer();
  });
  after(async () => {
    http.close();
    await server.close();
  });

  it('static keys from secret_key_ref; the signature verifies against the received headers and body', async () => {
    const cfg = loadGatewayConfig(`auth: {mode: none}\nremote_write: [{url: "${server.url}/workspaces/ws-1/api/v1/remote_write?x=1", headers: {X-Team: a}, sigv4: {region: us-west-2, access_key: ${AKID}, secret_key_ref: "env:AWS_SECRET"}}]`).remoteWrite[0]!;
    const clock = new FakeClock(SUITE_TIME);
    const deps: RemoteAuthDeps = { secrets: new LocalSecretStore({ AWS_SECRET: `${SECRET}\n` }), clock, http, httpWithTls: () => http };
    const { authorizer } = buildDestinationAuth(cfg, deps);
    const body = new Uint8Array(Buffer.from('not really snappy'));
    const res = await sendRemoteWrite(http, cfg, body, 5000, authorizer);
    assert.deepEqual(res.outcome, { kind: 'status', status: 204 });
    const r = server.requests.at(-1)!;
    const got: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers)) got[k] = String(v);
    const signed = /SignedHeaders=([^,]+)/.exec(got.authorization!)![1]!.split(';');
    assert.deepEqual(signed, ['content-encoding', 'content-type', 'host', 'x-amz-content-sha256', 'x-amz-date', 'x-prometheus-remote-write-version', 'x-team']);
    assert.equal(got['x-amz-content-sha256'], sha256hex(r.body));
    const want = expectedAuthorization({ method: 'POST', path: '/workspaces/ws-1/api/v1/remote_write', query: 'x=1', headers: got, signed, body: r.body, amzDate: got['x-amz-date']!, region: 'us-west-2', service: 'aps', secret: SECRET, akid: AKID });
    assert.equal(got.authorization, want);
  });

  it('without static keys and without an AWS credential chain, the send fails with a clear, retryable message', async () => {
    const cfg = loadGatewayConfig(`auth: {mode: none}\nremote_write: [{url: "${server.url}/w", sigv4: {region: us-east-1}}]`).remoteWrite[0]!;
    const { authorizer } = buildDestinationAuth(cfg, { secrets: new LocalSecretStore({}), clock: new FakeClock(), http, httpWithTls: () => http });
    const res = await sendRemoteWrite(http, cfg, new Uint8Array(), 5000, authorizer);
    assert.deepEqual(res.outcome, { kind: 'error', message: 'remote auth: sigv4: no AWS credential chain is available here; set access_key and secret_key_ref' });
  });

  it('without a region in the config or the environment, the send fails naming both', async () => {
    const cfg = loadGatewayConfig(`auth: {mode: none}\nremote_write: [{url: "${server.url}/w", sigv4: {}}]`).remoteWrite[0]!;
    const { authorizer } = buildDestinationAuth(cfg, { secrets: new LocalSecretStore({}), clock: new FakeClock(), http, httpWithTls: () => http });
    const res = await sendRemoteWrite(http, cfg, new Uint8Array(), 5000, authorizer);
    assert.deepEqual(res.outcome, { kind: 'error', message: 'remote auth: sigv4: no region: set remote_write sigv4.region or AWS_REGION' });
  });

  it('the default region comes from the environment; the credential chain is asked with it', async () => {
    const cfg = loadGatewayConfig(`auth: {mode: none}\nremote_write: [{url: "${server.url}/w", sigv4: {profile: prod}}]`).remoteWrite[0]!;
    const asked: unknown[] = [];
    const { authorizer } = buildDestinationAuth(cfg, {
      secrets: new LocalSecretStore({}),
      clock: new FakeClock(SUITE_TIME),
      http,
      httpWithTls: () => http,
      defaultRegion: 'ap-south-1',
      awsCredentials: (o) => {
        asked.push(o);
        return creds;
      },
    });
    await sendRemoteWrite(http, cfg, new Uint8Array(), 5000, authorizer);
    assert.deepEqual(asked, [{ region: 'ap-south-1', profile: 'prod' }]);
    assert.match(String(server.requests.at(-1)!.headers.authorization), /\/ap-south-1\/aps\/aws4_request/);
  });
});
