import type { ApplyDeps } from '../aggregation/durable/apply.ts';
import type { FlushDeps } from '../aggregation/durable/flush.ts';
import { createIngestAggregation, type IngestAggregation } from '../aggregation/durable/ingest.ts';
import { aggregationRules, GLOBAL_SECTION } from '../aggregation/section.ts';
import type { AggregationRule } from '../aggregation/config.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { BlobStore, ConditionalBlobStore, MessageQueue } from '../ports/index.ts';
import { enqueueSeries } from '../queue/enqueue.ts';
import type { GatewayDeps } from './deps.ts';

/**
 * Durable stream aggregation (docs/stream-aggregation.md) composed from GatewayDeps, for the Lambda
 * functions and the local runner alike: the ingest hook, the consumer's and the flush's dependencies.
 */

/** Each section's parsed rules by name: `global` from `stream_aggregation:`; empty without the section. */
export function aggregationSections(config: GatewayConfig): ReadonlyMap<string, readonly AggregationRule[]> {
  const s = config.streamAggregation;
  return s ? new Map([[GLOBAL_SECTION, aggregationRules(s)]]) : new Map();
}

/** IngestDeps.aggregation for the global section, or undefined when the config has none. */
export function ingestAggregation(config: GatewayConfig, queue: MessageQueue): IngestAggregation | undefined {
  const s = config.streamAggregation;
  if (!s) return undefined;
  return createIngestAggregation({ section: GLOBAL_SECTION, rules: aggregationRules(s), shards: s.shards, keepInput: s.keepInput, dropInput: s.dropInput, queue });
}

/** What applyAggregationBatch needs: shard state with compare-and-swap, claim checks from the blob store. */
export function aggregateApplyDeps(d: GatewayDeps, state: ConditionalBlobStore): ApplyDeps {
  return { state, blobs: d.blobs, sections: aggregationSections(d.config), logger: d.logger, metrics: d.metrics };
}

/** What flushAggregation needs: output series are packed and queued for delivery like pushed series. */
export function aggregateFlushDeps(d: GatewayDeps, state: ConditionalBlobStore & Pick<BlobStore, 'list'>): FlushDeps {
  const enqueue = { queue: d.queue, blobs: d.blobs, clock: d.clock, logger: d.logger, maxSamplesPerMessage: d.config.queue.maxSamplesPerMessage, ...(d.config.queue.ordered ? { shards: d.config.queue.shards } : {}) };
  return { state, list: state, sections: aggregationSections(d.config), logger: d.logger, metrics: d.metrics, send: (series) => enqueueSeries(enqueue, series, 'aggregation', 'push') };
}

/** Default time queued input is given to reach its shard before the interval it was routed in is closed. */
export const DEFAULT_FLUSH_GRACE_MS = 5000;
