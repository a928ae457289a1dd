import type { HttpClient, HttpResponse, SecretStore } from '../../ports/index.ts';
import type { HttpSdAuth, HttpSdConfig, ValueOrRef } from './config.ts';
import { parseTargetGroups, type TargetGroup } from './target-group.ts';

export interface HttpSdDeps {
  http: HttpClient;
  secrets?: SecretStore;
}

/** Largest accepted response; a bigger one fails the refresh (the last good groups stay). */
export const MAX_HTTP_SD_RESPONSE_BYTES = 16 * 1024 * 1024;
/** Per request; Prometheus bounds it only by the refresh, a Lambda needs a bound well inside its timeout. */
export const MAX_HTTP_SD_TIMEOUT_MS = 30_000;
export const HTTP_SD_USER_AGENT = 'metrics-gateway (Prometheus HTTP SD)';

const REDIRECTS = [301, 302, 303, 307, 308];
const MAX_REDIRECTS = 10;

// Compatibility: the content types Prometheus' HTTP SD accepts.
const CONTENT_TYPE_RE = /^application\/json(;\s*charset=("utf-8"|utf-8))?$/i;

/**
 * One HTTP SD refresh, as Prometheus does it: GET the URL with `Accept: application/json` and
 * `X-Prometheus-Refresh-Interval-Seconds`; anything but 200 with a JSON content type, or a body that is not
 * a list of target groups, fails the whole refresh (throws an Error saying why). Each group gets
 * `__meta_url` and the source `<url>:<index>`.
 */
export async function fetchHttpSd(cfg: HttpSdConfig, deps: HttpSdDeps): Promise<TargetGroup[]> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    'user-agent': HTTP_SD_USER_AGENT,
    'x-prometheus-refresh-interval-seconds': String(cfg.refreshIntervalMs / 1000),
  };
  const authorization = await authorizationHeader(cfg.auth, deps.secrets);
  if (authorization !== undefined) headers.authorization = authorization;
  const res = await getFollowingRedirects(deps.http, cfg.url, headers, Math.min(Math.max(cfg.refreshIntervalMs, 1000), MAX_HTTP_SD_TIMEOUT_MS));
  if (res.status !== 200) throw new Error(`server returned HTTP status ${res.status}`);
  const contentType = headerValue(res.headers, 'content-type') ?? '';
  if (!CONTENT_TYPE_RE.test(contentType.trim())) throw new Error(`unsupported content type ${JSON.stringify(contentType)}`);
  if (res.body.length > MAX_HTTP_SD_RESPONSE_BYTES) throw new Error(`response larger than ${MAX_HTTP_SD_RESPONSE_BYTES} bytes`);
  const text = new TextDecoder().decode(res.body);
  return (await parseTargetGroups(text, 'json', 'response')).map((g, i) => ({
    source: `http_sd_configs[${cfg.index}]:${cfg.url}:${i}`,
    targets: g.targets,
    // Compatibility: set after parsing, over any label of that name, as Prometheus does.
    labels: { ...g.labels, __meta_url: cfg.url },
  }));
}

/**
 * GET that follows redirects as Go's http.Client does for Prometheus (follow_redirects defaults to true): at
 * most 10, and the Authorization header is kept only on the original host name and its subdomains.
 */
async function getFollowingRedirects(http: HttpClient, url: string, headers: Record<string, string>, timeoutMs: number): Promise<HttpResponse> {
  const origin = new URL(url).hostname;
  let current = url;
  for (let hop = 0; ; hop++) {
    const host = new URL(current).hostname;
    const sameHost = host === origin || host.endsWith(`.${origin}`);
    const h = sameHost ? headers : Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'authorization'));
    const res = await http.request({ url: current, method: 'GET', headers: h, timeoutMs, maxResponseBytes: MAX_HTTP_SD_RESPONSE_BYTES + 1 });
    const location = headerValue(res.headers, 'location');
    if (!REDIRECTS.includes(res.status) || location === undefined) return res;
    if (hop === MAX_REDIRECTS) throw new Error(`stopped after ${MAX_REDIRECTS} redirects`);
    current = new URL(location, current).toString();
    if (!/^https?:$/.test(new URL(current).protocol)) throw new Error(`redirect to an unsupported URL scheme ${JSON.stringify(new URL(current).protocol)}`);
  }
}

async function authorizationHeader(auth: HttpSdAuth | undefined, secrets: SecretStore | undefined): Promise<string | undefined> {
  if (!auth) return undefined;
  const resolve = async (v: ValueOrRef | undefined): Promise<string> => {
    if (v === undefined) return '';
    if ('value' in v) return v.value;
    if (!secrets) throw new Error(`secret ${v.ref}: no secret store is configured`);
    return secrets.get(v.ref);
  };
  if (auth.kind === 'basic') {
    const user = await resolve(auth.username);
    const pass = await resolve(auth.password);
    return `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`;
  }
  const credentials = await resolve(auth.credentials);
  return `${auth.type} ${credentials}`.trimEnd();
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}
