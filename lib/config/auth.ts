import type { Label } from '../model/types.ts';
import { SECRET_REF_RE } from '../ports/index.ts';
import type { Checker } from './check.ts';

/**
 * Inbound authentication (`auth:` in gateway.yaml). Required in every config so turning it off is an
 * explicit choice (`auth: {mode: none}`). Secrets are references resolved through the SecretStore port,
 * never literals.
 */
export interface BearerCredential {
  /** Secret reference (env:, file:, secretsmanager:, ssm:) holding the token. */
  tokenRef: string;
  tenant: string;
  /** Labels added to every series pushed with this credential; they override labels of the same name. */
  extraLabels: Label[];
}

export interface BasicCredential {
  username: string;
  /** Secret reference holding the password. */
  passwordRef: string;
  tenant: string;
  extraLabels: Label[];
}

export type AuthConfig =
  | { mode: 'none'; tenantHeader: string }
  | {
      mode: 'required';
      tenantHeader: string;
      bearerTokens: BearerCredential[];
      basicAuth: BasicCredential[];
      /**
       * `auth.metrics`: absent (`authenticated`, the default) means the local runner's GET /metrics needs one of
       * these credentials too, since it shows tenant and destination names; `public` opens it.
       */
      metrics?: 'public';
    };

/** Cortex/Mimir's tenant header; Loki, Tempo and vmauth setups use it too. */
export const DEFAULT_TENANT_HEADER = 'X-Scope-OrgID';

/** Tenant ids: they end up in queue attributes and blob metadata, so a conservative alphabet (Mimir's, minus `/`-like characters). */
export const TENANT_RE = /^[A-Za-z0-9_.:-]{1,150}$/;

const REF_FORMS = 'env:NAME, file:/path, secretsmanager:<arn|name>[#json-key] or ssm:/name';

/** Validates `auth:`; problems are recorded on the Checker with their paths. */
export function parseAuthConfig(c: Checker, raw: unknown, path = 'auth'): AuthConfig {
  if (raw === undefined || raw === null) {
    c.fail(path, 'required: choose inbound authentication, e.g. `auth: {mode: required, bearer_tokens: [{token_ref: env:GATEWAY_TOKEN, tenant: team-a}]}`, or `auth: {mode: none}` to accept unauthenticated pushes');
    return { mode: 'none', tenantHeader: DEFAULT_TENANT_HEADER };
  }
  const o = c.object(raw, path) ?? {};
  const mode = c.string(o.mode, `${path}.mode`);
  if (mode === undefined && o.mode === undefined) c.fail(`${path}.mode`, 'required: none or required');
  else if (mode !== undefined && mode !== 'none' && mode !== 'required') c.fail(`${path}.mode`, `must be none or required, got ${JSON.stringify(mode)}`);
  const tenantHeader = c.string(o.tenant_header, `${path}.tenant_header`, DEFAULT_TENANT_HEADER);
  if (!/^[A-Za-z0-9-]+$/.test(tenantHeader)) c.fail(`${path}.tenant_header`, `must be an HTTP header name, got ${JSON.stringify(tenantHeader)}`);
  const bearerTokens = c.array(o.bearer_tokens, `${path}.bearer_tokens`).map((b, i) => parseBearer(c, b, `${path}.bearer_tokens[${i}]`));
  const basicAuth = c.array(o.basic_auth, `${path}.basic_auth`).map((b, i) => parseBasic(c, b, `${path}.basic_auth[${i}]`));
  const metrics = c.string(o.metrics, `${path}.metrics`, 'authenticated');
  if (metrics !== 'authenticated' && metrics !== 'public') c.fail(`${path}.metrics`, `must be authenticated or public, got ${JSON.stringify(metrics)}`);
  if (mode === 'none') {
    if (bearerTokens.length || basicAuth.length) c.fail(path, 'mode none takes no bearer_tokens or basic_auth (set mode: required to use them)');
    if (o.metrics !== undefined && metrics !== 'public') c.fail(`${path}.metrics`, 'mode none leaves /metrics public; authenticated needs mode: required');
    return { mode: 'none', tenantHeader };
  }
  if (mode === 'required' && !bearerTokens.length && !basicAuth.length) c.fail(path, 'mode required needs at least one entry in bearer_tokens or basic_auth');
  const users = new Set<string>();
  basicAuth.forEach((b, i) => {
    if (users.has(b.username)) c.fail(`${path}.basic_auth[${i}].username`, `duplicate username ${JSON.stringify(b.username)}`);
    users.add(b.username);
  });
  return { mode: 'required', tenantHeader, bearerTokens, basicAuth, ...(metrics === 'public' ? { metrics: 'public' as const } : {}) };
}

function parseBearer(c: Checker, raw: unknown, path: string): BearerCredential {
  const o = c.object(raw, path) ?? {};
  if (o.token !== undefined) c.fail(`${path}.token`, `literal secrets are not accepted; use token_ref with a reference (${REF_FORMS})`);
  return { tokenRef: secretRef(c, o.token_ref, `${path}.token_ref`), tenant: tenant(c, o.tenant, `${path}.tenant`), extraLabels: labels(c, o.extra_labels, `${path}.extra_labels`) };
}

function parseBasic(c: Checker, raw: unknown, path: string): BasicCredential {
  const o = c.object(raw, path) ?? {};
  if (o.password !== undefined) c.fail(`${path}.password`, `literal secrets are not accepted; use password_ref with a reference (${REF_FORMS})`);
  const username = c.string(o.username, `${path}.username`) ?? '';
  if (o.username === undefined || o.username === null) c.fail(`${path}.username`, 'required');
  else if (!username || username.includes(':')) c.fail(`${path}.username`, 'must be non-empty and contain no ":" (basic auth separates user and password with it)');
  return { username, passwordRef: secretRef(c, o.password_ref, `${path}.password_ref`), tenant: tenant(c, o.tenant, `${path}.tenant`), extraLabels: labels(c, o.extra_labels, `${path}.extra_labels`) };
}

function secretRef(c: Checker, v: unknown, path: string): string {
  const s = c.string(v, path);
  if (v === undefined || v === null) c.fail(path, `required: a secret reference (${REF_FORMS})`);
  else if (s !== undefined && !SECRET_REF_RE.test(s)) c.fail(path, `must be a secret reference (${REF_FORMS}), not a literal`);
  return s ?? '';
}

function tenant(c: Checker, v: unknown, path: string): string {
  const s = c.string(v, path);
  if (v === undefined || v === null) c.fail(path, 'required: the tenant this credential writes to');
  else if (s !== undefined && !TENANT_RE.test(s)) c.fail(path, `must match ${TENANT_RE.source}, got ${JSON.stringify(s)}`);
  return s ?? '';
}

function labels(c: Checker, v: unknown, path: string): Label[] {
  const out: Label[] = [];
  for (const [name, value] of Object.entries(c.stringMap(v, path))) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) || name.startsWith('__')) c.fail(`${path}.${name}`, 'must be a label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)');
    else out.push({ name, value });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Every secret reference the config uses (for the deploy-time least-privilege grants). */
export function authSecretRefs(auth: AuthConfig): string[] {
  if (auth.mode === 'none') return [];
  return [...new Set([...auth.bearerTokens.map((b) => b.tokenRef), ...auth.basicAuth.map((b) => b.passwordRef)])];
}
