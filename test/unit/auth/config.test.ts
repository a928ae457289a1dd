import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authSecretRefs } from '../../../lib/config/auth.ts';
import { loadGatewayConfig } from '../../../lib/config/load.ts';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { ConfigError } from '../../../lib/errors.ts';

function problems(raw: unknown): string[] {
  try {
    parseGatewayConfig(raw);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  return [];
}

describe('auth: in gateway.yaml', () => {
  it('mode none: tenants from path or header only; X-Scope-OrgID by default', () => {
    assert.deepEqual(parseGatewayConfig({ auth: { mode: 'none' } }).auth, { mode: 'none', tenantHeader: 'X-Scope-OrgID' });
  });

  it('mode required: credentials by reference, tenants, sorted extra labels', () => {
    const c = loadGatewayConfig(`
auth:
  mode: required
  tenant_header: X-Tenant
  bearer_tokens:
    - {token_ref: env:TOKEN_A, tenant: team-a, extra_labels: {team: a, env: prod}}
    - {token_ref: "secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:gw-AbCdEf#token", tenant: team-b}
  basic_auth:
    - {username: ci, password_ref: file:/run/secrets/ci, tenant: ci}
    - {username: pgw, password_ref: ssm:/gateway/pgw, tenant: "0:1"}
`);
    assert.deepEqual(c.auth, {
      mode: 'required',
      tenantHeader: 'X-Tenant',
      bearerTokens: [
        { tokenRef: 'env:TOKEN_A', tenant: 'team-a', extraLabels: [{ name: 'env', value: 'prod' }, { name: 'team', value: 'a' }] },
        { tokenRef: 'secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:gw-AbCdEf#token', tenant: 'team-b', extraLabels: [] },
      ],
      basicAuth: [
        { username: 'ci', passwordRef: 'file:/run/secrets/ci', tenant: 'ci', extraLabels: [] },
        { username: 'pgw', passwordRef: 'ssm:/gateway/pgw', tenant: '0:1', extraLabels: [] },
      ],
    });
    assert.deepEqual(authSecretRefs(c.auth), ['env:TOKEN_A', 'secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:gw-AbCdEf#token', 'file:/run/secrets/ci', 'ssm:/gateway/pgw']);
  });

  const bad: { name: string; raw: unknown; want: string[] }[] = [
    { name: 'missing auth section', raw: {}, want: ['auth: required: choose inbound authentication', '`auth: {mode: none}` to accept unauthenticated pushes'] },
    { name: 'missing mode', raw: { auth: {} }, want: ['auth.mode: required: none or required'] },
    { name: 'unknown mode', raw: { auth: { mode: 'off' } }, want: ['auth.mode: must be none or required, got "off"'] },
    { name: 'unknown key', raw: { auth: { mode: 'none', tokens: [] } }, want: ['auth.tokens: unknown field'] },
    { name: 'credentials with mode none', raw: { auth: { mode: 'none', bearer_tokens: [{ token_ref: 'env:T', tenant: 't' }] } }, want: ['auth: mode none takes no bearer_tokens or basic_auth'] },
    { name: 'mode required without credentials', raw: { auth: { mode: 'required' } }, want: ['auth: mode required needs at least one entry in bearer_tokens or basic_auth'] },
    { name: 'a literal token', raw: { auth: { mode: 'required', bearer_tokens: [{ token: 'hunter2', tenant: 't' }] } }, want: ['auth.bearer_tokens[0].token: literal secrets are not accepted; use token_ref with a reference (env:NAME, file:/path', 'auth.bearer_tokens[0].token_ref: required: a secret reference'] },
    { name: 'a literal password', raw: { auth: { mode: 'required', basic_auth: [{ username: 'u', password: 'hunter2', tenant: 't' }] } }, want: ['auth.basic_auth[0].password: literal secrets are not accepted; use password_ref'] },
    { name: 'a literal in token_ref', raw: { auth: { mode: 'required', bearer_tokens: [{ token_ref: 'hunter2', tenant: 't' }] } }, want: ['auth.bearer_tokens[0].token_ref: must be a secret reference (env:NAME, file:/path, secretsmanager:<arn|name>[#json-key] or ssm:/name), not a literal'] },
    { name: 'ssm without a leading slash', raw: { auth: { mode: 'required', basic_auth: [{ username: 'u', password_ref: 'ssm:name', tenant: 't' }] } }, want: ['auth.basic_auth[0].password_ref: must be a secret reference'] },
    { name: 'missing tenant', raw: { auth: { mode: 'required', bearer_tokens: [{ token_ref: 'env:T' }] } }, want: ['auth.bearer_tokens[0].tenant: required: the tenant this credential writes to'] },
    { name: 'invalid tenant', raw: { auth: { mode: 'required', bearer_tokens: [{ token_ref: 'env:T', tenant: 'a/b' }] } }, want: ['auth.bearer_tokens[0].tenant: must match ^[A-Za-z0-9_.:-]{1,150}$, got "a/b"'] },
    { name: 'username with a colon', raw: { auth: { mode: 'required', basic_auth: [{ username: 'a:b', password_ref: 'env:P', tenant: 't' }] } }, want: ['auth.basic_auth[0].username: must be non-empty and contain no ":"'] },
    { name: 'missing username', raw: { auth: { mode: 'required', basic_auth: [{ password_ref: 'env:P', tenant: 't' }] } }, want: ['auth.basic_auth[0].username: required'] },
    { name: 'duplicate username', raw: { auth: { mode: 'required', basic_auth: [{ username: 'u', password_ref: 'env:P', tenant: 't' }, { username: 'u', password_ref: 'env:Q', tenant: 's' }] } }, want: ['auth.basic_auth[1].username: duplicate username "u"'] },
    { name: 'bad extra label name', raw: { auth: { mode: 'required', bearer_tokens: [{ token_ref: 'env:T', tenant: 't', extra_labels: { 'bad-name': 'x', __x: 'y' } }] } }, want: ['auth.bearer_tokens[0].extra_labels.bad-name: must be a label name', 'auth.bearer_tokens[0].extra_labels.__x: must be a label name'] },
    { name: 'bad tenant header', raw: { auth: { mode: 'none', tenant_header: 'X Tenant' } }, want: ['auth.tenant_header: must be an HTTP header name, got "X Tenant"'] },
  ];
  for (const c of bad) {
    it(`reports ${c.name}`, () => {
      const got = problems(c.raw);
      for (const w of c.want) assert.ok(got.some((p) => p.includes(w)), `wanted ${w} in ${JSON.stringify(got)}`);
    });
  }

  it('a literal secret is never echoed in the problem', () => {
    const got = problems({ auth: { mode: 'required', bearer_tokens: [{ token: 'hunter2', tenant: 't' }], basic_auth: [{ username: 'u', password: 'hunter3', tenant: 't' }] } });
    assert.ok(!JSON.stringify(got).includes('hunter'), JSON.stringify(got));
  });
});

describe('otlp: and datadog: in gateway.yaml', () => {
  it('are validated by the protocols and kept', () => {
    const c = parseGatewayConfig({ auth: { mode: 'none' }, otlp: { translationStrategy: 'NoTranslation', promoteResourceAttributes: ['k8s.namespace.name'] }, datadog: { prometheusNaming: true } });
    assert.deepEqual(c.otlp, { translationStrategy: 'NoTranslation', promoteResourceAttributes: ['k8s.namespace.name'] });
    assert.deepEqual(c.datadog, { prometheusNaming: true });
    assert.deepEqual(parseGatewayConfig({ auth: { mode: 'none' } }).otlp, {});
  });
  const bad: { name: string; raw: unknown; want: string }[] = [
    { name: 'unknown OTLP strategy', raw: { otlp: { translationStrategy: 'Dots' } }, want: 'otlp.translationStrategy: must be one of UnderscoreEscapingWithoutSuffixes' },
    { name: 'unknown OTLP option', raw: { otlp: { targetinfo: true } }, want: 'otlp.targetinfo: unknown option' },
    { name: 'OTLP section not a mapping', raw: { otlp: [1] }, want: 'otlp: must be a mapping' },
    { name: 'DataDog option of the wrong type', raw: { datadog: { sanitizeMetricName: 'yes' } }, want: 'datadog.sanitizeMetricName: must be true or false' },
    { name: 'unknown DataDog option', raw: { datadog: { naming: true } }, want: 'datadog.naming: unknown option' },
  ];
  for (const c of bad) {
    it(`reports ${c.name} with its path, beside other problems`, () => {
      const got = problems({ auth: { mode: 'none' }, ingest: { max_body_bytes: 0 }, ...(c.raw as object) });
      assert.ok(got.some((p) => p.startsWith(c.want)), JSON.stringify(got));
      assert.ok(got.some((p) => p.startsWith('ingest.max_body_bytes')), JSON.stringify(got));
    });
  }
});
