import type { ApplyDeps } from '../aggregation/durable/apply.ts';
import type { FlushDeps, SendSeries } from '../aggregation/durable/flush.ts';
import type { SectionSpec } from '../aggregation/durable/machine.ts';
import { chainAggregation, createIngestAggregation, type IngestAggregation } from '../aggregation/durable/ingest.ts';
import { aggregationRules, destinationSection, GLOBAL_SECTION } from '../aggregation/section.ts';
import { destinationAggregation } from '../aggregation/destination-ingest.ts';
import { OTLP_DELTA_SECTION, otlpDeltaSection } from '../aggregation/delta/section.ts';
import { createOtlpDeltaIngest } from '../aggregation/delta/ingest.ts';
import { createPushAggregation } from '../aggregation/push/ingest.ts';
import { pushSection } from '../aggregation/push/section.ts';
import { PUSH_AGGREGATION_SECTION } from '../ingest/pushgateway/options.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { BlobStore, ConditionalBlobStore, MessageQueue, Metrics } from '../ports/index.ts';
import { sendPacked } from '../queue/enqueue.ts';
import { spoolKey } from '../queue/bucket-keys.ts';
import { packSeries } from '../queue/envelope.ts';
import { randomUUID } from 'node:crypto';
import type { GatewayDeps } from './deps.ts';

/**
 * Durable stream aggregation (docs/stream-aggregation.md) composed from GatewayDeps, for the Lambda
 * functions and the local runner alike: the ingest hook, the consumer's and the flush's dependencies.
 */

/**
 * Every durable shard section of the config by name (machine.ts): `global` from `stream_aggregation:`,
 * `otlp_delta` from `otlp.delta_to_cumulative`, `pushgateway` from `pushgateway.aggregation`,
 * `rw.<name>` from each `remote_write[i].stream_aggregation` (destinationSection).
 * Empty when the config aggregates nothing; aggregationConfigured() (light, for ingest init) agrees with it.
 */
export function aggregationSections(config: GatewayConfig, metrics?: Metrics): ReadonlyMap<string, SectionSpec> {
  const sections = new Map<string, SectionSpec>();
  const s = config.streamAggregation;
  if (s) sections.set(GLOBAL_SECTION, aggregationRules(s));
  // `otlp_delta` from otlp.delta_to_cumulative (its drops are counted in `metrics`).
  if (config.otlp.deltaToCumulative) sections.set(OTLP_DELTA_SECTION, otlpDeltaSection(config.otlp.deltaToCumulative, metrics));
  const pg = config.pushgateway?.aggregation;
  if (pg) sections.set(PUSH_AGGREGATION_SECTION, pushSection({ ttlMs: pg.ttlMs, intervalMs: pg.intervalMs }));
  for (const rw of config.remoteWrite) if (rw.streamAggregation) sections.set(destinationSection(rw.name), aggregationRules(rw.streamAggregation));
  return sections;
}

/** The destination (its name) whose section a section name is, for the per-destination sections of the config. */
export function sectionDestinations(config: GatewayConfig): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const rw of config.remoteWrite) if (rw.streamAggregation) out.set(destinationSection(rw.name), rw.name);
  return out;
}

/** IngestDeps.aggregation: every section's ingest hook, chained; undefined when the config aggregates nothing. */
export function ingestAggregation(config: GatewayConfig, queue: MessageQueue): IngestAggregation | undefined {
  const hooks: IngestAggregation[] = [];
  // OTLP delta first: stream_aggregation rules never see delta values (they see the series forwarded).
  if (config.otlp.deltaToCumulative) hooks.push(createOtlpDeltaIngest({ shards: config.otlp.deltaToCumulative.shards, queue }));
  const s = config.streamAggregation;
  if (s) hooks.push(createIngestAggregation({ section: GLOBAL_SECTION, rules: aggregationRules(s), shards: s.shards, keepInput: s.keepInput, dropInput: s.dropInput, queue }));
  // After stream_aggregation: its rules see Pushgateway pushes first (as without the mode); the mode takes what they forward.
  const pg = config.pushgateway?.aggregation;
  if (pg) hooks.push(createPushAggregation({ section: PUSH_AGGREGATION_SECTION, shards: pg.shards, queue }));
  // After the global section, as vmagent's per-URL aggregation sees what the global one forwarded.
  for (const rw of config.remoteWrite) if (rw.streamAggregation) hooks.push(destinationAggregation({ ...rw, streamAggregation: rw.streamAggregation }, queue));
  return chainAggregation(hooks);
}

/** What applyAggregationBatch needs: shard state with compare-and-swap, claim checks from the blob store. */
export function aggregateApplyDeps(d: GatewayDeps, state: ConditionalBlobStore): ApplyDeps {
  return { state, blobs: d.blobs, sections: aggregationSections(d.config, d.metrics), logger: d.logger, metrics: d.metrics, send: sendToDelivery(d) };
}

/** What flushAggregation needs: output series are packed and queued for delivery like pushed series. */
export function aggregateFlushDeps(d: GatewayDeps, state: ConditionalBlobStore & Pick<BlobStore, 'list'>): FlushDeps {
  return { state, list: state, sections: aggregationSections(d.config, d.metrics), logger: d.logger, metrics: d.metrics, send: sendToDelivery(d) };
}

/**
 * Output series go to the delivery queue as pushed series do (packed, claim-checked, sharded in ordered
 * mode), marked as the section's output (envelope ATTR_AGGREGATED); a destination's section's output is
 * for that destination alone (ATTR_DESTINATION), as vmagent sends -remoteWrite.streamAggr.config output
 * to its -remoteWrite.url only.
 */
export function sendToDelivery(d: GatewayDeps): SendSeries {
  const enqueue = { queue: d.queue, blobs: d.blobs, clock: d.clock, logger: d.logger, maxSamplesPerMessage: d.config.queue.maxSamplesPerMessage };
  const destinations = sectionDestinations(d.config);
  return async (series, from) => {
    const destination = destinations.get(from.section);
    const packed = packSeries(series, {
      maxMessageBytes: d.queue.maxMessageBytes,
      maxSamples: d.config.queue.maxSamplesPerMessage,
      tenant: 'aggregation',
      source: 'push',
      aggregated: from.section,
      ...(destination !== undefined ? { destination } : {}),
      ...(d.config.queue.ordered ? { shards: d.config.queue.shards } : {}),
      newSpoolKey: () => spoolKey(d.clock.now(), randomUUID()),
    });
    await sendPacked(enqueue, packed, 'aggregation');
  };
}

/** Default time queued input is given to reach its shard before the interval it was routed in is closed. */
export const DEFAULT_FLUSH_GRACE_MS = 5000;
