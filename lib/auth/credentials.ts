/**
 * The credentials a request presents, in the forms real clients send them. Values are secrets: they are
 * compared and dropped, never logged, never echoed.
 *   every protocol   `Authorization: Bearer <token>`, `Authorization: Basic base64(user:password)`
 *   influx           `Authorization: Token <token>` (InfluxDB 2 clients, Telegraf's outputs.influxdb_v2),
 *                    `Token user:password` (InfluxDB 1.8's v2-compatible form), `?u=<user>&p=<password>` (v1);
 *                    as InfluxDB 2's v1-compatibility API does, a `p` (or the password of `Basic`) is also
 *                    tried as a token, since v1 clients carry the token there
 *   datadog          `DD-API-KEY: <key>` header or `?api_key=<key>` (the Agent and the API clients): a token
 */
export type PresentedCredential = { kind: 'bearer'; token: string } | { kind: 'basic'; username: string; password: string };

export interface CredentialSource {
  protocol: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  query: URLSearchParams;
}

export function presentedCredentials(req: CredentialSource): PresentedCredential[] {
  const out: PresentedCredential[] = [];
  const influx = req.protocol === 'influx';
  const authz = req.headers['authorization'];
  if (authz) {
    const sp = authz.indexOf(' ');
    const scheme = (sp < 0 ? authz : authz.slice(0, sp)).toLowerCase();
    const value = sp < 0 ? '' : authz.slice(sp + 1).trim();
    if (scheme === 'bearer' && value) out.push({ kind: 'bearer', token: value });
    else if (scheme === 'basic' && value) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        out.push({ kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) });
        if (influx) out.push({ kind: 'bearer', token: decoded.slice(colon + 1) });
      }
    } else if (scheme === 'token' && value && influx) {
      out.push({ kind: 'bearer', token: value });
      const colon = value.indexOf(':');
      if (colon > 0) out.push({ kind: 'basic', username: value.slice(0, colon), password: value.slice(colon + 1) });
    }
  }
  if (influx) {
    const u = req.query.get('u');
    const p = req.query.get('p');
    if (u && p !== null) out.push({ kind: 'basic', username: u, password: p });
    if (p) out.push({ kind: 'bearer', token: p });
  }
  if (req.protocol === 'datadog') {
    const key = req.headers['dd-api-key'] || req.query.get('api_key');
    if (key) out.push({ kind: 'bearer', token: key });
  }
  return out;
}
