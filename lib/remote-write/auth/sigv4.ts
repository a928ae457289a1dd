import { SignatureV4 } from '@smithy/signature-v4';
import type { SigV4Config } from '../../config/remote-write-auth.ts';
import type { Clock, SecretStore } from '../../ports/index.ts';
import { Sha256 } from './sha256.ts';
import type { AwsCredentials, AwsCredentialsProvider, OutgoingRequest, RemoteAuthDeps, RequestAuthorizer } from './types.ts';

/** Amazon Managed Service for Prometheus signs as service `aps` (Prometheus' sigv4 round tripper does too). */
export const SIGV4_SERVICE = 'aps';
/** Temporary credentials are refreshed this long before they expire. */
const CREDENTIALS_REFRESH_MS = 5 * 60_000;

/**
 * AWS Signature Version 4 over the exact body bytes with @smithy/signature-v4: adds host, x-amz-date,
 * x-amz-content-sha256 (AMP requires it), x-amz-security-token for temporary credentials, and the
 * Authorization header. Every header of the request is signed except those the signer never signs
 * (user-agent, ...). The signing time comes from the clock.
 */
export function sigv4Authorizer(region: string, credentials: AwsCredentialsProvider, clock: Clock, opts: { service?: string; applyChecksum?: boolean } = {}): RequestAuthorizer {
  // applyChecksum false only reproduces the AWS test-suite vectors, which sign without x-amz-content-sha256.
  const signer = new SignatureV4({ service: opts.service ?? SIGV4_SERVICE, region, credentials, sha256: Sha256, applyChecksum: opts.applyChecksum ?? true });
  return {
    async authorize(req: OutgoingRequest) {
      const url = new URL(req.url);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
      headers.host = url.host;
      const query: Record<string, string | string[]> = {};
      for (const [k, v] of url.searchParams) {
        const prev = query[k];
        query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      const signed = await signer.sign(
        { method: req.method, protocol: url.protocol, hostname: url.hostname, ...(url.port ? { port: Number(url.port) } : {}), path: url.pathname, query, headers, body: req.body },
        { signingDate: new Date(clock.now()) },
      );
      const added: Record<string, string> = {};
      for (const [k, v] of Object.entries(signed.headers as Record<string, string>)) {
        if (headers[k] === undefined || k === 'host') added[k] = v;
      }
      return added;
    },
  };
}

/**
 * The credentials of a sigv4 config: static (access_key + secret_key_ref), else the default chain or
 * `profile` (through deps.awsCredentials), then `role_arn` assumed with those. Cached until shortly
 * before they expire.
 */
export function sigv4Credentials(cfg: SigV4Config, region: string, secrets: SecretStore, deps: Pick<RemoteAuthDeps, 'awsCredentials' | 'clock'>): AwsCredentialsProvider {
  const external = deps.awsCredentials;
  let base: AwsCredentialsProvider;
  if (cfg.accessKey !== undefined && cfg.secretKeyRef) {
    const accessKeyId = cfg.accessKey;
    const ref = cfg.secretKeyRef;
    base = async () => ({ accessKeyId, secretAccessKey: (await secrets.get(ref)).trim() });
    if (!cfg.roleArn) return base;
  } else {
    if (!external) return () => Promise.reject(new Error('sigv4: no AWS credential chain is available here; set access_key and secret_key_ref'));
    base = external({ region, ...(cfg.profile ? { profile: cfg.profile } : {}) });
    if (!cfg.roleArn) return cacheCredentials(base, deps.clock);
  }
  if (!external) return () => Promise.reject(new Error('sigv4: role_arn needs the AWS STS client, which is not available here'));
  return cacheCredentials(external({ region, roleArn: cfg.roleArn, base }), deps.clock);
}

/** Shares one fetch and keeps the result until CREDENTIALS_REFRESH_MS before its expiration; failures are not kept. */
export function cacheCredentials(provider: AwsCredentialsProvider, clock: Clock): AwsCredentialsProvider {
  let cached: AwsCredentials | undefined;
  let pending: Promise<AwsCredentials> | undefined;
  return async () => {
    if (cached && (!cached.expiration || clock.now() < cached.expiration.getTime() - CREDENTIALS_REFRESH_MS)) return cached;
    pending ??= provider().finally(() => {
      pending = undefined;
    });
    cached = await pending;
    return cached;
  };
}
