import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadGatewayConfig } from '../../../../lib/config/load.ts';
import type { RemoteWriteAuth } from '../../../../lib/config/remote-write-auth.ts';
import { ConfigError } from '../../../../lib/errors.ts';
import { parseGatewayConfig } from '../../../../lib/config/schema.ts';

const URL_ = 'url: "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write"';

function problems(rw: string): string[] {
  try {
    loadGatewayConfig(`auth: {mode: none}\nremote_write:\n  - {${URL_}, ${rw}}`, 'g.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  return [];
}

function auth(rw: string): RemoteWriteAuth {
  return loadGatewayConfig(`auth: {mode: none}\nremote_write:\n  - {${URL_}, ${rw}}`).remoteWrite[0]!.auth;
}

describe('remote_write auth config', () => {
  const good: { name: string; input: string; want: RemoteWriteAuth }[] = [
    { name: 'none', input: 'name: a', want: {} },
    { name: 'basic_auth with password_ref', input: 'basic_auth: {username: u, password_ref: "env:RW_PASSWORD"}', want: { credentials: { kind: 'basic_auth', username: 'u', passwordRef: 'env:RW_PASSWORD' } } },
    { name: 'basic_auth password_file is a file: reference', input: 'basic_auth: {username: u, password_file: /run/secrets/pw}', want: { credentials: { kind: 'basic_auth', username: 'u', passwordRef: 'file:/run/secrets/pw' } } },
    { name: 'basic_auth without password (Prometheus allows it)', input: 'basic_auth: {username: u}', want: { credentials: { kind: 'basic_auth', username: 'u' } } },
    { name: 'authorization defaults to Bearer', input: 'authorization: {credentials_ref: "ssm:/gw/token"}', want: { credentials: { kind: 'authorization', type: 'Bearer', credentialsRef: 'ssm:/gw/token' } } },
    { name: 'authorization custom type and credentials_file', input: 'authorization: {type: Token, credentials_file: /t}', want: { credentials: { kind: 'authorization', type: 'Token', credentialsRef: 'file:/t' } } },
    {
      name: 'oauth2',
      input: 'oauth2: {client_id: gw, client_secret_ref: "secretsmanager:gw#secret", token_url: "https://idp/token", scopes: [a, b], endpoint_params: {audience: rw}, tls_config: {ca_file: /ca.pem}}',
      want: { credentials: { kind: 'oauth2', clientId: 'gw', clientSecretRef: 'secretsmanager:gw#secret', tokenUrl: 'https://idp/token', scopes: ['a', 'b'], endpointParams: { audience: 'rw' }, tls: { ca: { ref: 'file:/ca.pem' }, insecureSkipVerify: false } } },
    },
    { name: 'sigv4 empty: default chain and AWS_REGION', input: 'sigv4: {}', want: { credentials: { kind: 'sigv4' } } },
    {
      name: 'sigv4 static keys and role',
      input: 'sigv4: {region: eu-west-1, access_key: AKIDEXAMPLE, secret_key_ref: "env:AWS_SECRET", role_arn: "arn:aws:iam::123456789012:role/amp-writer"}',
      want: { credentials: { kind: 'sigv4', region: 'eu-west-1', accessKey: 'AKIDEXAMPLE', secretKeyRef: 'env:AWS_SECRET', roleArn: 'arn:aws:iam::123456789012:role/amp-writer' } },
    },
    { name: 'sigv4 profile', input: 'sigv4: {region: us-east-1, profile: prod}', want: { credentials: { kind: 'sigv4', region: 'us-east-1', profile: 'prod' } } },
    {
      name: 'tls_config for mTLS',
      input: 'tls_config: {ca_file: /ca.pem, cert_file: /c.pem, key_file: /k.pem, server_name: vm.internal, min_version: TLS13}',
      want: { tls: { ca: { ref: 'file:/ca.pem' }, cert: { ref: 'file:/c.pem' }, key: { ref: 'file:/k.pem' }, serverName: 'vm.internal', insecureSkipVerify: false, minVersion: 'TLSv1.3' } },
    },
    { name: 'tls_config inline public PEMs and key_ref', input: 'tls_config: {ca: "PEM-CA", cert: "PEM-CERT", key_ref: "secretsmanager:vm-client-key"}', want: { tls: { ca: { pem: 'PEM-CA' }, cert: { pem: 'PEM-CERT' }, key: { ref: 'secretsmanager:vm-client-key' }, insecureSkipVerify: false } } },
    { name: 'proxy_url', input: 'proxy_url: "http://proxy.internal:3128"', want: { proxyUrl: 'http://proxy.internal:3128' } },
    { name: 'insecure_skip_verify', input: 'tls_config: {insecure_skip_verify: true}', want: { tls: { insecureSkipVerify: true } } },
    { name: 'basic_auth together with tls_config', input: 'basic_auth: {username: u, password_ref: "env:P"}, tls_config: {server_name: x}', want: { credentials: { kind: 'basic_auth', username: 'u', passwordRef: 'env:P' }, tls: { serverName: 'x', insecureSkipVerify: false } } },
  ];
  for (const c of good) {
    it(`accepts ${c.name}`, () => assert.deepEqual(auth(c.input), c.want));
  }

  const P = 'remote_write[0]';
  const USE_REF = 'secrets are not accepted in the config (they would end up in the bundle); use';
  const bad: { name: string; input: string; want: string[] }[] = [
    { name: 'literal password', input: 'basic_auth: {username: u, password: hunter2}', want: [`${P}.basic_auth.password: ${USE_REF} password_ref (env:NAME, file:/path, secretsmanager:<id>[#key], ssm:/name) or password_file`] },
    { name: 'literal bearer credentials', input: 'authorization: {credentials: abc}', want: [`${P}.authorization.credentials: ${USE_REF} credentials_ref`] },
    { name: 'literal client_secret', input: 'oauth2: {client_id: a, client_secret: s, token_url: "http://idp/t"}', want: [`${P}.oauth2.client_secret: ${USE_REF} client_secret_ref`] },
    { name: 'literal secret_key', input: 'sigv4: {access_key: A, secret_key: s}', want: [`${P}.sigv4.secret_key: ${USE_REF} secret_key_ref`] },
    { name: 'literal tls key', input: 'tls_config: {cert_file: /c, key: "-----BEGIN"}', want: [`${P}.tls_config.key: ${USE_REF} key_ref`] },
    { name: 'two auth methods (Prometheus rule)', input: 'basic_auth: {username: u}, sigv4: {}', want: [`${P}: at most one of basic_auth, authorization, oauth2 and sigv4 may be set, got basic_auth and sigv4`] },
    { name: 'three auth methods', input: 'basic_auth: {username: u}, authorization: {credentials_ref: "env:T"}, oauth2: {client_id: a, token_url: "http://i/t"}', want: [`${P}: at most one of basic_auth, authorization, oauth2 and sigv4 may be set, got basic_auth and authorization and oauth2`] },
    { name: 'ref and file together', input: 'basic_auth: {username: u, password_ref: "env:P", password_file: /p}', want: [`${P}.basic_auth: at most one of password_ref and password_file may be set`] },
    { name: 'not a secret reference (value not quoted)', input: 'basic_auth: {username: u, password_ref: hunter2}', want: [`${P}.basic_auth.password_ref: must be a secret reference (env:NAME, file:/path, secretsmanager:<id>[#key], ssm:/name), got something else (not quoted: it may be a secret)`] },
    { name: 'authorization without credentials', input: 'authorization: {type: Bearer}', want: [`${P}.authorization: one of credentials_ref or credentials_file is required`] },
    { name: 'authorization type Basic (Prometheus rule)', input: 'authorization: {type: basic, credentials_ref: "env:T"}', want: [`${P}.authorization.type: cannot be "Basic", use basic_auth instead`] },
    { name: 'authorization type with a space', input: 'authorization: {type: "a b", credentials_ref: "env:T"}', want: [`${P}.authorization.type: must be an HTTP auth scheme token, got "a b"`] },
    { name: 'oauth2 without client_id and token_url', input: 'oauth2: {scopes: [a]}', want: [`${P}.oauth2.client_id: required`, `${P}.oauth2.token_url: required`] },
    { name: 'oauth2 bad token_url', input: 'oauth2: {client_id: a, token_url: "idp/token"}', want: [`${P}.oauth2.token_url: must be an http:// or https:// URL, got "idp/token"`] },
    { name: 'oauth2 unknown field', input: 'oauth2: {client_id: a, token_url: "http://i/t", scope: x}', want: [`${P}.oauth2.scope: unknown field (allowed: client_id, client_secret, client_secret_ref, client_secret_file, token_url, scopes, endpoint_params, tls_config, proxy_url)`] },
    { name: 'sigv4 access_key without secret', input: 'sigv4: {access_key: A}', want: [`${P}.sigv4: access_key and secret_key_ref must be set together (or neither, for the default AWS credential chain)`] },
    { name: 'sigv4 secret without access_key', input: 'sigv4: {secret_key_ref: "env:S"}', want: [`${P}.sigv4: access_key and secret_key_ref must be set together`] },
    { name: 'sigv4 bad region', input: 'sigv4: {region: "US East"}', want: [`${P}.sigv4.region: must be an AWS region like us-east-1, got "US East"`] },
    { name: 'sigv4 bad role_arn', input: 'sigv4: {role_arn: amp-writer}', want: [`${P}.sigv4.role_arn: must be an IAM role ARN like arn:aws:iam::123456789012:role/name, got "amp-writer"`] },
    { name: 'tls cert without key', input: 'tls_config: {cert_file: /c}', want: [`${P}.tls_config: cert or cert_file is set without key_file or key_ref`] },
    { name: 'tls key without cert', input: 'tls_config: {key_file: /k}', want: [`${P}.tls_config: key_file or key_ref is set without cert or cert_file`] },
    { name: 'tls ca and ca_file', input: 'tls_config: {ca: x, ca_file: /ca}', want: [`${P}.tls_config: at most one of ca and ca_file may be set`] },
    { name: 'tls bad min_version', input: 'tls_config: {min_version: TLS1.2}', want: [`${P}.tls_config.min_version: must be one of TLS10, TLS11, TLS12, TLS13, got "TLS1.2"`] },
    { name: 'tls skip verify not a bool', input: 'tls_config: {insecure_skip_verify: "yes"}', want: [`${P}.tls_config.insecure_skip_verify: must be true or false, got string "yes"`] },
    { name: 'Authorization header (Prometheus rule)', input: 'headers: {Authorization: "Bearer x"}', want: [`${P}.headers.Authorization: must be set through basic_auth, authorization, oauth2 or sigv4`] },
    { name: 'SigV4 header', input: 'headers: {X-Amz-Date: x}', want: [`${P}.headers.X-Amz-Date: is a reserved header and cannot be set`] },
    { name: 'Host header', input: 'headers: {host: x}', want: [`${P}.headers.host: is a reserved header and cannot be set`] },
    { name: 'proxy_url with credentials (value not quoted)', input: 'proxy_url: "http://u:pw@proxy:3128"', want: [`${P}.proxy_url: must not contain credentials (secrets are not accepted in the config; authenticating proxies are not supported)`] },
    { name: 'socks5 proxy_url', input: 'proxy_url: "socks5://proxy:1080"', want: [`${P}.proxy_url: must be an http:// URL (socks5:// proxies are not supported)`] },
    { name: 'proxy_url with a path', input: 'proxy_url: "http://proxy:3128/x"', want: [`${P}.proxy_url: must be only a scheme, host and port, like http://proxy:3128`] },
    { name: 'proxy_url not a URL', input: 'proxy_url: "not a url"', want: [`${P}.proxy_url: must be an http:// URL like http://proxy:3128`] },
    { name: 'oauth2 proxy_url with credentials', input: 'oauth2: {client_id: a, token_url: "http://i/t", proxy_url: "http://u:p@x:1"}', want: [`${P}.oauth2.proxy_url: must not contain credentials`] },
    { name: 'unknown basic_auth field', input: 'basic_auth: {user: u}', want: [`${P}.basic_auth.user: unknown field (allowed: username, password, password_ref, password_file)`] },
  ];
  for (const c of bad) {
    it(`refuses ${c.name}`, () => {
      const got = problems(c.input);
      for (const w of c.want) assert.ok(got.some((p) => p.startsWith(w)), `wanted ${w}\n in ${JSON.stringify(got, null, 1)}`);
    });
  }

  it('never quotes a literal secret in an error', () => {
    const got = problems('basic_auth: {username: u, password: hunter2-very-secret}, authorization: {credentials_ref: "hunter3-very-secret"}');
    assert.ok(got.length >= 2);
    for (const p of got) assert.ok(!p.includes('very-secret'), p);
  });

  it('custom headers still pass through beside auth', () => {
    const c = loadGatewayConfig(`auth: {mode: none}\nremote_write:\n  - {${URL_}, headers: {X-Scope-OrgID: t1}, basic_auth: {username: u}}`);
    assert.deepEqual(c.remoteWrite[0]!.headers, { 'X-Scope-OrgID': 't1' });
  });
});

describe('remote_write auth config: arbitrary input', () => {
  it('only ConfigError escapes, whatever the auth sections hold', async () => {
    const fc = (await import('fast-check')).default;
    const section = fc.oneof(fc.anything(), fc.dictionary(fc.constantFrom('username', 'password', 'password_ref', 'password_file', 'type', 'credentials', 'credentials_ref', 'credentials_file', 'client_id', 'client_secret_ref', 'token_url', 'scopes', 'endpoint_params', 'tls_config', 'region', 'access_key', 'secret_key_ref', 'profile', 'role_arn', 'ca', 'ca_file', 'cert_file', 'key_file', 'key_ref', 'server_name', 'insecure_skip_verify', 'min_version'), fc.anything()));
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('basic_auth', 'authorization', 'oauth2', 'sigv4', 'tls_config', 'proxy_url', 'headers'), section), (extra) => {
        try {
          parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ url: 'http://a/w', ...extra }] });
        } catch (err) {
          assert.ok(err instanceof ConfigError, String(err));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
