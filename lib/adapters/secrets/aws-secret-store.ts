import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { SecretStore } from '../../ports/index.ts';
import { CachedLookup } from './cached.ts';

export interface AwsSecretStoreOptions {
  region?: string;
  /** AWS_ENDPOINT_URL (LocalStack, moto); the SDK also reads AWS_ENDPOINT_URL_SECRETS_MANAGER / _SSM itself. */
  endpoint?: string;
}

/**
 * `secretsmanager:<arn|name>[#json-key]` (SecretString; with `#key` the secret is a JSON object and the value
 * is that key's string) and `ssm:/name` (GetParameter WithDecryption). Values are cached per reference for the
 * life of the container; a failed read is not cached. Errors name the reference and the AWS error name, never
 * a value.
 */
export class AwsSecretStore implements SecretStore {
  private readonly sm: SecretsManagerClient;
  private readonly ssm: SSMClient;
  private readonly lookups = new CachedLookup((ref) => this.resolve(ref));

  constructor(opts: AwsSecretStoreOptions = {}, clients?: { sm?: SecretsManagerClient; ssm?: SSMClient }) {
    const common = { ...(opts.region ? { region: opts.region } : {}), ...(opts.endpoint ? { endpoint: opts.endpoint } : {}) };
    this.sm = clients?.sm ?? new SecretsManagerClient(common);
    this.ssm = clients?.ssm ?? new SSMClient(common);
  }

  get(ref: string): Promise<string> {
    return this.lookups.get(ref);
  }

  private async resolve(ref: string): Promise<string> {
    if (ref.startsWith('secretsmanager:')) {
      const { id, key } = parseSecretsManagerRef(ref);
      let text: string | undefined;
      try {
        text = (await this.sm.send(new GetSecretValueCommand({ SecretId: id }))).SecretString;
      } catch (err) {
        throw new Error(`secret ${ref}: cannot read from Secrets Manager: ${awsErrorName(err)}`);
      }
      if (text === undefined) throw new Error(`secret ${ref}: has no SecretString (binary secrets are not supported)`);
      if (key === undefined) return text;
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch {
        throw new Error(`secret ${ref}: is not a JSON object, so #${key} cannot be read from it`);
      }
      const v = typeof obj === 'object' && obj !== null && !Array.isArray(obj) ? (obj as Record<string, unknown>)[key] : undefined;
      if (typeof v !== 'string') throw new Error(`secret ${ref}: JSON key "${key}" is missing or not a string`);
      return v;
    }
    if (ref.startsWith('ssm:')) {
      const name = ref.slice(4);
      try {
        const v = (await this.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter?.Value;
        if (v === undefined) throw new Error('no value');
        return v;
      } catch (err) {
        throw new Error(`secret ${ref}: cannot read from SSM Parameter Store: ${awsErrorName(err)}`);
      }
    }
    throw new Error(`secret ${ref}: unsupported reference (use secretsmanager:<arn|name>[#json-key] or ssm:/name)`);
  }
}

/** `secretsmanager:<arn|name>[#json-key]`: the id and the optional JSON key after the last `#`. */
export function parseSecretsManagerRef(ref: string): { id: string; key: string | undefined } {
  const rest = ref.slice('secretsmanager:'.length);
  const hash = rest.lastIndexOf('#');
  return hash < 0 ? { id: rest, key: undefined } : { id: rest.slice(0, hash), key: rest.slice(hash + 1) };
}

function awsErrorName(err: unknown): string {
  return err instanceof Error ? err.name : 'error';
}
