import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authHarness, basic } from './harness.ts';

const TOKEN_A = 'tok-a-0123456789abcdef';
const TOKEN_B = 'tok-b-fedcba9876543210';
const CI_PASS = 'ci-pass-s3cr3t';
const SECRETS = { 'env:TOKEN_A': TOKEN_A, 'env:TOKEN_B': TOKEN_B, 'file:/run/secrets/ci': CI_PASS };
const AUTH = {
  mode: 'required',
  bearer_tokens: [
    { token_ref: 'env:TOKEN_A', tenant: 'team-a', extra_labels: { team: 'a' } },
    { token_ref: 'env:TOKEN_B', tenant: 'team-b' },
  ],
  basic_auth: [{ username: 'ci', password_ref: 'file:/run/secrets/ci', tenant: 'ci' }],
};
const LINE = 'm,team=body v=1 1000000';
const CHALLENGE = 'Bearer realm="metrics-gateway", Basic realm="metrics-gateway"';

describe('inbound auth: who may push', () => {
  const table: { name: string; method?: string; path: string; body?: string; headers?: Record<string, string>; status: number; want?: RegExp; tenant?: string }[] = [
    { name: 'no credential', path: '/write', body: LINE, status: 401, want: /^influx: authentication required\n$/ },
    { name: 'wrong bearer token', path: '/write', body: LINE, headers: { authorization: 'Bearer nope' }, status: 401, want: /^influx: invalid credentials\n$/ },
    { name: 'a token one character short', path: '/write', body: LINE, headers: { authorization: `Bearer ${TOKEN_A.slice(0, -1)}` }, status: 401 },
    { name: 'a token with one character more', path: '/write', body: LINE, headers: { authorization: `Bearer ${TOKEN_A}x` }, status: 401 },
    { name: 'bearer token', path: '/write', body: LINE, headers: { authorization: `Bearer ${TOKEN_A}` }, status: 204, tenant: 'team-a' },
    { name: 'scheme is case-insensitive', path: '/write', body: LINE, headers: { authorization: `bearer ${TOKEN_B}` }, status: 204, tenant: 'team-b' },
    { name: 'basic auth', path: '/api/v1/import/prometheus', body: 'm 1\n', headers: { authorization: basic('ci', CI_PASS) }, status: 204, tenant: 'ci' },
    { name: 'basic auth, wrong password', path: '/api/v1/import/prometheus', body: 'm 1\n', headers: { authorization: basic('ci', 'nope') }, status: 401, want: /invalid credentials/ },
    { name: 'basic auth, right password, wrong user', path: '/api/v1/import/prometheus', body: 'm 1\n', headers: { authorization: basic('cx', CI_PASS) }, status: 401 },
    { name: 'a token as a basic password outside Influx', path: '/api/v1/import/prometheus', body: 'm 1\n', headers: { authorization: basic('x', TOKEN_A) }, status: 401 },
    { name: 'malformed basic value', path: '/api/v1/import/prometheus', body: 'm 1\n', headers: { authorization: 'Basic !!!' }, status: 401, want: /authentication required/ },
    { name: 'Pushgateway clients use basic auth', method: 'PUT', path: '/metrics/job/backup', body: 'm 1\n', headers: { authorization: basic('ci', CI_PASS) }, status: 200, tenant: 'ci' },
    { name: 'Influx v2 `Authorization: Token`', path: '/api/v2/write?bucket=b', body: LINE, headers: { authorization: `Token ${TOKEN_A}` }, status: 204, tenant: 'team-a' },
    { name: 'Influx 1.8 `Token user:password`', path: '/write', body: LINE, headers: { authorization: `Token ci:${CI_PASS}` }, status: 204, tenant: 'ci' },
    { name: '`Token` outside Influx is not a scheme', path: '/api/v1/import/prometheus', body: 'm 1\n', headers: { authorization: `Token ${TOKEN_A}` }, status: 401 },
    { name: 'Influx v1 ?u=&p=', path: `/write?u=ci&p=${CI_PASS}`, body: LINE, status: 204, tenant: 'ci' },
    { name: 'Influx v1 ?u=&p= wrong password', path: '/write?u=ci&p=nope', body: LINE, status: 401 },
    { name: 'Influx v1 compatibility: token in p', path: `/write?u=anyone&p=${TOKEN_B}`, body: LINE, status: 204, tenant: 'team-b' },
    { name: 'Influx basic auth carrying a token as password', path: '/write', body: LINE, headers: { authorization: basic('telegraf', TOKEN_B) }, status: 204, tenant: 'team-b' },
    { name: 'DataDog DD-API-KEY header', path: '/datadog/api/v1/series', body: '{"series":[{"metric":"a","points":[[1700000000,1]]}]}', headers: { 'dd-api-key': TOKEN_A }, status: 202, tenant: 'team-a' },
    { name: 'DataDog api_key query arg', path: `/datadog/api/v2/series?api_key=${TOKEN_B}`, body: '{"series":[{"metric":"a","points":[{"timestamp":1700000000,"value":1}]}]}', headers: { 'content-type': 'application/json' }, status: 202, tenant: 'team-b' },
    { name: 'DataDog wrong key', path: '/datadog/api/v1/series', body: '{"series":[]}', headers: { 'dd-api-key': 'nope' }, status: 401 },
    { name: 'DataDog key validation needs the key', method: 'GET', path: '/datadog/api/v1/validate', status: 401 },
    { name: 'DD-API-KEY outside DataDog is ignored', path: '/write', body: LINE, headers: { 'dd-api-key': TOKEN_A }, status: 401 },
    { name: 'Influx /ping is public (InfluxDB answers it without credentials)', method: 'GET', path: '/ping', status: 204 },
    { name: 'Influx /health is public', method: 'GET', path: '/health', status: 200 },
    { name: 'Influx /query needs credentials', path: '/query?q=CREATE+DATABASE+x', status: 401 },
    { name: 'unknown paths stay 404 (routing first)', path: '/nope', status: 404 },
  ];
  for (const c of table) {
    it(`${c.name}: ${c.status}`, async () => {
      const h = authHarness(AUTH, SECRETS);
      const res = await h.call(c.method ?? 'POST', c.path, c.body ?? '', c.headers ?? {});
      assert.equal(res.status, c.status, String(res.body));
      if (c.want) assert.match(String(res.body), c.want);
      if (c.status === 401) {
        assert.equal(res.headers['www-authenticate'], CHALLENGE);
        assert.equal(h.queue.sent.length, 0);
      }
      if (c.tenant) assert.deepEqual((await h.queued()).map((q) => q.tenant), [c.tenant]);
    });
  }

  it('the challenge names only the configured schemes', async () => {
    const onlyBasic = authHarness({ mode: 'required', basic_auth: [{ username: 'u', password_ref: 'env:P', tenant: 't' }] }, { 'env:P': 'p' });
    assert.equal((await onlyBasic.call('POST', '/write', LINE)).headers['www-authenticate'], 'Basic realm="metrics-gateway"');
    const onlyBearer = authHarness({ mode: 'required', bearer_tokens: [{ token_ref: 'env:T', tenant: 't' }] }, { 'env:T': 't' });
    assert.equal((await onlyBearer.call('POST', '/write', LINE)).headers['www-authenticate'], 'Bearer realm="metrics-gateway"');
  });

  it("a credential's extra_labels override body labels and extra_label query args", async () => {
    const h = authHarness(AUTH, SECRETS);
    const res = await h.call('POST', '/write?extra_label=team=query&extra_label=env=prod', LINE, { authorization: `Bearer ${TOKEN_A}` });
    assert.equal(res.status, 204);
    assert.deepEqual(await h.queued(), [{ tenant: 'team-a', series: ['m_v{env="prod",team="a"}'] }]);
  });

  it('auth runs before the body is looked at: an unauthenticated oversized or garbled body is a 401', async () => {
    const h = authHarness(AUTH, SECRETS);
    const res = await h.call('POST', '/write', Buffer.alloc(5 * 1024 * 1024, 0x61), { 'content-encoding': 'gzip' });
    assert.equal(res.status, 401);
  });

  it('reads each secret once and keeps it', async () => {
    const h = authHarness(AUTH, SECRETS);
    for (let i = 0; i < 3; i++) await h.call('POST', '/write', LINE, { authorization: `Bearer ${TOKEN_A}` });
    await h.call('POST', '/write', LINE, { authorization: 'Bearer nope' });
    assert.equal(h.store.reads, 3);
  });

  it('a secret that cannot be read is a 503 with Retry-After, retried on the next request', async () => {
    const h = authHarness(AUTH, SECRETS);
    h.store.failing = true;
    const res = await h.call('POST', '/write', LINE, { authorization: `Bearer ${TOKEN_A}` });
    assert.equal(res.status, 503);
    assert.equal(res.headers['retry-after'], '5');
    assert.ok(h.logger.lines.some((l) => l.level === 'error' && String(l.fields?.error).includes('env:TOKEN_A')));
    h.store.failing = false;
    assert.equal((await h.call('POST', '/write', LINE, { authorization: `Bearer ${TOKEN_A}` })).status, 204);
  });

  it('an empty secret is refused (it would let an empty password in)', async () => {
    const h = authHarness(AUTH, { ...SECRETS, 'env:TOKEN_B': '' });
    assert.equal((await h.call('POST', '/write', LINE, { authorization: `Bearer ${TOKEN_A}` })).status, 503);
  });

  it('counts failures by protocol and reason', async () => {
    const h = authHarness(AUTH, SECRETS);
    await h.call('POST', '/write', LINE);
    await h.call('POST', '/write', LINE, { authorization: 'Bearer x' });
    await h.call('POST', '/insert/other/write', LINE, { authorization: `Bearer ${TOKEN_A}` });
    assert.equal(h.metrics.get('ingest_auth_failures_total', { protocol: 'influx', reason: 'missing' }), 1);
    assert.equal(h.metrics.get('ingest_auth_failures_total', { protocol: 'influx', reason: 'invalid' }), 1);
    assert.equal(h.metrics.get('ingest_auth_failures_total', { protocol: 'influx', reason: 'tenant' }), 1);
    assert.equal(h.metrics.get('ingest_requests_total', { protocol: 'influx', status: '401' }), 2);
  });
});

