import type { RemoteWriteConfig } from '../config/schema.ts';
import type { TimeSeries } from '../model/types.ts';
import type { QueueRecord } from '../ports/index.ts';
import { messageDestination } from '../queue/envelope.ts';
import type { Payload } from '../queue/unpack.ts';
import type { AggregationInputFilter, FilteredInput } from './aggregation-input.ts';
import type { DeliveryDeps } from './deliver.ts';

/**
 * Deliver's side of per-destination stream aggregation (docs/stream-aggregation.md, "Per destination"):
 * the input filter of a destination's section, loaded on first use, and the messages that are for one
 * destination alone (envelope ATTR_DESTINATION).
 */

/** The section's input filter, loaded on first use (undefined for a destination without a section). */
export function lazyAggregationInput(config: RemoteWriteConfig): (() => Promise<AggregationInputFilter>) | undefined {
  const section = config.streamAggregation;
  if (!section) return undefined;
  let filter: Promise<AggregationInputFilter> | undefined;
  return () => (filter ??= import('./aggregation-input.ts').then((m) => m.aggregationInputFilter(section)));
}

/**
 * The series a destination's aggregation section took at ingest are not sent to it as well (vmagent's
 * keep_input: false), nor, with drop_input, the ones it did not match: counted per destination and reason.
 */
export function holdBackAggregationInput(name: string, f: FilteredInput, deps: Pick<DeliveryDeps, 'metrics' | 'logger'>): TimeSeries[] {
  if (f.matched) deps.metrics.inc('delivery_aggregation_input_held_back_samples_total', { destination: name, reason: 'aggregated' }, f.matched);
  if (f.unmatched) deps.metrics.inc('delivery_aggregation_input_held_back_samples_total', { destination: name, reason: 'drop_input' }, f.unmatched);
  if (f.matched || f.unmatched) deps.logger.debug('series held back for the destination\'s stream_aggregation', { destination: name, aggregated: f.matched, dropInput: f.unmatched });
  return f.kept;
}

/**
 * A message for a destination that is no longer configured (its aggregation section's output, queued
 * before a config change removed or renamed it) has nowhere to go: counted and logged, then acknowledged.
 */
export function countOrphans(opened: readonly { record: QueueRecord; payload: Payload }[], deps: Pick<DeliveryDeps, 'destinations' | 'metrics' | 'logger'>): void {
  for (const o of opened) {
    const to = messageDestination(o.record.attributes);
    if (to === undefined || deps.destinations.some((d) => d.config.name === to)) continue;
    deps.metrics.inc('delivery_dropped_messages_total', { destination: to, reason: 'destination_gone' });
    deps.logger.warn('queue message for a destination that is not configured dropped', { destination: to, messageId: o.record.messageId, samples: o.payload.samples });
  }
}

