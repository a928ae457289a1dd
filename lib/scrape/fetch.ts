import zlib from 'node:zlib';
import type { HttpClient, HttpResponse, SecretStore } from '../ports/index.ts';
import { DEFAULT_SCRAPE_PROTOCOLS, SCRAPE_PROTOCOLS, type ScrapeProtocol } from '../config/scrape.ts';
import type { Target } from './targets.ts';

/** The media type each scrape protocol asks for (Prometheus 3's ScrapeProtocolsHeaders). */
export const SCRAPE_PROTOCOL_MEDIA_TYPES: Record<ScrapeProtocol, string> = {
  PrometheusProto: 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited',
  'OpenMetricsText1.0.0': 'application/openmetrics-text;version=1.0.0',
  'OpenMetricsText0.0.1': 'application/openmetrics-text;version=0.0.1',
  'PrometheusText1.0.0': 'text/plain;version=1.0.0',
  'PrometheusText0.0.4': 'text/plain;version=0.0.4',
};

/**
 * The Accept header for `protocols`, built as Prometheus 3's acceptHeader does: each media type in order with
 * q=0.6, 0.5, ... (the count of known protocols + 1, minus one per entry), then "any type" with the next weight.
 * The two formats that know name escaping (text 1.0.0, OpenMetrics 1.0.0) ask for `escaping=underscores`:
 * Prometheus 3 asks for `allow-utf-8`, but the gateway's text parser does not read quoted UTF-8 names, so it
 * asks targets to escape them (see docs/scrape.md).
 */
export function acceptHeader(protocols: readonly ScrapeProtocol[]): string {
  let weight = SCRAPE_PROTOCOLS.length + 1;
  const vals: string[] = [];
  for (const p of protocols) {
    let v = SCRAPE_PROTOCOL_MEDIA_TYPES[p];
    if (p === 'PrometheusText1.0.0' || p === 'OpenMetricsText1.0.0') v += ';escaping=underscores';
    vals.push(`${v};q=0.${weight--}`);
  }
  vals.push(`*/*;q=0.${weight}`);
  return vals.join(',');
}

/** The Accept header of a job with the default scrape_protocols (native histograms off). */
export const SCRAPE_ACCEPT = acceptHeader(DEFAULT_SCRAPE_PROTOCOLS);
export const SCRAPE_USER_AGENT = 'metrics-gateway/0.1 (Prometheus-compatible scraper)';
/** The largest uncompressed body the gateway reads when a job sets no body_size_limit. */
export const MAX_SCRAPE_BODY_BYTES = 64 * 1024 * 1024;

/** A scrape failed; the message is what /api/v1/targets shows as lastError. */
export class ScrapeError extends Error {
  /** Samples seen in the body before it failed (reported as scrape_samples_scraped, as Prometheus does). */
  readonly scraped: number;
  constructor(message: string, scraped = 0) {
    super(message);
    this.name = 'ScrapeError';
    this.scraped = scraped;
  }
}

export interface FetchedBody {
  body: Uint8Array;
  contentType: string | undefined;
}

/**
 * GETs a target with Prometheus' headers (Accept, Accept-Encoding: gzip, X-Prometheus-Scrape-Timeout-Seconds,
 * basic or Authorization credentials from the SecretStore) within its timeout (each request of a redirect
 * chain gets the whole timeout: the scrape loop bounds the total). Anything but 200, a body over
 * the limit (before or after gzip) or an undecodable gzip body is a ScrapeError.
 */
export async function fetchTarget(target: Target, http: HttpClient, secrets: SecretStore | undefined): Promise<FetchedBody> {
  const job = target.job;
  const limit = job.bodySizeLimitBytes > 0 ? job.bodySizeLimitBytes : MAX_SCRAPE_BODY_BYTES;
  const headers: Record<string, string> = {
    accept: acceptHeader(job.scrapeProtocols),
    'accept-encoding': 'gzip',
    'user-agent': SCRAPE_USER_AGENT,
    'x-prometheus-scrape-timeout-seconds': String(target.timeoutMs / 1000),
  };
  if (job.basicAuth) {
    const password = job.basicAuth.passwordRef ? await secret(secrets, job.basicAuth.passwordRef) : '';
    headers.authorization = `Basic ${Buffer.from(`${job.basicAuth.username}:${password}`).toString('base64')}`;
  } else if (job.authorization?.credentialsRef) {
    headers.authorization = `${job.authorization.type} ${await secret(secrets, job.authorization.credentialsRef)}`;
  }
  const res = await getFollowing(target, http, headers, limit);
  if (res.status !== 200) throw new ScrapeError(`server returned HTTP status ${res.status}`);
  if (res.body.length > limit) throw new ScrapeError(`body size limit exceeded (${limit} bytes)`);
  let body = res.body;
  const encoding = (res.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding === 'gzip' || encoding === 'x-gzip') {
    try {
      body = zlib.gunzipSync(body, { maxOutputLength: limit });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) throw new ScrapeError(`body size limit exceeded (${limit} bytes uncompressed)`);
      throw new ScrapeError(`cannot decompress gzip body: ${e.message}`);
    }
  } else if (encoding !== '' && encoding !== 'identity') {
    throw new ScrapeError(`unsupported Content-Encoding ${JSON.stringify(encoding.slice(0, 50))}`);
  }
  return { body, contentType: res.headers['content-type'] };
}

/** Go's http.Client stops after 10 redirects; Prometheus reports the error it returns. */
export const MAX_SCRAPE_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * GETs the target, following redirects as Prometheus' client does when follow_redirects is true (its
 * default): at most MAX_SCRAPE_REDIRECTS, credentials only to the same host. With follow_redirects false a
 * 3xx is the answer (a failed scrape).
 */
async function getFollowing(target: Target, http: HttpClient, headers: Record<string, string>, limit: number): Promise<HttpResponse> {
  const origin = new URL(target.url).host;
  let url = target.url;
  for (let redirects = 0; ; redirects++) {
    const h = { ...headers };
    if (new URL(url).host !== origin) delete h.authorization;
    let res: HttpResponse;
    try {
      res = await http.request({ url, method: 'GET', headers: h, timeoutMs: target.timeoutMs, maxResponseBytes: limit + 1 });
    } catch (err) {
      const msg = (err as Error).message;
      throw new ScrapeError(/timeout/i.test(msg) ? `Get "${url}": context deadline exceeded (scrape_timeout ${target.timeoutMs / 1000}s)` : `Get "${url}": ${msg}`);
    }
    const location = res.headers.location;
    if (!target.job.followRedirects || !REDIRECTS.has(res.status) || !location) return res;
    if (redirects === MAX_SCRAPE_REDIRECTS) throw new ScrapeError(`Get "${url}": stopped after ${MAX_SCRAPE_REDIRECTS} redirects`);
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw new ScrapeError(`Get "${url}": failed to parse Location header ${JSON.stringify(location.slice(0, 100))}`);
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new ScrapeError(`Get "${url}": redirect to unsupported scheme ${next.protocol}`);
    url = next.href;
  }
}

async function secret(secrets: SecretStore | undefined, ref: string): Promise<string> {
  if (!secrets) throw new ScrapeError(`secret ${ref}: no secret store configured`);
  try {
    return await secrets.get(ref);
  } catch (err) {
    throw new ScrapeError((err as Error).message);
  }
}
