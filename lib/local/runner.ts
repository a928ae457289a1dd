import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliverRecords, deliveryDeps } from '../compose/deliver.ts';
import type { GatewayDeps } from '../compose/deps.ts';
import { ingestDeps } from '../compose/ingest.ts';
import { scrapeDeps, scrapeHttpFactory } from '../compose/scrape.ts';
import { startScrapeLoop } from '../scrape/loop.ts';
import { MemorySeriesStore } from '../scrape/state.ts';
import { NodeHttpClient } from '../adapters/http/node-http-client.ts';
import { toApiGatewayResult } from '../adapters/lambda/events.ts';
import { CounterRegistry, systemClock } from '../adapters/system.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { Logger, ReceivedMessage, SecretStore } from '../ports/index.ts';
import type { Backends } from './backends.ts';
import { startLocalSchedules, type LocalSchedules } from './schedules.ts';
import { BodyBuffers, type BodyBuffersOptions } from './body-buffers.ts';
import { declaredTooLarge, readCappedBody } from './http-body.ts';
import { defaultIngestWorkers, IngestPool } from './ingest-pool.ts';
import { httpRequestOf } from './ingest-request.ts';
import { createRouter, protocolOptions } from '../ingest/routes.ts';
import { createIngest, errorResponse } from '../ingest/pipeline.ts';
import { createInboundAuth } from '../auth/inbound-auth.ts';
import { LocalSecretStore } from '../adapters/secrets/local-secret-store.ts';
import { aggregateApplyDeps, aggregateFlushDeps, DEFAULT_FLUSH_GRACE_MS, ingestAggregation } from '../compose/aggregate.ts';
import { startAggregationConsumer } from './aggregation-loop.ts';
import { flushAggregation } from '../aggregation/durable/flush.ts';
import { aggregationConfigured } from '../aggregation/configured.ts';

/** What work told to stop at close() (past stopGraceMs) gets to write down what it holds. */
export const STOP_SETTLE_MS = 1500;

export interface LocalRunnerOptions {
  config: GatewayConfig;
  backends: Backends;
  logger: Logger;
  /** Resolves the secret references of `auth:` (main.ts: environment variables and files). */
  secrets?: SecretStore;
  host: string;
  port: number;
  /** Messages handed to one deliver invocation. */
  batchSize?: number;
  /**
   * How long close() waits for requests being served and the delivery in progress (default 8 s; with
   * STOP_SETTLE_MS, under Docker's 10 s stop timeout). A delivery still retrying then gives up and keeps what
   * it holds in overflow/; one that cannot even do that in STOP_SETTLE_MS has its messages returned to the queue.
   */
  stopGraceMs?: number;
  /** The time budget of one deliver invocation, as a Lambda timeout would give it. */
  deliverTimeoutMs?: number;
  /** How long a failed message stays invisible before it is retried. */
  retryDelayMs?: number;
  /** How often overflow/ is replayed; default replay.interval from the config. */
  replayIntervalMs?: number;
  /**
   * The config's text and path: with it, bodies of at least workerMinBodyBytes are ingested in worker
   * threads that parse the same text (lib/local/ingest-pool.ts), so one large body does not stall the
   * runner. main.ts passes it; without it everything is ingested on the main thread.
   */
  configSource?: { text: string; path: string };
  /**
   * Worker threads for large bodies, at most (each starts with the first body it is given and exits after
   * 5 idle minutes). Default defaultIngestWorkers(): cores minus one, at most 4, and **0 when that leaves one
   * core or less** (2 vCPUs): a second V8 isolate costs ~30-35 MB of RSS idle, ~60 MB at the 5M Influx bench's peak,
   * for no lower CPU per sample there, and
   * what it buys, other requests answered while a large body parses, is then a choice: 1 forces it on, 0 turns
   * workers off everywhere (main.ts: `--ingest-workers` / GATEWAY_INGEST_WORKERS; bench/RESULTS.md, "Issue 14, part 5", s22-rss).
   */
  ingestWorkers?: number;
  /** Default 64 KiB. */
  workerMinBodyBytes?: number;
  /** Reused request body buffers (body-buffers.ts); tests set `poison` to prove no body is read after its answer. */
  bodyBuffers?: BodyBuffersOptions;
  /** Environment for `env:` secret references of scrape jobs. */
  env?: Record<string, string | undefined>;
  /** stream_aggregation: how often closed intervals are flushed (default 1 s) and the input's grace (default 5 s). */
  aggregationFlushIntervalMs?: number;
  aggregationFlushGraceMs?: number;
}

