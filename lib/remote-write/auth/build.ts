import type { TlsConfig } from '../../config/remote-write-auth.ts';
import type { RemoteWriteConfig } from '../../config/schema.ts';
import type { HttpClient } from '../../ports/index.ts';
import { basicAuthorizer, headerAuthorizer } from './basic.ts';
import { oauth2Authorizer } from './oauth2.ts';
import { sigv4Authorizer, sigv4Credentials } from './sigv4.ts';
import { lazyTlsHttpClient } from './tls.ts';
import type { RemoteAuthDeps, RequestAuthorizer } from './types.ts';

export interface DestinationAuth {
  /** Absent: requests go out without credentials. */
  authorizer?: RequestAuthorizer;
  /** Absent: the shared client (no tls_config). */
  http?: HttpClient;
}

/**
 * The authorizer and, with tls_config, the HTTP client of one remote_write destination. Synchronous and
 * cheap: secrets, PEMs, tokens and AWS credentials are fetched on first use and cached (see each authorizer).
 */
export function buildDestinationAuth(config: RemoteWriteConfig, deps: RemoteAuthDeps): DestinationAuth {
  const { credentials, tls, proxyUrl } = config.auth;
  const out: DestinationAuth = {};
  const http = clientFor(tls, proxyUrl, deps);
  if (http) out.http = http;
  if (!credentials) return out;
  switch (credentials.kind) {
    case 'basic_auth':
      out.authorizer = basicAuthorizer(credentials, deps.secrets);
      break;
    case 'authorization':
      out.authorizer = headerAuthorizer(credentials, deps.secrets);
      break;
    case 'oauth2': {
      const tokenHttp = clientFor(credentials.tls, credentials.proxyUrl, deps) ?? deps.http;
      out.authorizer = oauth2Authorizer(credentials, deps.secrets, tokenHttp, deps.clock);
      break;
    }
    case 'sigv4': {
      const region = credentials.region ?? deps.defaultRegion;
      if (!region) {
        out.authorizer = { authorize: () => Promise.reject(new Error(`sigv4: no region: set remote_write sigv4.region or AWS_REGION`)) };
        break;
      }
      out.authorizer = sigv4Authorizer(region, sigv4Credentials(credentials, region, deps.secrets, deps), deps.clock);
      break;
    }
  }
  return out;
}

/** A dedicated client when TLS settings or a proxy are configured; undefined for the shared one. */
function clientFor(tls: TlsConfig | undefined, proxyUrl: string | undefined, deps: RemoteAuthDeps): HttpClient | undefined {
  if (proxyUrl) {
    const via = deps.httpViaProxy;
    if (!via) return { request: () => Promise.reject(new Error('proxy_url is not available here')) };
    return lazyTlsHttpClient(tls, deps.secrets, (opts) => via(proxyUrl, opts));
  }
  return tls ? lazyTlsHttpClient(tls, deps.secrets, deps.httpWithTls) : undefined;
}
