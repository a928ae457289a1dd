import { awsCredentialsFor } from '../../lib/adapters/aws/credentials.ts';
import { NodeHttpClient } from '../../lib/adapters/http/node-http-client.ts';
import { ProxyHttpClient } from '../../lib/adapters/http/proxy-http-client.ts';
import { LocalSecretStore } from '../../lib/adapters/secrets/local-secret-store.ts';
import type { Clock, HttpClient, SecretStore } from '../../lib/ports/index.ts';
import type { RemoteAuthDeps } from '../../lib/remote-write/auth/types.ts';

/**
 * What remote_write auth needs, from the environment:
 *   AWS_REGION        sigv4 region when the config has none
 *   AWS_ENDPOINT_URL  an emulator's STS for role_arn (LocalStack, moto)
 * `secrets` defaults to env: and file: references only; pass the AWS-backed store to resolve
 * secretsmanager: and ssm: too.
 */
export function remoteAuthDeps(env: NodeJS.ProcessEnv, clock: Clock, http: HttpClient, secrets: SecretStore = new LocalSecretStore(env)): RemoteAuthDeps {
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
