import { GatewayError, PayloadTooLargeError } from '../errors.ts';
import { decompressBodyScoped, parseContentEncoding } from '../codec/decompress.ts';
import type { IngestLimits } from '../config/schema.ts';
import type { Label } from '../model/types.ts';
import type { CompiledRelabel } from '../relabel/index.ts';
import { countKinds } from '../model/types.ts';
import type { BlobStore, Clock, HttpLikeRequest, HttpLikeResponse, Logger, MessageQueue, Metrics } from '../ports/index.ts';
import { packCompressed } from '../queue/envelope.ts';
import { enqueueBatch, enqueueSeries, sendPacked } from '../queue/enqueue.ts';
import { snappyCompress } from '../remote-write/snappy.ts';
import { writtenHeaders } from '../remote-write/written.ts';
import { finalizeBatch, finalizeSeries, parseExtraLabels } from './finalize.ts';
import { returnBatch } from './batch-pool.ts';
import type { Router } from './router.ts';
import { openInboundAuth, type InboundAuth } from '../auth/inbound-auth.ts';
import { mergeExtraLabels } from '../auth/labels.ts';
import type { LineError, RouteOutcome, RouteResponse } from './types.ts';
import { listLineErrors } from './common/line-errors.ts';
import type { IngestAggregation } from '../aggregation/durable/ingest.ts';

/** The core's HTTP shapes live in lib/ports; re-exported for the pipeline's callers. */
export type { HttpLikeRequest, HttpLikeResponse };

export interface IngestDeps {
  router: Router;
  limits: IngestLimits;
  /** Global relabel_configs and external_labels (config). */
  relabel: CompiledRelabel;
  externalLabels: readonly Label[];
  /** Samples per queue message (config queue.max_samples_per_message). */
  maxSamplesPerMessage: number;
  /** Ordered mode: shard series into this many message groups (config queue.shards when queue.ordered). */
  shards?: number;
  queue: MessageQueue;
  blobs: BlobStore;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  defaultTenant?: string;
  /** Inbound authentication and tenancy (lib/auth); absent means `auth: {mode: none}`. */
  auth?: InboundAuth;
  /** Durable aggregation (stream_aggregation and the other section kinds): matched series go to the aggregation queue (lib/aggregation/durable/ingest.ts). */
  aggregation?: IngestAggregation;
}

/**
 * The push path: route, size-check, decompress, parse, finalize, pack and enqueue. Answers only once the
 * data is durable in the queue (and the blob store for claim checks). Client mistakes are 4xx naming the
 * protocol, the line or item, and the reason; a queue outage is 503 so clients retry.
 */
