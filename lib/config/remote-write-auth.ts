import { SECRET_REF_RE } from '../ports/index.ts';
import type { Checker } from './check.ts';

/**
 * Remote auth of one remote_write destination, with Prometheus' field names and rules (basic_auth,
 * authorization, oauth2, sigv4, tls_config). Secrets are SecretStore references, never literals: a
 * literal would end up in the Lambda bundle. `*_ref` takes any reference (env:, file:, secretsmanager:,
 * ssm:); Prometheus' `*_file` fields become `file:` references.
 */
export interface RemoteWriteAuth {
  /** At most one of basic_auth, authorization, oauth2, sigv4 (Prometheus rule). */
  credentials?: BasicAuthConfig | AuthorizationConfig | OAuth2Config | SigV4Config;
  tls?: TlsConfig;
  /** An http:// proxy (proxy_url); https targets are tunnelled with CONNECT. */
  proxyUrl?: string;
}

export interface BasicAuthConfig {
  kind: 'basic_auth';
  username: string;
  /** SecretStore reference; absent means an empty password (Prometheus allows it). */
  passwordRef?: string;
}

export interface AuthorizationConfig {
  kind: 'authorization';
  /** The scheme, `Bearer` unless configured. */
  type: string;
  credentialsRef: string;
}

export interface OAuth2Config {
  kind: 'oauth2';
  clientId: string;
  /** SecretStore reference; absent means an empty secret (Prometheus allows it). */
  clientSecretRef?: string;
  tokenUrl: string;
  scopes: string[];
  endpointParams: Record<string, string>;
  /** TLS towards the token endpoint. */
  tls?: TlsConfig;
  proxyUrl?: string;
}

export interface SigV4Config {
  kind: 'sigv4';
  /** Absent: the region of the environment (AWS_REGION) is used. */
  region?: string;
  /** With secretKeyRef: static credentials. Otherwise the default AWS credential chain (or `profile`). */
  accessKey?: string;
  secretKeyRef?: string;
  profile?: string;
  /** Assumed through STS with the credentials above. */
  roleArn?: string;
}

/** A PEM either given in the config (certificates are public) or read through the SecretStore. */
export type PemSource = { ref: string } | { pem: string };

export interface TlsConfig {
  ca?: PemSource;
  cert?: PemSource;
  /** Private keys only by reference (key_file or key_ref). */
  key?: PemSource;
  serverName?: string;
  insecureSkipVerify: boolean;
  /** Node's spelling (`TLSv1.2`) of Prometheus' min_version (`TLS12`). */
  minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
}

export const AUTH_KEYS = ['basic_auth', 'authorization', 'oauth2', 'sigv4', 'tls_config', 'proxy_url'] as const;

const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;

/**
 * Headers a user may not set on a destination: Prometheus reserves these besides the protocol's own, and
 * Authorization must come from the auth sections.
 */
const AUTH_RESERVED_HEADERS = ['host', 'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'www-authenticate', 'accept-encoding', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'];

/** Reads the auth fields of a remote_write entry `o` at `path`, recording problems on `c`. */
export function parseRemoteWriteAuth(c: Checker, o: Record<string, unknown>, path: string): RemoteWriteAuth {
  const present = (['basic_auth', 'authorization', 'oauth2', 'sigv4'] as const).filter((k) => o[k] !== undefined && o[k] !== null);
  if (present.length > 1) c.fail(path, `at most one of basic_auth, authorization, oauth2 and sigv4 may be set, got ${present.join(' and ')}`);
  const proxyUrl = parseProxyUrl(c, o.proxy_url, `${path}.proxy_url`);
  const headers = o.headers && typeof o.headers === 'object' && !Array.isArray(o.headers) ? Object.keys(o.headers) : [];
  for (const h of headers) {
    const lower = h.toLowerCase();
    if (lower === 'authorization') c.fail(`${path}.headers.${h}`, 'must be set through basic_auth, authorization, oauth2 or sigv4');
    else if (AUTH_RESERVED_HEADERS.includes(lower)) c.fail(`${path}.headers.${h}`, 'is a reserved header and cannot be set');
  }
  const out: RemoteWriteAuth = {};
  const kind = present[0];
  if (kind === 'basic_auth') out.credentials = parseBasicAuth(c, o.basic_auth, `${path}.basic_auth`);
  else if (kind === 'authorization') out.credentials = parseAuthorization(c, o.authorization, `${path}.authorization`);
  else if (kind === 'oauth2') out.credentials = parseOAuth2(c, o.oauth2, `${path}.oauth2`);
  else if (kind === 'sigv4') out.credentials = parseSigV4(c, o.sigv4, `${path}.sigv4`);
  const tls = parseTlsConfig(c, o.tls_config, `${path}.tls_config`);
  if (tls) out.tls = tls;
  if (proxyUrl) out.proxyUrl = proxyUrl;
  return out;
}

