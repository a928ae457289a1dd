import { readFile } from 'node:fs/promises';
import type { SecretStore } from '../../ports/index.ts';
import { CachedLookup } from './cached.ts';

/**
 * `env:` and `file:` references (see SecretStore). Other schemes are delegated to `next` (the AWS adapter in
 * Lambda) or refused. Values are cached per reference.
 */
export class LocalSecretStore implements SecretStore {
  private readonly env: Record<string, string | undefined>;
  private readonly next: SecretStore | undefined;
  private readonly lookups = new CachedLookup((ref) => this.resolve(ref));

  constructor(env: Record<string, string | undefined>, next?: SecretStore) {
    this.env = env;
    this.next = next;
  }

  get(ref: string): Promise<string> {
    return this.lookups.get(ref);
  }

  private async resolve(ref: string): Promise<string> {
    if (ref.startsWith('env:')) {
      const v = this.env[ref.slice(4)];
      if (v === undefined) throw new Error(`secret ${ref}: environment variable is not set`);
      return v;
    }
    if (ref.startsWith('file:')) {
      try {
        return (await readFile(ref.slice(5), 'utf8')).replace(/\r?\n$/, '');
      } catch (err) {
        throw new Error(`secret ${ref}: cannot read file: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
      }
    }
    if (this.next) return this.next.get(ref);
    throw new Error(`secret ${ref}: unsupported reference (use env:NAME or file:/path${this.next ? '' : '; secretsmanager: and ssm: work in AWS'})`);
  }
}
