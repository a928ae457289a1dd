import { randomUUID } from 'node:crypto';
import { UnavailableError } from '../../errors.ts';
import type { TimeSeries } from '../../model/types.ts';
import type { BlobStore, Clock, Logger, MessageQueue, Metrics } from '../../ports/index.ts';
import { SPOOL_PREFIX } from '../../queue/envelope.ts';
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
 * behind it) is in an ingest bundle's start-up only when the config has stream_aggregation.
 */
export interface IngestAggregation {
  divert(deps: DivertDeps, series: readonly TimeSeries[], tenant: string, protocol: string): Diverted;
}

export function createIngestAggregation(section: AggregationSectionInput): IngestAggregation {
  return { divert: (deps, series, tenant, protocol) => divertToAggregation(deps, section, series, tenant, protocol) };
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
