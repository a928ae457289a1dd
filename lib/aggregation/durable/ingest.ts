import { randomUUID } from 'node:crypto';
import { UnavailableError } from '../../errors.ts';
import type { TimeSeries } from '../../model/types.ts';
import type { BlobStore, Clock, Logger, MessageQueue, Metrics } from '../../ports/index.ts';
import { SPOOL_PREFIX } from '../../queue/envelope.ts';
import type { RouteOutcome } from '../../ingest/types.ts';
import type { AggregationRule } from '../config.ts';
import { routeToShards } from './route.ts';

/** A stream_aggregation section as the ingest path applies it (lib/compose/aggregate.ts builds it from the config). */
export interface AggregationSectionInput {
  section: string;
  rules: readonly AggregationRule[];
  shards: number;
  keepInput: boolean;
  dropInput: boolean;
  /** The aggregation FIFO queue (one message group per shard). */
  queue: MessageQueue;
}

/**
 * IngestDeps.aggregation: the pipeline imports only this type, so the routing code (and the rule parser
 * behind it) is in an ingest bundle's start-up only when the config aggregates. One hook per section kind
 * (stream_aggregation's rules, and the kinds of machine.ts), chained by chainAggregation.
 */
export interface IngestAggregation {
  /** Whether this hook may take series of a protocol (the pipeline keeps a protocol's fast paths otherwise). */
  appliesTo(protocol: string): boolean;
  divert(deps: DivertDeps, series: readonly TimeSeries[], ctx: DivertContext): Diverted;
}

export interface DivertContext {
  tenant: string;
  protocol: string;
  /** The route's outcome (its `aggregation` field carries what a route-specific hook needs, e.g. a push's group). */
  outcome: Extract<RouteOutcome, { kind: 'series' }>;
}

export function createIngestAggregation(section: AggregationSectionInput): IngestAggregation {
  return { appliesTo: () => true, divert: (deps, series, ctx) => divertToAggregation(deps, section, series, ctx.tenant, ctx.protocol) };
}

/**
 * Several hooks as one, in order: each sees what the ones before it forwarded; their aggregation input is
 * committed in the same order, after the caller queued the forwarded series.
 */
export function chainAggregation(hooks: readonly IngestAggregation[]): IngestAggregation | undefined {
  if (hooks.length <= 1) return hooks[0];
  return {
    appliesTo: (protocol) => hooks.some((h) => h.appliesTo(protocol)),
    divert(deps, series, ctx) {
      const commits: (() => Promise<void>)[] = [];
      let forwarded: readonly TimeSeries[] = series;
      for (const h of hooks) {
        if (!h.appliesTo(ctx.protocol) || forwarded.length === 0) continue;
        const d = h.divert(deps, forwarded, ctx);
        forwarded = d.forwarded;
        commits.push(d.commit);
      }
      return {
        forwarded: forwarded as TimeSeries[],
        async commit() {
          for (const c of commits) await c();
        },
      };
    },
  };
}

export interface DivertDeps {
  blobs: BlobStore;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  maxSamplesPerMessage: number;
}

export interface Diverted {
  /** What goes on to the delivery queue, as vmagent's keep_input / drop_input decide it. */
  forwarded: TimeSeries[];
  /** Queues the aggregation input (claim checks under spool/ first); UnavailableError when that fails. */
  commit(): Promise<void>;
}

/**
 * The ingest hook of stream aggregation: splits the series a rule matches into their shards of the
 * aggregation queue. The caller queues `forwarded` first and commits the aggregation input last: a failure
 * between the two answers 503 and the client's retry repeats only the forwarded samples (which receivers
 * store once), never an increment that was already queued.
 */
export function divertToAggregation(deps: DivertDeps, agg: AggregationSectionInput, series: readonly TimeSeries[], tenant: string, protocol: string): Diverted {
  const now = deps.clock.now();
  const routed = routeToShards(agg.rules, series, {
    section: agg.section,
    shards: agg.shards,
    now,
    // Unique per call (the local runner's request ids are not): two pushes of equal samples stay two increments.
    nonce: randomUUID(),
    pack: { maxMessageBytes: agg.queue.maxMessageBytes, maxSamples: deps.maxSamplesPerMessage, tenant, source: 'push', newSpoolKey: () => `${SPOOL_PREFIX}${new Date(now).toISOString().slice(0, 10)}/${randomUUID()}.snappy` },
  });
  const commit = async (): Promise<void> => {
    if (!routed.messages.length) return;
    try {
      for (const s of routed.spills) await deps.blobs.put(s.key, s.body, { tenant });
      await agg.queue.send(routed.messages);
    } catch (err) {
      deps.logger.error('cannot enqueue aggregation input', { error: String(err), messages: routed.messages.length });
      throw new UnavailableError('the gateway cannot queue data right now; retry later');
    }
    let matched = 0;
    for (const m of routed.matched) matched += m;
    if (matched) deps.metrics.inc('aggregation_matched_series_total', { section: agg.section, protocol }, matched);
  };
  // vmagent's keep_input / drop_input (as passThrough() in engine.ts, which the ingest bundle does not load).
  const forwarded = series.filter((_, i) => (routed.matched[i] === 1 ? agg.keepInput : !agg.dropInput));
  return { forwarded, commit };
}