export interface LocalRunner {
  url: string;
  metrics: CounterRegistry;
  /** Resolves once the queue is empty and nothing is in flight (tests and benchmarks use it). */
  drained(timeoutMs: number): Promise<boolean>;
  /** Replay (every replay.interval) and self-metrics (every self_metrics.interval), callable on demand. */
  schedules: LocalSchedules;
  /**
   * Graceful stop: the listener closes at once; requests being served finish (their data is queued before
   * they are answered) and keep-alive connections close after their answer; the delivery in progress
   * finishes and is acknowledged. Past stopGraceMs, deliveries and replays stop retrying: what a delivery
   * could not send is kept in overflow/ (as when its time budget runs out; ordered mode: back to the queue),
   * and its messages acknowledged; if even that does not finish within STOP_SETTLE_MS more, its messages go
   * back to the queue unacknowledged (delivered again by the next run: at least once). It resolves once
   * nothing it started can still write to the queue or the blob store.
   */
  close(): Promise<void>;
}

/**
 * The whole gateway in one process: an HTTP server that hands each request to the ingest core as the ingest
 * Lambda would see it, and a poller that hands queue messages to the deliver handler's core (deliverRecords:
 * the records an SQS event would carry, bodies left as queued), acknowledging exactly what a Lambda event
 * source mapping would (everything but the reported batch item failures).
 */
