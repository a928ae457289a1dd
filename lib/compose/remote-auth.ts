import { awsCredentialsFor } from '../adapters/aws/credentials.ts';
import { NodeHttpClient } from '../adapters/http/node-http-client.ts';
import { ProxyHttpClient } from '../adapters/http/proxy-http-client.ts';
import { LocalSecretStore } from '../adapters/secrets/local-secret-store.ts';
import type { Clock, HttpClient, SecretStore } from '../ports/index.ts';
import type { RemoteAuthDeps } from '../remote-write/auth/types.ts';

/**
 * What remote_write auth needs, from the environment:
 *   AWS_REGION        sigv4 region when the config has none
 *   AWS_ENDPOINT_URL  an emulator's STS for role_arn (LocalStack, moto)
 * `secrets` defaults to env: and file: references only; pass the AWS-backed store to resolve
 * secretsmanager: and ssm: too.
 */
export function remoteAuthDeps(env: Readonly<Record<string, string | undefined>>, clock: Clock, http: HttpClient, secrets: SecretStore = new LocalSecretStore(env)): RemoteAuthDeps {
  const endpoint = env.AWS_ENDPOINT_URL;
  return {
    secrets,
    clock,
    http,
    httpWithTls: (tls) => new NodeHttpClient(tls),
    httpViaProxy: (proxyUrl, tls) => new ProxyHttpClient(proxyUrl, tls),
    awsCredentials: (opts) => awsCredentialsFor(opts, endpoint),
    ...(env.AWS_REGION ? { defaultRegion: env.AWS_REGION } : {}),
  };
}
