import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createLazyEc2ApiFactory } from '../adapters/aws/ec2-api-lazy.ts';
import { NodeHttpClient } from '../adapters/http/node-http-client.ts';
import { ProxyHttpClient } from '../adapters/http/proxy-http-client.ts';
import { LocalSecretStore } from '../adapters/secrets/local-secret-store.ts';
import type { ScrapeJob } from '../config/scrape.ts';
import type { HttpClient, HttpRequest, SecretStore } from '../ports/index.ts';
import { environmentProxy, noProxyMatcher } from '../scrape/proxy.ts';
import { DiscoveryCache } from '../scrape/discovery/index.ts';
import { scheduledMinute } from '../scrape/rounds.ts';
import { runScrapeWindow, type ScrapeDeps, type WindowResult } from '../scrape/run.ts';
import { BlobSeriesStore, type SeriesStateStore } from '../scrape/state.ts';
import type { GatewayDeps } from './deps.ts';

/**
 * The scrape event: an EventBridge scheduled event (its `time` is the scheduled minute) or a rule's
 * constant input. `shard`/`shards` (top level or under `detail`) split the targets across that many
 * schedules, each invoking with its own shard index; absent means one shard.
 */
export interface ScrapeEvent {
  time?: string;
  shard?: number;
  shards?: number;
  detail?: { shard?: number; shards?: number };
}

