import type { AwsCredentialsProvider } from '../../remote-write/auth/types.ts';

/**
 * AWS credentials for sigv4 without static keys: the default chain (environment, shared config and
 * `profile`, web identity, ECS/EC2 metadata; in Lambda the function's role), and with `roleArn` that role
 * assumed through STS in `region` (at `endpoint` when given), using `base` (or the default chain) as the
 * caller. The SDK module is loaded on first use, so destinations without sigv4 never pay for it.
 */
export function awsCredentialsFor(opts: { profile?: string; roleArn?: string; region: string; base?: AwsCredentialsProvider }, endpoint?: string): AwsCredentialsProvider {
  let provider: Promise<AwsCredentialsProvider> | undefined;
  return async () => {
    provider ??= import('@aws-sdk/credential-providers').then(({ fromNodeProviderChain, fromTemporaryCredentials }): AwsCredentialsProvider => {
      const chain = () => fromNodeProviderChain(opts.profile ? { profile: opts.profile } : {});
      if (!opts.roleArn) return chain();
      return fromTemporaryCredentials({
        params: { RoleArn: opts.roleArn, RoleSessionName: 'metrics-gateway-remote-write' },
        masterCredentials: opts.base ?? chain(),
        clientConfig: { region: opts.region, ...(endpoint ? { endpoint } : {}) },
      });
    });
    return (await provider)();
  };
}