export function createIngest(deps: IngestDeps): (req: HttpLikeRequest) => Promise<HttpLikeResponse> {
  const auth = deps.auth ?? openInboundAuth();
  return async (req) => {
    let protocol = 'http';
    // The decompressed body may live in pooled memory (decompressBodyScoped): given back once the answer is ready.
    let releaseBody: (() => void) | undefined;
    try {
      const match = deps.router.match(req.method, req.path);
      protocol = match.route.protocol;
      const access = await auth.authorize({ protocol, path: match.path, pathTenant: match.tenant, headers: req.headers, query: req.query });
      if (req.body.length > deps.limits.maxBodyBytes) {
        throw new PayloadTooLargeError(`${protocol}: body of ${req.body.length} bytes exceeds max_body_bytes=${deps.limits.maxBodyBytes}`);
      }
      let encodingHeader = req.headers['content-encoding'];
      if (!encodingHeader) encodingHeader = match.route.defaultEncoding;
      const encoding = parseContentEncoding(encodingHeader, protocol);
      const scoped = decompressBodyScoped(req.body, encoding, deps.limits.maxDecompressedBodyBytes, protocol);
      releaseBody = scoped.release;
      const body = scoped.body;
      const now = deps.clock.now();
      // Series queue unchanged (apart from normalisation) only without these: a route may then skip building them.
      const unchanged = !req.query.has('extra_label') && !access.extraLabels.length && !deps.relabel.rules.length && !deps.externalLabels.length && deps.shards === undefined && !deps.aggregation?.appliesTo(protocol);
      let outcome = await match.route.handle({ method: req.method, path: match.path, params: match.params, query: req.query, headers: req.headers, body, now, ...(unchanged ? { forwardLimits: deps.limits } : {}) });
      if (outcome.kind === 'response') return respond(outcome.response);
      if (outcome.kind === 'deferred') return respond(await outcome.response());

      const tenant = access.tenant ?? deps.defaultTenant ?? 'default';
      const extraLabels = mergeExtraLabels(parseExtraLabels(req.query, protocol), access.extraLabels);
      if (outcome.kind === 'forward') {
        // A copy of the request body, not a view: the message outlives the answer (the disk queue keeps sent
        // bodies in memory until their first receive), and the local runner reuses a body's buffer once answered.
        const message = packCompressed(encoding === 'snappy' ? Uint8Array.prototype.slice.call(req.body) : snappyCompress(body), outcome.samples, { maxMessageBytes: deps.queue.maxMessageBytes, maxSamples: deps.maxSamplesPerMessage, tenant, source: 'push' });
        if (message) {
          await sendPacked(deps, { messages: [message], spills: [] });
          deps.metrics.inc('ingest_samples_total', { protocol, tenant }, outcome.samples);
          return count(deps, protocol, respond(outcome.success));
        }
        outcome = outcome.full();
        if (outcome.kind !== 'series') throw new Error(`${protocol}: the full path of a forwarded request must give series`);
      }
      const grouped = outcome.batch && finalizeBatch(outcome.batch, unchanged, deps.limits, protocol);
      if (grouped) {
        if (grouped.count) await enqueueBatch(deps, outcome.batch!, grouped, tenant, 'push');
        deps.metrics.inc('ingest_samples_total', { protocol, tenant }, outcome.batch!.length);
        const res = answer(deps, protocol, outcome, [], 0, grouped.count);
        // Packed and answered: nothing reads the batch any more (batch-pool.ts).
        returnBatch(outcome.batch!);
        return count(deps, protocol, res);
      }
      const { series, dropped, invalid, invalidCount, droppedHistograms, droppedExemplars } = finalizeSeries(outcome.series, { extraLabels, relabel: deps.relabel, externalLabels: deps.externalLabels, limits: deps.limits, protocol, ...(outcome.distinctLabelSets ? { distinctLabelSets: true } : {}) });
      if (dropped) deps.metrics.inc('ingest_relabel_dropped_series_total', { protocol }, dropped);
      if (droppedHistograms) deps.metrics.inc('ingest_relabel_dropped_total', { protocol, kind: 'histogram' }, droppedHistograms);
      if (droppedExemplars) deps.metrics.inc('ingest_relabel_dropped_total', { protocol, kind: 'exemplar' }, droppedExemplars);
      for (const [reason, n] of Object.entries(outcome.drops ?? {})) {
        if (!n) continue;
        deps.metrics.inc('ingest_dropped_total', { protocol, reason }, n);
        deps.logger.warn('ingest dropped data it does not carry', { protocol, reason, count: n });
      }
      // Stream aggregation sees series after relabeling, external labels and the limits, as vmagent does.
      // Forwarded series are queued first, the aggregation input last (divertToAggregation says why).
      const diverted = deps.aggregation?.appliesTo(protocol) && series.length ? deps.aggregation.divert(deps, series, { tenant, protocol, outcome }) : undefined;
      const forwarded = diverted ? diverted.forwarded : series;
      const kinds = countKinds(series);
      const metadata = outcome.metadata?.length ? outcome.metadata : undefined;
      if (forwarded.length || metadata) await enqueueSeries(deps, forwarded, tenant, 'push', metadata);
      await diverted?.commit();
      deps.metrics.inc('ingest_samples_total', { protocol, tenant }, kinds.samples);
      if (kinds.histograms) deps.metrics.inc('ingest_histograms_total', { protocol, tenant }, kinds.histograms);
      if (kinds.exemplars) deps.metrics.inc('ingest_exemplars_total', { protocol, tenant }, kinds.exemplars);
      if (metadata) deps.metrics.inc('ingest_metadata_total', { protocol, tenant }, metadata.length);
      return count(deps, protocol, answer(deps, protocol, outcome, invalid, invalidCount, series.length, outcome.writtenHeaders ? writtenHeaders(kinds) : undefined));
    } catch (err) {
      return count(deps, protocol, errorResponse(err, deps.logger, protocol));
    } finally {
      releaseBody?.();
    }
  };
}

/** The answer once the data is queued: success, or the partial-write answer naming the bad lines (the route's, then finalizeSeries'). */
function answer(deps: IngestDeps, protocol: string, outcome: Extract<RouteOutcome, { kind: 'series' }>, invalid: LineError[], invalidCount: number, queuedSeries: number, written?: Record<string, string>): HttpLikeResponse {
  // Routes and finalizeSeries list only the first errors and count the rest (common/line-errors.ts).
  const errors = invalid.length ? [...outcome.errors, ...invalid] : outcome.errors;
  const errorCount = (outcome.errorCount ?? outcome.errors.length) + invalidCount;
  if (errorCount) {
    deps.metrics.inc('ingest_rejected_lines_total', { protocol }, errorCount);
    deps.logger.warn('ingest rejected lines', { protocol, count: errorCount, first: errors[0] ? `line ${errors[0].line}: ${errors[0].reason}` : '' });
    const partial = outcome.partial?.({ errors, errorCount, queuedSeries }) ?? {
      status: 400,
      body: `${protocol}: ${listLineErrors(errors, errorCount, (e) => `line ${e.line}: ${e.reason}: ${e.excerpt}`).join('\n')}`,
    };
    return respond(partial, written);
  }
  return respond(outcome.success, written);
}

function count(deps: IngestDeps, protocol: string, res: HttpLikeResponse): HttpLikeResponse {
  deps.metrics.inc('ingest_requests_total', { protocol, status: String(res.status) });
  return res;
}

function respond(r: RouteResponse, extraHeaders?: Record<string, string>): HttpLikeResponse {
  const headers = extraHeaders ? { ...r.headers, ...extraHeaders } : (r.headers ?? {});
  return { status: r.status, headers, body: r.body ?? '' };
}

/** The one place errors become responses: typed errors keep their status and message; anything else is a logged 500. */
export function errorResponse(err: unknown, logger: Logger, protocol: string): HttpLikeResponse {
  if (err instanceof GatewayError) {
    return { status: err.status, headers: { 'content-type': 'text/plain; charset=utf-8', ...err.headers }, body: err.message + '\n' };
  }
  logger.error('unexpected error in ingest', { protocol, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  return { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'internal error\n' };
}
