import type { SecretStore } from '../../ports/index.ts';
import type { AuthorizationConfig, BasicAuthConfig } from '../../config/remote-write-auth.ts';
import type { RequestAuthorizer } from './types.ts';

// Secrets are trimmed of surrounding whitespace, as Prometheus does with *_file contents.

/** basic_auth: `Authorization: Basic base64(username:password)`, as Go's http.Request.SetBasicAuth. */
export function basicAuthorizer(cfg: BasicAuthConfig, secrets: SecretStore): RequestAuthorizer {
  return {
    async authorize() {
      const password = cfg.passwordRef ? (await secrets.get(cfg.passwordRef)).trim() : '';
      return { authorization: `Basic ${Buffer.from(`${cfg.username}:${password}`, 'utf8').toString('base64')}` };
    },
  };
}

/** authorization: `Authorization: <type> <credentials>` (type defaults to Bearer). */
export function headerAuthorizer(cfg: AuthorizationConfig, secrets: SecretStore): RequestAuthorizer {
  return {
    async authorize() {
      const credentials = (await secrets.get(cfg.credentialsRef)).trim();
      return { authorization: `${cfg.type} ${credentials}` };
    },
  };
}