describe('inbound auth: tenants', () => {
  const required: { name: string; path: string; headers?: Record<string, string>; status: number; want?: RegExp; tenant?: string }[] = [
    { name: "the credential's tenant without path or header", path: '/write', status: 204, tenant: 'team-a' },
    { name: 'the same tenant in the path', path: '/insert/team-a/write', status: 204, tenant: 'team-a' },
    { name: 'the same tenant in X-Scope-OrgID', path: '/write', headers: { 'x-scope-orgid': 'team-a' }, status: 204, tenant: 'team-a' },
    { name: 'another tenant in the path', path: '/insert/team-b/write', status: 403, want: /^influx: this credential writes to tenant "team-a"; it cannot write to tenant "team-b"\n$/ },
    { name: 'another tenant in X-Scope-OrgID', path: '/write', headers: { 'x-scope-orgid': 'team-b' }, status: 403, want: /cannot write to tenant "team-b"/ },
    { name: 'path and header disagree', path: '/insert/team-a/write', headers: { 'x-scope-orgid': 'team-b' }, status: 400, want: /^influx: tenant "team-a" in the path and "team-b" in header X-Scope-OrgID differ/ },
    { name: 'an invalid tenant in the header', path: '/write', headers: { 'x-scope-orgid': 'a b' }, status: 400, want: /^influx: invalid tenant "a b" in header X-Scope-OrgID: must match/ },
  ];
  for (const c of required) {
    it(`mode required, ${c.name}: ${c.status}`, async () => {
      const h = authHarness(AUTH, SECRETS);
      const res = await h.call('POST', c.path, LINE, { authorization: `Bearer ${TOKEN_A}`, ...c.headers });
      assert.equal(res.status, c.status, String(res.body));
      if (c.want) assert.match(String(res.body), c.want);
      assert.deepEqual((await h.queued()).map((q) => q.tenant), c.tenant ? [c.tenant] : []);
    });
  }

  const none: { name: string; path: string; headers?: Record<string, string>; auth?: Record<string, unknown>; status: number; want?: RegExp; tenant?: string }[] = [
    { name: 'nothing named: the default tenant', path: '/write', status: 204, tenant: 'default' },
    { name: 'path tenant', path: '/insert/42/write', status: 204, tenant: '42' },
    { name: 'vmagent account:project tenant', path: '/insert/1:2/prometheus/api/v1/import/prometheus', status: 204, tenant: '1:2' },
    { name: 'header tenant', path: '/write', headers: { 'x-scope-orgid': 'team-x' }, status: 204, tenant: 'team-x' },
    { name: 'a configured tenant_header', path: '/write', auth: { tenant_header: 'X-Tenant' }, headers: { 'x-tenant': 'team-y', 'x-scope-orgid': 'ignored' }, status: 204, tenant: 'team-y' },
    { name: 'path and header agree', path: '/insert/t1/write', headers: { 'x-scope-orgid': 't1' }, status: 204, tenant: 't1' },
    { name: 'path and header disagree', path: '/insert/t1/write', headers: { 'x-scope-orgid': 't2' }, status: 400, want: /differ/ },
    { name: 'an invalid path tenant', path: '/insert/a%20b/write', status: 400, want: /invalid tenant "a b" in path \/insert\/<tenant>\// },
    { name: 'credentials are ignored', path: '/write', headers: { authorization: 'Bearer whatever' }, status: 204, tenant: 'default' },
  ];
  for (const c of none) {
    it(`mode none, ${c.name}: ${c.status}`, async () => {
      const h = authHarness({ mode: 'none', ...c.auth });
      const body = c.path.includes('prometheus') ? 'm_v 1\n' : LINE;
      const res = await h.call('POST', c.path, body, c.headers ?? {});
      assert.equal(res.status, c.status, String(res.body));
      if (c.want) assert.match(String(res.body), c.want);
      assert.deepEqual((await h.queued()).map((q) => q.tenant), c.tenant ? [c.tenant] : []);
    });
  }
});

describe('inbound auth: secrets never leave', () => {
  it('no token, password or Authorization value appears in logs, response bodies or headers', async () => {
    const h = authHarness(AUTH, SECRETS);
    const responses = [];
    const attempts: [string, Record<string, string>][] = [
      ['/write', { authorization: `Bearer ${TOKEN_A}` }],
      ['/write', { authorization: `Bearer ${TOKEN_A}-wrong` }],
      ['/insert/team-b/write', { authorization: `Bearer ${TOKEN_A}` }],
      [`/write?u=ci&p=${CI_PASS}-wrong`, {}],
      ['/api/v1/import/prometheus', { authorization: basic('ci', `${CI_PASS}-wrong`) }],
      ['/api/v1/import/prometheus', { authorization: basic('ci', CI_PASS) }],
      [`/datadog/api/v1/series?api_key=${TOKEN_B}-wrong`, {}],
      ['/write', { authorization: `Bearer ${TOKEN_B}`, 'content-encoding': 'br' }],
    ];
    for (const [path, headers] of attempts) responses.push(await h.call('POST', path, 'bad line\n', headers));
    h.store.failing = true;
    const h2 = authHarness(AUTH, SECRETS);
    h2.store.failing = true;
    responses.push(await h2.call('POST', '/write', LINE, { authorization: `Bearer ${TOKEN_A}` }));
    const logged = JSON.stringify([...h.logger.lines, ...h2.logger.lines]);
    const answered = JSON.stringify(responses.map((r) => [String(r.body), r.headers]));
    assert.ok(h.logger.lines.length > 0, 'failures are logged');
    for (const secret of [TOKEN_A, TOKEN_B, CI_PASS, Buffer.from(`ci:${CI_PASS}`).toString('base64')]) {
      assert.ok(!logged.includes(secret), `a log line holds ${secret}`);
      assert.ok(!answered.includes(secret), `a response holds ${secret}`);
    }
  });
});
