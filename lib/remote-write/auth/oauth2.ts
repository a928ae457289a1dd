import type { OAuth2Config } from '../../config/remote-write-auth.ts';
import { excerpt } from '../../errors.ts';
import type { Clock, HttpClient, SecretStore } from '../../ports/index.ts';
import type { RequestAuthorizer } from './types.ts';

/** Go's oauth2 package treats a token as expired this long before its expiry (defaultExpiryDelta). */
export const TOKEN_EXPIRY_DELTA_MS = 10_000;
const TOKEN_TIMEOUT_MS = 30_000;
const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

interface Token {
  header: string;
  /** ms epoch; undefined when the server gave no expires_in (valid until refused, as in Go). */
  expiresAt?: number;
}

/**
 * OAuth2 client credentials grant (RFC 6749 4.4), as Prometheus does it with golang.org/x/oauth2
 * clientcredentials: POST grant_type=client_credentials, scope (space-separated) and endpoint_params to
 * token_url; client authentication first in the Authorization header (form-encoded id and secret, RFC 6749
 * 2.3.1), and, if the server refuses that with a 4xx, in the body (Go's auto-detection), remembering what
 * worked. The token is cached until TOKEN_EXPIRY_DELTA_MS before its expiry; concurrent requests share
 * one fetch. Token endpoint failures reject (a retryable send failure) and are not cached.
 */
export function oauth2Authorizer(cfg: OAuth2Config, secrets: SecretStore, http: HttpClient, clock: Clock): RequestAuthorizer {
  let token: Token | undefined;
  let pending: Promise<Token> | undefined;
  let style: 'header' | 'params' | undefined;

  async function fetchToken(): Promise<Token> {
    const secret = cfg.clientSecretRef ? (await secrets.get(cfg.clientSecretRef)).trim() : '';
    if (style) return request(style, secret);
    try {
      const t = await request('header', secret);
      style = 'header';
      return t;
    } catch (err) {
      if (!(err instanceof TokenRefused)) throw err;
      const t = await request('params', secret);
      style = 'params';
      return t;
    }
  }

  async function request(how: 'header' | 'params', secret: string): Promise<Token> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (cfg.scopes.length) form.set('scope', cfg.scopes.join(' '));
    for (const [k, v] of Object.entries(cfg.endpointParams)) form.append(k, v);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (how === 'header') {
      headers.authorization = `Basic ${Buffer.from(`${formEscape(cfg.clientId)}:${formEscape(secret)}`).toString('base64')}`;
    } else {
      form.set('client_id', cfg.clientId);
      if (secret) form.set('client_secret', secret);
    }
    const res = await http.request({ url: cfg.tokenUrl, method: 'POST', headers, body: new TextEncoder().encode(form.toString()), timeoutMs: TOKEN_TIMEOUT_MS, maxResponseBytes: MAX_TOKEN_RESPONSE_BYTES });
    const text = new TextDecoder().decode(res.body);
    if (res.status < 200 || res.status > 299) {
      const msg = `oauth2: token endpoint ${cfg.tokenUrl} answered HTTP ${res.status}: ${excerpt(text)}`;
      throw how === 'header' && res.status >= 400 && res.status < 500 ? new TokenRefused(msg) : new Error(msg);
    }
    return parseTokenResponse(text, res.headers['content-type'] ?? '', cfg.tokenUrl, clock.now());
  }

  return {
    async authorize() {
      if (!token || (token.expiresAt !== undefined && clock.now() >= token.expiresAt - TOKEN_EXPIRY_DELTA_MS)) {
        pending ??= fetchToken().finally(() => {
          pending = undefined;
        });
        token = await pending;
      }
      return { authorization: token.header };
    },
  };
}

class TokenRefused extends Error {}

/** JSON (RFC 6749 5.1) or, as Go accepts from some servers, a form-encoded body. */
function parseTokenResponse(text: string, contentType: string, url: string, now: number): Token {
  let fields: Record<string, unknown>;
  if (/application\/x-www-form-urlencoded|text\/plain/.test(contentType)) {
    fields = Object.fromEntries(new URLSearchParams(text));
  } else {
    try {
      const v: unknown = JSON.parse(text);
      fields = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
    } catch {
      throw new Error(`oauth2: token endpoint ${url} answered with a body that is not JSON`);
    }
  }
  const access = fields.access_token;
  if (typeof access !== 'string' || access === '') throw new Error(`oauth2: token endpoint ${url} answered without an access_token`);
  const type = typeof fields.token_type === 'string' && fields.token_type ? fields.token_type : 'Bearer';
  const expiresIn = Number(fields.expires_in);
  return { header: `${canonicalType(type)} ${access}`, ...(Number.isFinite(expiresIn) && expiresIn > 0 ? { expiresAt: now + expiresIn * 1000 } : {}) };
}

/** Go's oauth2 Token.Type(): bearer, mac and basic get their canonical case; others are sent as given. */
function canonicalType(t: string): string {
  const lower = t.toLowerCase();
  if (lower === 'bearer') return 'Bearer';
  if (lower === 'mac') return 'MAC';
  if (lower === 'basic') return 'Basic';
  return t;
}

/** url.QueryEscape, as Go applies to client id and secret before Basic-encoding them (RFC 6749 2.3.1). */
function formEscape(s: string): string {
  return new URLSearchParams({ x: s }).toString().slice(2);
}