export async function startLocalRunner(opts: LocalRunnerOptions): Promise<LocalRunner> {
  const { config, backends, logger } = opts;
  const metrics = new CounterRegistry();
  // The same composition as the Lambda functions (lib/compose/), with the local adapters. remote_write auth
  // reads AWS_REGION and AWS_ENDPOINT_URL from this process' environment, as a deliver function does from its own.
  const base: GatewayDeps = { config, queue: backends.queue, blobs: backends.blobs, clock: systemClock, logger, metrics, ...(opts.secrets ? { secrets: opts.secrets } : {}), env: process.env };
  // stream_aggregation: matched series go to the aggregation queue (FIFO per shard) of the embedded backends.
  if (aggregationConfigured(config) && !backends.aggregation) throw new Error('stream_aggregation runs locally with the embedded disk queue only (not with AWS_ENDPOINT_URL), as every durable aggregation section does');
  const aggregation = aggregationConfigured(config) && backends.aggregation ? backends.aggregation : undefined;
  const aggregationHook = aggregation && ingestAggregation(config, aggregation.queue);
  // The ingest core with the request as it takes it (ingest-request.ts), as the worker calls it: the API Gateway
  // event round trip (base64 of the body and back) would cost ~3x the body in garbage and CPU per request.
  const ingest = createIngest({ ...ingestDeps(base), ...(aggregationHook ? { aggregation: aggregationHook } : {}) });
  const httpClient = new NodeHttpClient();
  // Fired by close() past its grace period: deliveries and replays stop retrying (lib/delivery/stopping.ts).
  const stop = new AbortController();
  const delivery = { ...deliveryDeps(base, httpClient), stopping: stop.signal };
  const batchSize = opts.batchSize ?? 10;
  const deliverTimeoutMs = opts.deliverTimeoutMs ?? 60_000;
  const maxBody = config.ingest.maxBodyBytes;
  const bodyBuffers = new BodyBuffers(opts.bodyBuffers);
  let inFlight = 0;
  let stopping = false;

  // Names the protocol in a 413 the transport answers before the ingest handler runs.
  const sizeRouter = createRouter(config.ingest, protocolOptions(config));
  const protocolOf = (method: string, url: string): string => {
    try {
      return sizeRouter.match(method, new URL(url, 'http://localhost').pathname).route.protocol;
    } catch {
      return 'http';
    }
  };
  const refuseTooLarge = (req: http.IncomingMessage, res: http.ServerResponse, why: string): void => {
    const protocol = protocolOf(req.method ?? 'GET', req.url ?? '/');
    metrics.inc('ingest_requests_total', { protocol, status: '413' });
    // Connection: close: Node destroys the socket once the answer is written, so the rest of the body is never read.
    const body = `${protocol}: ${why} exceeds max_body_bytes=${maxBody}\n`;
    res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' }).end(body);
  };

  const secrets = opts.secrets ?? new LocalSecretStore({});
  const workerMinBodyBytes = opts.workerMinBodyBytes ?? 64 * 1024;
  // Worker threads build their own ingest from the config text, without the aggregation queue: off with stream_aggregation.
  // Default: none with one spare core or less (defaultIngestWorkers: why, with the figures).
  const workers = opts.configSource && !aggregation ? (opts.ingestWorkers ?? defaultIngestWorkers()) : 0;
  const pool = opts.configSource && workers > 0 ? new IngestPool({ configText: opts.configSource.text, configPath: opts.configSource.path, queue: backends.queue, blobs: backends.blobs, secrets, metrics, logger, workers }) : undefined;

  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void serve(req, res).catch((err) => {
      logger.error('local runner request failed', { error: String(err) });
      if (!res.headersSent) res.writeHead(500).end('internal error\n');
    });
  };
  const server = http.createServer(handle);
  // Expect: 100-continue (curl sends it for bodies over 1 MB): an over-size Content-Length is refused before the client sends the body.
  server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const declared = declaredTooLarge(req, maxBody);
    if (declared !== undefined) return refuseTooLarge(req, res, `Content-Length ${declared}`);
    res.writeContinue();
    handle(req, res);
  });

  // GET /metrics shows tenant and destination names and per-tenant and auth-failure counters: with
  // `auth: {mode: required}` it takes the same credentials as the push routes, unless `auth.metrics: public`.
  const metricsAuth = config.auth.mode === 'required' && config.auth.metrics !== 'public' ? createInboundAuth(config.auth, { secrets, logger, metrics }) : undefined;
  async function serveMetrics(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (metricsAuth) {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
      try {
        await metricsAuth.authorize({ protocol: 'metrics', path: '/metrics', pathTenant: undefined, headers, query: new URL(req.url ?? '/', 'http://localhost').searchParams });
      } catch (err) {
        const r = errorResponse(err, logger, 'metrics');
        res.writeHead(r.status, r.headers).end(r.body);
        return;
      }
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics.render());
  }

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    // While stopping, a keep-alive connection is closed after the answer it is waiting for.
    if (stopping) res.setHeader('connection', 'close');
    // max_body_bytes is enforced here, on the bytes as they arrive, whatever the chunking: a declared
    // Content-Length over it is refused before the body is read, and a body that grows past it (chunked or
    // or without a Content-Length) is refused as soon as it does. Nothing of such a body reaches ingest or the queue.
    const declared = declaredTooLarge(req, maxBody);
    if (declared !== undefined) return refuseTooLarge(req, res, `Content-Length ${declared}`);
    // A body a worker may take is read as before (Buffer.concat, then moved to the worker without a copy).
    const mayGoToWorker = pool?.available && !(Number(req.headers['content-length']) < workerMinBodyBytes);
    const read = await readCappedBody(req, maxBody, mayGoToWorker ? undefined : bodyBuffers);
    if (read.kind === 'aborted') return;
    if (read.kind === 'too-large') return refuseTooLarge(req, res, `body of more than ${maxBody} bytes`);
    try {
      if (req.method === 'GET' && (url === '/metrics' || url.startsWith('/metrics?'))) return serveMetrics(req, res);
      const request = { method: req.method ?? 'GET', url, headers: req.headers, body: read.body, sourceIp: req.socket.remoteAddress ?? '', now: Date.now() };
      const result = pool?.available && read.body.length >= workerMinBodyBytes ? await pool.ingest(request) : toApiGatewayResult(await ingest(httpRequestOf(request)));
      const out = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? '');
      res.writeHead(result.statusCode ?? 200, result.headers as http.OutgoingHttpHeaders).end(out);
    } finally {
      // Answered (or failed): nothing the ingest core kept refers to the body (body-buffers.ts).
      read.release();
    }
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => resolve());
    });
  } catch (err) {
    await pool?.close();
    throw err;
  }
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;

  const grace = opts.aggregationFlushGraceMs ?? DEFAULT_FLUSH_GRACE_MS;
  const flushDeps = aggregation && aggregateFlushDeps(base, aggregation.state as typeof aggregation.state & Pick<typeof backends.blobs, 'list'>);
  const aggregationSchedule = flushDeps && { flush: () => flushAggregation(flushDeps, systemClock.now() - grace), intervalMs: opts.aggregationFlushIntervalMs ?? 1000 };
  const schedules = startLocalSchedules({ config, queue: backends.queue, blobs: backends.blobs, http: httpClient, clock: systemClock, logger, metrics, instance: `${opts.host}:${addr.port}`, ...(delivery.health ? { health: delivery.health } : {}), ...(opts.replayIntervalMs ? { replayIntervalMs: opts.replayIntervalMs } : {}), ...(aggregationSchedule ? { aggregation: aggregationSchedule } : {}), stopping: stop.signal });
  const aggregator = aggregation && startAggregationConsumer({ queue: aggregation.queue, deps: aggregateApplyDeps(base, aggregation.state), logger, retryDelayMs: opts.retryDelayMs ?? 5000 });
  let running = true;
  /** The batch handed to deliver and not yet acknowledged or released; `abandoned` once close() gave it back. */
  let current: { messages: ReceivedMessage[]; abandoned: boolean } | undefined;
  const poller = (async () => {
    while (running) {
      let messages;
      try {
        messages = await backends.queue.receive(batchSize, 1000);
      } catch (err) {
        logger.error('queue receive failed', { error: String(err) });
        await systemClock.sleep(1000);
        continue;
      }
      if (!messages.length) continue;
      if (!running) {
        await backends.queue.release(messages, 0).catch(() => undefined);
        break;
      }
      const batch = { messages, abandoned: false };
      current = batch;
      inFlight = messages.length;
      try {
        // The deliver handler's work on the messages as they are (bodies stay bytes; no SQS event's base64).
        const records = messages.map((m) => ({ messageId: m.messageId, body: m.body, attributes: m.attributes, ...(m.groupId !== undefined ? { groupId: m.groupId } : {}) }));
        const result = await deliverRecords(delivery, records, deliverTimeoutMs);
        if (batch.abandoned) continue;
        const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
        await backends.queue.ack(messages.filter((m) => !failed.has(m.messageId)));
        if (failed.size) await backends.queue.release(messages.filter((m) => failed.has(m.messageId)), opts.retryDelayMs ?? 5000);
      } catch (err) {
        if (batch.abandoned) continue;
        // A deliver crash is a failed invocation: the whole batch comes back, as with Lambda.
        logger.error('deliver invocation failed; the batch will be retried', { error: String(err) });
        await backends.queue.release(messages, opts.retryDelayMs ?? 5000).catch(() => undefined);
      } finally {
        current = undefined;
        inFlight = 0;
      }
    }
  })();

  // scrape_configs: the scheduled function's windows back to back, staleness state in memory, status in the blob store.
  const scrapeHttp = scrapeHttpFactory(undefined, opts.env ?? {});
  const scraper = config.scrape.length ? startScrapeLoop(scrapeDeps(base, { seriesState: new MemorySeriesStore(), httpFor: scrapeHttp.httpFor, env: opts.env ?? {} })) : undefined;

  logger.info('gateway listening', { url, backends: backends.description, destinations: config.remoteWrite.map((d) => d.name), ingestWorkers: pool?.size ?? 0 });
  return {
    url,
    metrics,
    schedules,
    async drained(timeoutMs) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const depth = 'depth' in backends.queue ? (backends.queue as { depth: number }).depth : 0;
        if (depth === 0 && inFlight === 0 && (aggregation?.queue.depth ?? 0) === 0) return true;
        await systemClock.sleep(50);
      }
      return false;
    },
    async close() {
      stopping = true;
      const grace = opts.stopGraceMs ?? 8000;
      const deadline = Date.now() + grace;
      // Past the grace period, work that writes to the queue or the blob store is told to stop (deliveries and
      // replays give up their retries and keep what they hold, as when their time budget runs out) and gets
      // STOP_SETTLE_MS more to write it down: close() returns only once nothing it started can still write.
      const hurry = setTimeout(() => stop.abort(), grace);
      const settled = deadline + STOP_SETTLE_MS;
      const within = <T>(p: Promise<T>, until = deadline): Promise<boolean> => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, until - Date.now()))));
        return Promise.race([p.then(() => true), late]).finally(() => clearTimeout(timer));
      };
      // Stop accepting; idle keep-alive connections go now, busy ones after their answer.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      logger.info('listener closed; finishing requests and the delivery in progress', { graceMs: grace });
      running = false;
      await scraper?.stop();
      scrapeHttp.close();
      if (!(await within(closed))) {
        logger.warn('stopping: requests still being served after the grace period are cut off', { graceMs: grace });
        server.closeAllConnections();
        await closed;
      }
      await pool?.close();
      if (!(await within(poller, settled)) && current) {
        const batch = current;
        batch.abandoned = true;
        logger.warn('stopping: the delivery in progress did not finish; its messages go back to the queue', { messages: batch.messages.length, graceMs: grace + STOP_SETTLE_MS });
        await backends.queue.release(batch.messages, 0).catch((err) => logger.error('stopping: cannot return messages to the queue; they come back after their visibility timeout', { error: String(err) }));
      }
      // Aggregation input not applied yet stays queued (a batch cut off is released): applied once by the next run.
      if (aggregator && !(await within(aggregator.stop(), settled))) await aggregator.abandon();
      // A replay run stopped part-way is safe: it deletes an overflow object only after a 2xx. An aggregation
      // flush stopped part-way leaves its outbox in the shard state, sent again by the next flush.
      if (!(await within(schedules.stop(), settled))) logger.warn('stopping: a scheduled run (replay, self-metrics, aggregation flush) did not finish', { graceMs: grace + STOP_SETTLE_MS });
      clearTimeout(hurry);
      httpClient.close();
    },
  };
}
