import { randomUUID } from 'node:crypto';
import { UnavailableError } from '../../errors.ts';
import type { Label, MetricMetadata, TimeSeries } from '../../model/types.ts';
import type { MessageQueue, OutgoingMessage } from '../../ports/index.ts';
import { packSeries, SPOOL_PREFIX } from '../../queue/envelope.ts';
import { labelSetHash, MAX_SHARDS } from '../../queue/shard.ts';
import type { PushGroup } from '../../ingest/types.ts';
import type { DivertDeps, Diverted, IngestAggregation } from '../durable/ingest.ts';
import { ATTR_AT, ATTR_NONCE, ATTR_SECTION } from '../durable/route.ts';
import { aggregationGroupId } from '../durable/shard-store.ts';
import { ATTR_PUSH_GROUP, ATTR_PUSH_OP } from './attributes.ts';

export interface PushAggregationInput {
  /** The section name (`pushgateway`). */
  section: string;
  shards: number;
  /** The aggregation FIFO queue (one message group per shard). */
  queue: MessageQueue;
}

/** The Pushgateway protocol's name (lib/ingest/pushgateway/index.ts), the only one this hook takes. */
const PROTOCOL = 'pushgateway';

/**
 * The aggregation mode's ingest hook: every series of a Pushgateway push (after relabeling, external labels
 * and the limits) goes to the shard its group hashes to, and none is forwarded raw (the aggregated series
 * replace them). The group is the tenant and the path's grouping labels; the push's metric types travel as
 * the message's metadata. A DELETE travels as one message with `agg_op=delete`.
 */
export function createPushAggregation(input: PushAggregationInput): IngestAggregation {
  if (!Number.isInteger(input.shards) || input.shards < 1 || input.shards > MAX_SHARDS) throw new RangeError(`shards must be an integer in 1..${MAX_SHARDS}, got ${input.shards}`);
  return {
    appliesTo: (protocol) => protocol === PROTOCOL,
    divert(deps, series, ctx) {
      const group = ctx.outcome.pushGroup;
      // A pushgateway outcome without its group was not built in the aggregation mode: forwarded as it is.
      if (group === undefined) return { forwarded: series as TimeSeries[], commit: async () => {} };
      return divertPush(deps, input, series, group, ctx.tenant);
    },
  };
}

/** The group's identity: tenant and grouping labels, as a string for a message attribute (JSON escapes control characters). */
export function pushGroupKey(tenant: string, grouping: readonly Label[]): string {
  return JSON.stringify([tenant, ...grouping.flatMap((l) => [l.name, l.value])]);
}

/** The shard of a group: a hash of its tenant and grouping labels (lib/queue/shard.ts' hash), so one group is one shard. */
export function pushGroupShard(tenant: string, grouping: readonly Label[], shards: number): number {
  if (shards === 1) return 0;
  return labelSetHash([{ name: '\u0000tenant', value: tenant }, ...grouping]) % shards;
}

function divertPush(deps: DivertDeps, agg: PushAggregationInput, pushed: readonly TimeSeries[], group: PushGroup, tenant: string): Diverted {
  const now = deps.clock.now();
  // Sums have no exemplars: dropped here (counted and logged), not carried to the shard.
  let exemplars = 0;
  const series = pushed.map((s) => {
    if (!s.exemplars?.length) return s;
    exemplars += s.exemplars.length;
    const { exemplars: _, ...rest } = s;
    return rest;
  });
  const key = pushGroupKey(tenant, group.grouping);
  const groupId = aggregationGroupId(agg.section, pushGroupShard(tenant, group.grouping, agg.shards));
  const nonce = randomUUID();
  const metadata: MetricMetadata[] = [...group.types].map(([metricFamilyName, type]) => ({ metricFamilyName, type, help: '', unit: '' }));
  const attrs = { [ATTR_SECTION]: agg.section, [ATTR_AT]: String(now), [ATTR_PUSH_GROUP]: key, [ATTR_PUSH_OP]: group.op };
  // The group key rides in every message: leave room for it (and the nonce) beside the envelope's attributes.
  const attrBytes = Buffer.byteLength(key) + 160;
  const packed = packSeries(series, {
    maxMessageBytes: agg.queue.maxMessageBytes - attrBytes,
    maxSamples: deps.maxSamplesPerMessage,
    tenant,
    source: 'push',
    ...(group.op === 'push' && metadata.length ? { metadata } : {}),
    newSpoolKey: () => `${SPOOL_PREFIX}${new Date(now).toISOString().slice(0, 10)}/${randomUUID()}.snappy`,
  });
  const messages: OutgoingMessage[] = packed.messages.map((m, i) => ({ ...m, attributes: { ...m.attributes, ...attrs, [ATTR_NONCE]: `${nonce}.${i}` }, groupId }));
  return {
    forwarded: [],
    async commit() {
      try {
        for (const s of packed.spills) await deps.blobs.put(s.key, s.body, { tenant });
        await agg.queue.send(messages);
      } catch (err) {
        deps.logger.error('cannot enqueue Pushgateway aggregation input', { error: String(err), messages: messages.length });
        throw new UnavailableError('the gateway cannot queue data right now; retry later');
      }
      deps.metrics.inc('aggregation_matched_series_total', { section: agg.section, protocol: PROTOCOL }, series.length);
      if (exemplars) {
        deps.metrics.inc('ingest_dropped_total', { protocol: PROTOCOL, reason: 'exemplar_aggregated' }, exemplars);
        deps.logger.warn('ingest dropped data it does not carry', { protocol: PROTOCOL, reason: 'exemplar_aggregated', count: exemplars });
      }
    },
  };
}
