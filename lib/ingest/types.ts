import type { IngestLimits } from '../config/schema.ts';
import type { Label, MetricMetadata, MetricType, TimeSeries } from '../model/types.ts';
import type { RouteSpec } from './protocol.ts';
import type { FloatBatch } from '../model/batch.ts';

/**
 * The contract every protocol folder (lib/ingest/<protocol>/) follows:
 *   parse.ts   pure: (body bytes, options) -> ParseResult. Never throws for bad input lines; it reports them
 *              in `errors`. Throws only GatewayError subclasses for whole-body problems (not protobuf, ...).
 *   index.ts   static data only: name, routes (paths, methods), options key, loader (lib/ingest/protocol.ts);
 *              listed in lib/ingest/protocols.ts.
 *   route.ts   createRoutes(): a handler per route of index.ts (bindRoutes): how a request maps to parse(),
 *              the success and partial-write responses.
 * Size limits and decompression happen before parse() (lib/codec), label validation and queueing after.
 */
export interface LineError {
  /** 1-based line number, or item index + 1 for array-shaped bodies. */
  line: number;
  reason: string;
  /** At most ~200 bytes of the offending line, quoted (see excerpt() in lib/errors.ts). */
  excerpt: string;
}

export interface ParseResult {
  series: TimeSeries[];
  /** The first MAX_LISTED_LINE_ERRORS bad lines or items (lib/ingest/common/line-errors.ts). */
  errors: LineError[];
  /** Every bad line or item, listed in `errors` or not; absent means `errors.length`. */
  errorCount?: number;
  /** The parser proved that no two series have equal label sets (see RouteOutcome.distinctLabelSets). */
  distinctLabelSets?: boolean;
}

/** ParseResult of a parser that writes float samples into a FloatBatch instead of TimeSeries objects. */
export interface BatchParseResult {
  batch: FloatBatch;
  errors: LineError[];
  errorCount?: number;
}

/** What a route sees of a request: already decompressed, size-checked, tenant prefix stripped. */
export interface IngestRequest {
  method: string;
  /** Path without the `/insert/<tenant>` prefix. */
  path: string;
  /** Path parameters captured by the route pattern (e.g. the Pushgateway grouping key tail). */
  params: Record<string, string>;
  /** Query arguments; repeated keys keep every value in order. */
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: Uint8Array;
  /** Milliseconds since the epoch, from the Clock port: the timestamp for samples that carry none. */
  now: number;
  /**
   * Present when the pipeline would queue the request's series unchanged apart from normalisation (no
   * extra labels, relabel rules, external labels or shards): a route that can prove its body needs no
   * normalisation either may answer `forward` (remote_write 1.0 does) with these limits checked.
   */
  forwardLimits?: IngestLimits;
}

/** A response a route produces itself (stubs like /ping, or protocol-specific success bodies). */
export interface RouteResponse {
  status: number;
  headers?: Record<string, string>;
  /** Text, or bytes for binary protocols (sent base64-encoded through API Gateway). */
  body?: string | Uint8Array;
}

export type RouteOutcome =
  | {
      kind: 'series';
      series: TimeSeries[];
      /** Bad lines the route chose to skip (partial writes), the first MAX_LISTED_LINE_ERRORS of them. */
      errors: LineError[];
      /** How many lines were skipped in all, listed in `errors` or not; absent means `errors.length`. */
      errorCount?: number;
      /** The response once the series are durable. */
      success: RouteResponse;
      /** The response when some lines were skipped and the good series were queued (partial write). */
      partial?: (report: PartialReport) => RouteResponse;
      /** Data deliberately not carried (e.g. exemplars), by reason: counted and logged by the pipeline. */
      drops?: Record<string, number>;
      /** Metric metadata to queue with the series (remote_write); absent for protocols without it. */
      metadata?: MetricMetadata[];
      /** Add remote_write 2.0's X-Prometheus-Remote-Write-{Samples,Histograms,Exemplars}-Written counts of what was queued. */
      writtenHeaders?: boolean;
      /**
       * No two series have equal label sets as parsed (normalisation aside: sorting, and no empty values, which
       * the parser refuses): finalizeSeries skips looking for series to merge when nothing else changes labels.
       */
      distinctLabelSets?: boolean;
      /**
       * The same float series in compact form (lib/model/batch.ts; Influx, Prometheus text import): the
       * pipeline queues it without building objects when nothing would change it; `series` is then built
       * from it only when read (withBatch), for every other path.
       */
      batch?: FloatBatch;
      /**
       * Series of `series` (by object: finalizeSeries keeps them) whose points are OTLP delta temporality, for
       * the delta-to-cumulative ingest hook (lib/aggregation/delta/ingest.ts); absent when there are none.
       */
      delta?: ReadonlySet<TimeSeries>;
      /** Pushgateway routes in the aggregation mode: the push's group (what its ingest hook routes by). */
      pushGroup?: PushGroup;
    }
  /**
   * The decompressed body is already what the queue carries (a remote_write 1.0 message of `series` valid,
   * sorted, distinct float series, `samples` in all): the pipeline queues the request's bytes as they are
   * when they fit one message, and otherwise takes `full()`, the outcome of the ordinary path.
   */
  | { kind: 'forward'; series: number; samples: number; success: RouteResponse; full: () => RouteOutcome }
  | { kind: 'response'; response: RouteResponse }
  /** A response that needs async reads (e.g. /api/v1/targets reading the blob store); answered like 'response'. */
  | { kind: 'deferred'; response: () => Promise<RouteResponse> };

/** A Pushgateway push or delete as the aggregation mode sees it (lib/aggregation/push/ingest.ts). */
export interface PushGroup {
  /** The path's grouping labels, sorted by name, `job` included (an empty value is kept: it is part of the key). */
  grouping: Label[];
  /** Metric family name -> type, from the body's TYPE lines or protobuf families (absent: untyped). */
  types: ReadonlyMap<string, MetricType>;
  /** PUT and POST push increments; DELETE forgets the group. */
  op: 'push' | 'delete';
}

/**
 * What a partial write reports to the route's `partial`. The reply lists at most MAX_LISTED_LINE_ERRORS,
 * then `... and M more` (one rule for every protocol).
 */
export interface PartialReport {
  /** The first skipped lines or items (route and pipeline errors). */
  errors: LineError[];
  /** How many were skipped in all; absent means `errors.length`. */
  errorCount?: number;
  /** How many series were queued; absent when not known. */
  queuedSeries?: number;
}

/** What the router dispatches to: a ProtocolRoute, or a stand-in that loads one on first use (routes.ts). */
export interface DispatchRoute extends RouteSpec {
  /** Protocol name used in error messages and counters: `influx`, `remote_write`, ... */
  protocol: string;
  handle(req: IngestRequest): RouteOutcome | Promise<RouteOutcome>;
}

export interface ProtocolRoute extends DispatchRoute {
  handle(req: IngestRequest): RouteOutcome;
}
