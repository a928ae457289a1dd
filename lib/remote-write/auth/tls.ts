import type { PemSource, TlsConfig } from '../../config/remote-write-auth.ts';
import type { HttpClient, HttpRequest, HttpResponse, SecretStore } from '../../ports/index.ts';
import type { TlsAgentOptions } from './types.ts';

/**
 * tls_config as https.Agent options: ca replaces the default trust store (as Go's RootCAs does),
 * cert + key for mTLS, server_name for SNI and certificate verification, insecure_skip_verify turns
 * verification off, min_version. PEMs come from the config or through the SecretStore (`file:` for *_file).
 */
export async function tlsAgentOptions(tls: TlsConfig | undefined, secrets: SecretStore): Promise<TlsAgentOptions> {
  if (!tls) return {};
  const [ca, cert, key] = await Promise.all([readPem(tls.ca, secrets), readPem(tls.cert, secrets), readPem(tls.key, secrets)]);
  return {
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(tls.serverName ? { servername: tls.serverName } : {}),
    rejectUnauthorized: !tls.insecureSkipVerify,
    ...(tls.minVersion ? { minVersion: tls.minVersion } : {}),
  };
}

async function readPem(src: PemSource | undefined, secrets: SecretStore): Promise<string | undefined> {
  if (!src) return undefined;
  return 'pem' in src ? src.pem : secrets.get(src.ref);
}

/**
 * An HttpClient with the TLS settings of one destination (none: Node's defaults), built on first use
 * (reading the PEMs); a failure to read them rejects that request (a retryable send failure) and is tried
 * again on the next one.
 */
export function lazyTlsHttpClient(tls: TlsConfig | undefined, secrets: SecretStore, make: (opts: TlsAgentOptions) => HttpClient): HttpClient {
  let client: Promise<HttpClient> | undefined;
  return {
    async request(req: HttpRequest): Promise<HttpResponse> {
      if (!client) {
        client = tlsAgentOptions(tls, secrets).then(make);
        client.catch(() => {
          client = undefined;
        });
      }
      return (await client).request(req);
    },
  };
}