/**
 * proxy_url: an http:// proxy. Credentials in the URL are refused (they would be a secret in the config),
 * and so are https:// and socks5:// proxies (not implemented).
 */
export function parseProxyUrl(c: Checker, raw: unknown, path: string): string | undefined {
  const s = c.string(raw, path);
  if (s === undefined || s === '') return undefined;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    c.fail(path, 'must be an http:// URL like http://proxy:3128');
    return undefined;
  }
  if (u.protocol !== 'http:') c.fail(path, `must be an http:// URL (${u.protocol}// proxies are not supported)`);
  else if (u.username || u.password) c.fail(path, 'must not contain credentials (secrets are not accepted in the config; authenticating proxies are not supported)');
  else if (u.pathname !== '/' || u.search) c.fail(path, 'must be only a scheme, host and port, like http://proxy:3128');
  return s;
}

function parseBasicAuth(c: Checker, raw: unknown, path: string): BasicAuthConfig {
  const o = c.object(raw, path) ?? {};
  const username = c.string(o.username, `${path}.username`, '');
  const passwordRef = secretRef(c, o, path, 'password');
  return { kind: 'basic_auth', username, ...(passwordRef ? { passwordRef } : {}) };
}

function parseAuthorization(c: Checker, raw: unknown, path: string): AuthorizationConfig {
  const o = c.object(raw, path) ?? {};
  const type = c.string(o.type, `${path}.type`, 'Bearer');
  // Prometheus refuses `type: basic`: basic_auth is the way to send Basic credentials.
  if (type.toLowerCase() === 'basic') c.fail(`${path}.type`, 'cannot be "Basic", use basic_auth instead');
  else if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(type)) c.fail(`${path}.type`, `must be an HTTP auth scheme token, got ${JSON.stringify(type)}`);
  const credentialsRef = secretRef(c, o, path, 'credentials');
  if (!credentialsRef && o.credentials === undefined) c.fail(path, 'one of credentials_ref or credentials_file is required');
  return { kind: 'authorization', type, credentialsRef: credentialsRef ?? '' };
}

function parseOAuth2(c: Checker, raw: unknown, path: string): OAuth2Config {
  const o = c.object(raw, path) ?? {};
  const clientId = c.string(o.client_id, `${path}.client_id`, '');
  if (!clientId) c.fail(`${path}.client_id`, 'required');
  const clientSecretRef = secretRef(c, o, path, 'client_secret');
  const tokenUrl = c.string(o.token_url, `${path}.token_url`, '');
  if (!tokenUrl) c.fail(`${path}.token_url`, 'required');
  else if (!/^https?:\/\/[^/]+/.test(tokenUrl)) c.fail(`${path}.token_url`, `must be an http:// or https:// URL, got ${JSON.stringify(tokenUrl)}`);
  const scopes = c.array(o.scopes, `${path}.scopes`).flatMap((s, i) => c.string(s, `${path}.scopes[${i}]`) ?? []);
  const endpointParams = c.stringMap(o.endpoint_params, `${path}.endpoint_params`);
  const proxyUrl = parseProxyUrl(c, o.proxy_url, `${path}.proxy_url`);
  const tls = parseTlsConfig(c, o.tls_config, `${path}.tls_config`);
  return { kind: 'oauth2', clientId, ...(clientSecretRef ? { clientSecretRef } : {}), tokenUrl, scopes, endpointParams, ...(tls ? { tls } : {}), ...(proxyUrl ? { proxyUrl } : {}) };
}

