import { createHash, timingSafeEqual } from 'node:crypto';
import { DEFAULT_TENANT_HEADER, type AuthConfig, type BasicCredential, type BearerCredential } from '../config/auth.ts';
import { UnauthorizedError, UnavailableError } from '../errors.ts';
import type { Label } from '../model/types.ts';
import type { Logger, Metrics, SecretStore } from '../ports/index.ts';
import { presentedCredentials, type PresentedCredential } from './credentials.ts';
import { ForbiddenError } from './errors.ts';
import { requestedTenant } from './tenant.ts';

export const REALM = 'metrics-gateway';

/** Probes clients send before they write (InfluxDB answers them without credentials too). */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/ping', '/influx/ping', '/health', '/influx/health']);

export interface AuthRequest {
  protocol: string;
  /** Path without the `/insert/<tenant>` prefix. */
  path: string;
  /** From the `/insert/<tenant>/` prefix. */
  pathTenant: string | undefined;
  /** Lower-cased names. */
  headers: Record<string, string>;
  query: URLSearchParams;
}

export interface Access {
  /** Undefined when nothing names a tenant (mode none): the pipeline's default applies. */
  tenant: string | undefined;
  /** The credential's extra_labels, sorted; they override labels of the same name. */
  extraLabels: readonly Label[];
}

export interface InboundAuth {
  /**
   * Who may push, and to which tenant. Throws UnauthorizedError (401 with WWW-Authenticate) for a missing or
   * wrong credential, ForbiddenError (403) when a valid credential names another tenant, BadRequestError for
   * a malformed or conflicting tenant, UnavailableError (503) when a secret cannot be read.
   */
  authorize(req: AuthRequest): Promise<Access>;
}

export interface InboundAuthDeps {
  secrets: SecretStore;
  logger: Logger;
  metrics?: Metrics;
}

interface Resolved {
  bearer: { digest: Buffer; cred: BearerCredential }[];
  basic: { user: Buffer; pass: Buffer; cred: BasicCredential }[];
}

const NO_LABELS: readonly Label[] = [];

/**
 * Inbound authentication and tenancy from `auth:`. Secrets are read through the SecretStore on first use and
 * kept (a failed read is retried on the next request). Comparison is over SHA-256 digests with
 * crypto.timingSafeEqual, against every configured entry, so neither the length nor the position of a
 * match shows in the timing.
 */
export function createInboundAuth(config: AuthConfig, deps: InboundAuthDeps): InboundAuth {
  if (config.mode === 'none') return openInboundAuth(config.tenantHeader);
  const tenantHeader = config.tenantHeader.toLowerCase();
  const challenge = [config.bearerTokens.length ? `Bearer realm="${REALM}"` : '', config.basicAuth.length ? `Basic realm="${REALM}"` : ''].filter(Boolean).join(', ');
  let loading: Promise<Resolved> | undefined;
  const load = (): Promise<Resolved> => {
    loading ??= resolveSecrets(config.bearerTokens, config.basicAuth, deps.secrets).catch((err: unknown) => {
      loading = undefined;
      deps.logger.error('inbound auth: cannot read a credential secret', { error: err instanceof Error ? err.message : String(err) });
      throw new UnavailableError('the gateway cannot check credentials right now; retry later');
    });
    return loading;
  };

  const fail = (req: AuthRequest, reason: 'missing' | 'invalid'): never => {
    deps.metrics?.inc('ingest_auth_failures_total', { protocol: req.protocol, reason });
    deps.logger.warn('inbound auth failed', { protocol: req.protocol, reason });
    const msg = reason === 'missing' ? 'authentication required' : 'invalid credentials';
    throw new UnauthorizedError(`${req.protocol}: ${msg}`, challenge);
  };

  return {
    async authorize(req) {
      if (PUBLIC_PATHS.has(req.path)) return { tenant: undefined, extraLabels: NO_LABELS };
      const presented = presentedCredentials(req);
      if (!presented.length) return fail(req, 'missing');
      const resolved = await load();
      let cred: BearerCredential | BasicCredential | undefined;
      for (const p of presented) {
        cred = match(resolved, p);
        if (cred) break;
      }
      if (!cred) return fail(req, 'invalid');
      const asked = requestedTenant(req, tenantHeader, config.tenantHeader);
      if (asked !== undefined && asked !== cred.tenant) {
        deps.metrics?.inc('ingest_auth_failures_total', { protocol: req.protocol, reason: 'tenant' });
        throw new ForbiddenError(`${req.protocol}: this credential writes to tenant "${cred.tenant}"; it cannot write to tenant "${asked}"`);
      }
      return { tenant: cred.tenant, extraLabels: cred.extraLabels };
    },
  };
}

/** `auth: {mode: none}`: no credentials; the tenant comes from the path or the tenant header, if any. */
export function openInboundAuth(tenantHeader: string = DEFAULT_TENANT_HEADER): InboundAuth {
  const key = tenantHeader.toLowerCase();
  return {
    async authorize(req) {
      return { tenant: requestedTenant(req, key, tenantHeader), extraLabels: NO_LABELS };
    },
  };
}

async function resolveSecrets(bearer: readonly BearerCredential[], basic: readonly BasicCredential[], secrets: SecretStore): Promise<Resolved> {
  const tokens = await Promise.all(bearer.map((b) => secrets.get(b.tokenRef)));
  const passwords = await Promise.all(basic.map((b) => secrets.get(b.passwordRef)));
  tokens.forEach((t, i) => {
    if (!t) throw new Error(`secret ${bearer[i]!.tokenRef} is empty`);
  });
  passwords.forEach((p, i) => {
    if (!p) throw new Error(`secret ${basic[i]!.passwordRef} is empty`);
  });
  return {
    bearer: bearer.map((cred, i) => ({ digest: digest(tokens[i]!), cred })),
    basic: basic.map((cred, i) => ({ user: digest(cred.username), pass: digest(passwords[i]!), cred })),
  };
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Compares against every entry without stopping early; both the user and the password are always compared. */
function match(r: Resolved, p: PresentedCredential): BearerCredential | BasicCredential | undefined {
  let hit: BearerCredential | BasicCredential | undefined;
  if (p.kind === 'bearer') {
    const d = digest(p.token);
    for (const b of r.bearer) if (timingSafeEqual(d, b.digest) && !hit) hit = b.cred;
  } else {
    const u = digest(p.username);
    const pw = digest(p.password);
    for (const b of r.basic) {
      const userOk = timingSafeEqual(u, b.user);
      const passOk = timingSafeEqual(pw, b.pass);
      if (userOk && passOk && !hit) hit = b.cred;
    }
  }
  return hit;
}
