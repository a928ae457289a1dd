import type { SecretStore } from '../../ports/index.ts';
import type { AwsSecretStore, AwsSecretStoreOptions } from './aws-secret-store.ts';

/**
 * An AwsSecretStore whose module (and the Secrets Manager and SSM SDK clients) is loaded on the first
 * `secretsmanager:` or `ssm:` read, so functions and configs that never use one do not pay for it at cold start.
 */
export function createLazyAwsSecretStore(opts: AwsSecretStoreOptions = {}): SecretStore {
  let store: Promise<AwsSecretStore> | undefined;
  return {
    async get(ref) {
      store ??= import('./aws-secret-store.ts').then((m) => new m.AwsSecretStore(opts));
      return (await store).get(ref);
    },
  };
}