function parseSigV4(c: Checker, raw: unknown, path: string): SigV4Config {
  const o = c.object(raw, path) ?? {};
  const region = c.string(o.region, `${path}.region`);
  if (region !== undefined && !/^[a-z0-9-]+$/.test(region)) c.fail(`${path}.region`, `must be an AWS region like us-east-1, got ${JSON.stringify(region)}`);
  const accessKey = c.string(o.access_key, `${path}.access_key`);
  const secretKeyRef = secretRef(c, o, path, 'secret_key', false);
  // Prometheus: static credentials need both halves.
  if ((accessKey === undefined) !== (secretKeyRef === undefined && o.secret_key === undefined)) {
    c.fail(path, 'access_key and secret_key_ref must be set together (or neither, for the default AWS credential chain)');
  }
  const profile = c.string(o.profile, `${path}.profile`);
  const roleArn = c.string(o.role_arn, `${path}.role_arn`);
  if (roleArn !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(roleArn)) c.fail(`${path}.role_arn`, `must be an IAM role ARN like arn:aws:iam::123456789012:role/name, got ${JSON.stringify(roleArn)}`);
  return {
    kind: 'sigv4',
    ...(region ? { region } : {}),
    ...(accessKey !== undefined ? { accessKey } : {}),
    ...(secretKeyRef ? { secretKeyRef } : {}),
    ...(profile ? { profile } : {}),
    ...(roleArn ? { roleArn } : {}),
  };
}

/** tls_config (Prometheus fields) plus `key_ref`; undefined when absent. */
export function parseTlsConfig(c: Checker, raw: unknown, path: string): TlsConfig | undefined {
  const o = c.object(raw, path);
  if (!o) return undefined;
  const ca = pem(c, o, path, 'ca');
  const cert = pem(c, o, path, 'cert');
  const keyRef = secretRef(c, o, path, 'key', false);
  const key: PemSource | undefined = keyRef ? { ref: keyRef } : undefined;
  // Prometheus: a client certificate needs its key and the other way round.
  if (cert && !key && o.key === undefined) c.fail(path, 'cert or cert_file is set without key_file or key_ref');
  if (key && !cert) c.fail(path, 'key_file or key_ref is set without cert or cert_file');
  const serverName = c.string(o.server_name, `${path}.server_name`);
  const insecureSkipVerify = c.bool(o.insecure_skip_verify, `${path}.insecure_skip_verify`, false);
  const mv = c.string(o.min_version, `${path}.min_version`);
  let minVersion: TlsConfig['minVersion'];
  if (mv !== undefined) {
    minVersion = TLS_VERSIONS[mv as keyof typeof TLS_VERSIONS];
    if (!minVersion) c.fail(`${path}.min_version`, `must be one of TLS10, TLS11, TLS12, TLS13, got ${JSON.stringify(mv)}`);
  }
  return {
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(serverName ? { serverName } : {}),
    insecureSkipVerify,
    ...(minVersion ? { minVersion } : {}),
  };
}

/** `<name>` as inline PEM or `<name>_file`, at most one of them. */
function pem(c: Checker, o: Record<string, unknown>, path: string, name: string): PemSource | undefined {
  const inline = c.string(o[name], `${path}.${name}`);
  const file = c.string(o[`${name}_file`], `${path}.${name}_file`);
  if (inline !== undefined && file !== undefined) c.fail(path, `at most one of ${name} and ${name}_file may be set`);
  if (file !== undefined) return { ref: `file:${file}` };
  return inline !== undefined ? { pem: inline } : undefined;
}

/**
 * The reference for secret `<name>`: `<name>_ref` (a SecretStore reference) or `<name>_file` (read as
 * `file:`), at most one. A literal `<name>` is refused: it would end up in the bundle.
 */
function secretRef(c: Checker, o: Record<string, unknown>, path: string, name: string, literalAllowedEmpty = true): string | undefined {
  const ref = c.string(o[`${name}_ref`], `${path}.${name}_ref`);
  const file = c.string(o[`${name}_file`], `${path}.${name}_file`);
  const literal = o[name];
  if (literal !== undefined && literal !== null && !(literalAllowedEmpty && literal === '')) {
    c.fail(`${path}.${name}`, `secrets are not accepted in the config (they would end up in the bundle); use ${name}_ref (env:NAME, file:/path, secretsmanager:<id>[#key], ssm:/name) or ${name}_file`);
  }
  const set = [ref !== undefined && `${name}_ref`, file !== undefined && `${name}_file`].filter(Boolean);
  if (set.length > 1) c.fail(path, `at most one of ${name}_ref and ${name}_file may be set`);
  if (ref !== undefined) {
    if (!SECRET_REF_RE.test(ref)) c.fail(`${path}.${name}_ref`, `must be a secret reference (env:NAME, file:/path, secretsmanager:<id>[#key], ssm:/name), got something else (not quoted: it may be a secret)`);
    return ref;
  }
  if (file !== undefined) {
    if (!file) c.fail(`${path}.${name}_file`, 'must not be empty');
    return `file:${file}`;
  }
  return undefined;
}
