import type { ApplyDeps } from '../aggregation/durable/apply.ts';
import type { FlushDeps, SendSeries } from '../aggregation/durable/flush.ts';
import type { SectionSpec } from '../aggregation/durable/machine.ts';
import { chainAggregation, createIngestAggregation, type IngestAggregation } from '../aggregation/durable/ingest.ts';
import { aggregationRules, GLOBAL_SECTION } from '../aggregation/section.ts';
import { createPushAggregation } from '../aggregation/push/ingest.ts';
import { pushSection } from '../aggregation/push/section.ts';
import { PUSH_AGGREGATION_SECTION } from '../ingest/pushgateway/options.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { BlobStore, ConditionalBlobStore, MessageQueue } from '../ports/index.ts';
import { enqueueSeries } from '../queue/enqueue.ts';
import type { GatewayDeps } from './deps.ts';

/**
 * Durable stream aggregation (docs/stream-aggregation.md) composed from GatewayDeps, for the Lambda
 * functions and the local runner alike: the ingest hook, the consumer's and the flush's dependencies.
 */

/**
 * Every durable shard section of the config by name (machine.ts): `global` from `stream_aggregation:`,
 * `pushgateway` from `pushgateway.aggregation`.
 * Empty when the config aggregates nothing; aggregationConfigured() (light, for ingest init) agrees with it.
 */
export function aggregationSections(config: GatewayConfig): ReadonlyMap<string, SectionSpec> {
  const sections = new Map<string, SectionSpec>();
  const s = config.streamAggregation;
  if (s) sections.set(GLOBAL_SECTION, aggregationRules(s));
  const pg = config.pushgateway?.aggregation;
  if (pg) sections.set(PUSH_AGGREGATION_SECTION, pushSection({ ttlMs: pg.ttlMs, intervalMs: pg.intervalMs }));
  return sections;
}

/** IngestDeps.aggregation: every section's ingest hook, chained; undefined when the config aggregates nothing. */
export function ingestAggregation(config: GatewayConfig, queue: MessageQueue): IngestAggregation | undefined {
  const hooks: IngestAggregation[] = [];
  const s = config.streamAggregation;
  if (s) hooks.push(createIngestAggregation({ section: GLOBAL_SECTION, rules: aggregationRules(s), shards: s.shards, keepInput: s.keepInput, dropInput: s.dropInput, queue }));
  // After stream_aggregation: its rules see Pushgateway pushes first (as without the mode); the mode takes what they forward.
  const pg = config.pushgateway?.aggregation;
  if (pg) hooks.push(createPushAggregation({ section: PUSH_AGGREGATION_SECTION, shards: pg.shards, queue }));
  return chainAggregation(hooks);
}

/** What applyAggregationBatch needs: shard state with compare-and-swap, claim checks from the blob store. */
export function aggregateApplyDeps(d: GatewayDeps, state: ConditionalBlobStore): ApplyDeps {
  return { state, blobs: d.blobs, sections: aggregationSections(d.config), logger: d.logger, metrics: d.metrics, send: sendToDelivery(d) };
}

/** What flushAggregation needs: output series are packed and queued for delivery like pushed series. */
export function aggregateFlushDeps(d: GatewayDeps, state: ConditionalBlobStore & Pick<BlobStore, 'list'>): FlushDeps {
  return { state, list: state, sections: aggregationSections(d.config), logger: d.logger, metrics: d.metrics, send: sendToDelivery(d) };
}

/** Output series go to the delivery queue as pushed series do (packed, claim-checked, sharded in ordered mode). */
export function sendToDelivery(d: GatewayDeps): SendSeries {
  const enqueue = { queue: d.queue, blobs: d.blobs, clock: d.clock, logger: d.logger, maxSamplesPerMessage: d.config.queue.maxSamplesPerMessage, ...(d.config.queue.ordered ? { shards: d.config.queue.shards } : {}) };
  return (series) => enqueueSeries(enqueue, series, 'aggregation', 'push');
}

/** Default time queued input is given to reach its shard before the interval it was routed in is closed. */
export const DEFAULT_FLUSH_GRACE_MS = 5000;