export type ScrapeHandler = (event: ScrapeEvent, context: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<WindowResult>;

/** Time kept at the end of an invocation to queue the last round and save the state. */
const SAVE_RESERVE_MS = 3_000;

/** Reads the shard and the scheduled minute from the event; a bad shard spec throws (a deployment mistake). */
export function scrapeWindowOf(event: ScrapeEvent, now: number, remainingMs: number): { from: number; to: number; shard: number; shards: number; deadline: number } {
  const shard = event.shard ?? event.detail?.shard ?? 0;
  const shards = event.shards ?? event.detail?.shards ?? 1;
  if (!Number.isInteger(shards) || shards < 1 || !Number.isInteger(shard) || shard < 0 || shard >= shards) {
    throw new Error(`scrape event: shard ${JSON.stringify(shard)} of ${JSON.stringify(shards)} is not a valid shard index`);
  }
  const t = event.time ? Date.parse(event.time) : NaN;
  const from = scheduledMinute(Number.isFinite(t) ? t : now);
  return { from, to: from + 60_000, shard, shards, deadline: now + remainingMs - SAVE_RESERVE_MS };
}

export function createScrapeHandler(deps: ScrapeDeps): ScrapeHandler {
  return middy(async (event: ScrapeEvent, context: Pick<Context, 'getRemainingTimeInMillis'>) => {
    const window = scrapeWindowOf(event ?? {}, deps.clock.now(), context.getRemainingTimeInMillis());
    const result = await runScrapeWindow(deps, window);
    deps.logger.info('scrape window done', { shard: window.shard, shards: window.shards, ...result });
    return result;
  }) as unknown as ScrapeHandler;
}

/**
 * One HTTP client per distinct tls_config (CA, client certificate, server name, verification), files read
 * once when the client is made; jobs without tls_config share the default client. A job with a proxy
 * (proxy_url + no_proxy, or proxy_from_environment with `env`) gets a client that sends each request through
 * a ProxyHttpClient (one per proxy URL and tls_config) or, for a host no_proxy names, directly.
 */
export function scrapeHttpFactory(
  read: (path: string) => Buffer = (p) => readFileSync(p),
  env: Readonly<Record<string, string | undefined>> = {},
): { httpFor: (job: ScrapeJob) => HttpClient; close(): void } {
  const clients = new Map<string, HttpClient & { close(): void }>();
  const plain = new NodeHttpClient();
  const tlsOptions = (tls: NonNullable<ScrapeJob['tls']>) => ({
    ...(tls.caFile ? { ca: read(tls.caFile) } : {}),
    ...(tls.certFile ? { cert: read(tls.certFile) } : {}),
    ...(tls.keyFile ? { key: read(tls.keyFile) } : {}),
    ...(tls.serverName ? { servername: tls.serverName } : {}),
    ...(tls.minVersion ? { minVersion: `TLSv${tls.minVersion.slice(3, 4)}.${tls.minVersion.slice(4)}` as 'TLSv1.2' } : {}),
    rejectUnauthorized: !tls.insecureSkipVerify,
  });
  const cached = <C extends HttpClient & { close(): void }>(key: string, make: () => C): C => {
    let c = clients.get(key);
    if (!c) clients.set(key, (c = make()));
    return c as C;
  };
  const direct = (tls: ScrapeJob['tls']): HttpClient => (tls ? cached(`direct ${JSON.stringify(tls)}`, () => new NodeHttpClient(tlsOptions(tls))) : plain);
  const via = (proxyUrl: string, tls: ScrapeJob['tls']): HttpClient => cached(`proxy ${proxyUrl} ${JSON.stringify(tls ?? null)}`, () => new ProxyHttpClient(proxyUrl, tls ? tlsOptions(tls) : {}));
  const fromEnv = environmentProxy(env);
  return {
    httpFor(job) {
      const proxy = job.proxy;
      if (!proxy) return direct(job.tls);
      const proxyFor = 'url' in proxy ? withNoProxy(proxy.url, proxy.noProxy) : fromEnv;
      return {
        request: (req: HttpRequest) => {
          const p = proxyFor(new URL(req.url));
          return (p ? via(p, job.tls) : direct(job.tls)).request(req);
        },
      };
    },
    close() {
      plain.close();
      for (const c of clients.values()) c.close();
    },
  };
}

/** proxy_url for every target, except those no_proxy names (none when it is empty: Prometheus proxies loopback then too). */
function withNoProxy(url: string, noProxy: string): (target: URL) => string | undefined {
  if (noProxy === '') return () => url;
  const bypass = noProxyMatcher(noProxy);
  return (target) => (bypass(target) ? undefined : url);
}

/** Discovery results live as long as the process (a Lambda container): refresh_interval and last-good fallback. */
const discoveryCache = new DiscoveryCache();

/** ScrapeDeps from the composition root's dependencies; seriesState defaults to the blob store (state/). */
export function scrapeDeps(
  d: GatewayDeps,
  opts: { seriesState?: SeriesStateStore; httpFor?: (job: ScrapeJob) => HttpClient; env?: Readonly<Record<string, string | undefined>>; secrets?: SecretStore; baseDir?: string } = {},
): ScrapeDeps {
  const httpFor = opts.httpFor ?? scrapeHttpFactory(undefined, opts.env ?? d.env ?? {}).httpFor;
  const plain = new NodeHttpClient();
  // env: and file: references locally; secretsmanager: and ssm: too where the wiring provides the AWS store.
  const env = opts.env ?? d.env ?? {};
  const secrets = opts.secrets ?? d.secrets ?? new LocalSecretStore(env);
  return {
    jobs: d.config.scrape,
    discovery: {
      http: plain,
      blobs: d.blobs,
      readFile: (p) => readFile(p, 'utf8'),
      readDir: (dir) => readdir(dir),
      ...(opts.baseDir ? { baseDir: opts.baseDir } : {}),
      clock: d.clock,
      secrets,
      // EC2 and STS clients load only when a job uses ec2_sd_configs.
      ec2: createLazyEc2ApiFactory({ ...(env.AWS_ENDPOINT_URL ? { defaultEndpoint: env.AWS_ENDPOINT_URL } : {}), ...(env.AWS_REGION ? { defaultRegion: env.AWS_REGION } : {}) }),
      cache: discoveryCache,
      logger: d.logger,
      metrics: d.metrics,
    },
    httpFor,
    secrets,
    seriesState: opts.seriesState ?? new BlobSeriesStore(d.blobs),
    queue: d.queue,
    blobs: d.blobs,
    clock: d.clock,
    logger: d.logger,
    metrics: d.metrics,
    maxSamplesPerMessage: d.config.queue.maxSamplesPerMessage,
    ...(d.config.queue.ordered ? { shards: d.config.queue.shards } : {}),
    externalLabels: d.config.externalLabels,
    limits: d.config.ingest,
  };
}
