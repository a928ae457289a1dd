import { randomUUID } from 'node:crypto';
import { UnavailableError } from '../../errors.ts';
import type { TimeSeries } from '../../model/types.ts';
import type { MessageQueue, OutgoingMessage } from '../../ports/index.ts';
import { packSeries } from '../../queue/envelope.ts';
import { SPOOL_PREFIX } from '../../queue/envelope.ts';
import { labelSetHash, MAX_SHARDS } from '../../queue/shard.ts';
import type { IngestAggregation } from '../durable/ingest.ts';
import { ATTR_AT, ATTR_NONCE, ATTR_SECTION } from '../durable/route.ts';
import { aggregationGroupId } from '../durable/shard-store.ts';
import { ATTR_KIND, KIND_OTLP_DELTA, OTLP_DELTA_SECTION } from './section.ts';

export interface OtlpDeltaIngestInput {
  /** Shards of the otlp_delta section (FIFO message groups), 1..1000. */
  shards: number;
  /** The aggregation FIFO queue. */
  queue: MessageQueue;
}

/**
 * The ingest hook of OTLP delta to cumulative: the series the OTLP route marked as delta
 * (RouteOutcome.delta) go to the aggregation queue, each to the shard its whole label set (after relabeling
 * and external labels) hashes to, so a stream is always converted by one shard; every other series goes on.
 * As divertToAggregation: the caller queues the forwarded series first and commits this input last, and a
 * failure of the commit answers 503. A retried request that repeats points already queued is harmless: the
 * conversion drops a point at or before its stream's last time (out_of_order).
 */
export function createOtlpDeltaIngest(input: OtlpDeltaIngestInput): IngestAggregation {
  const { shards, queue } = input;
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS) throw new RangeError(`shards must be an integer in 1..${MAX_SHARDS}, got ${shards}`);
  return {
    appliesTo: (protocol) => protocol === 'otlp',
    divert(deps, series, ctx) {
      const delta = ctx.outcome.delta;
      if (delta === undefined || delta.size === 0) return { forwarded: series as TimeSeries[], commit: async () => {} };
      const forwarded: TimeSeries[] = [];
      const byShard = new Map<number, TimeSeries[]>();
      for (const ts of series) {
        if (!delta.has(ts)) {
          forwarded.push(ts);
          continue;
        }
        const shard = shards === 1 ? 0 : labelSetHash(ts.labels) % shards;
        let list = byShard.get(shard);
        if (list === undefined) byShard.set(shard, (list = []));
        list.push(ts);
      }
      const now = deps.clock.now();
      // Unique per call: SQS FIFO content deduplication must never merge two requests' messages.
      const nonce = randomUUID();
      const pack = { maxMessageBytes: queue.maxMessageBytes, maxSamples: deps.maxSamplesPerMessage, tenant: ctx.tenant, source: 'push' as const, newSpoolKey: () => `${SPOOL_PREFIX}${new Date(now).toISOString().slice(0, 10)}/${randomUUID()}.snappy` };
      const messages: OutgoingMessage[] = [];
      const spills: { key: string; body: Uint8Array }[] = [];
      let part = 0;
      let count = 0;
      for (const [shard, list] of [...byShard].sort((a, b) => a[0] - b[0])) {
        count += list.length;
        const packed = packSeries(list, pack);
        for (const m of packed.messages) {
          messages.push({ ...m, attributes: { ...m.attributes, [ATTR_SECTION]: OTLP_DELTA_SECTION, [ATTR_KIND]: KIND_OTLP_DELTA, [ATTR_AT]: String(now), [ATTR_NONCE]: `${nonce}.${part++}` }, groupId: aggregationGroupId(OTLP_DELTA_SECTION, shard) });
        }
        spills.push(...packed.spills);
      }
      const commit = async (): Promise<void> => {
        if (!messages.length) return;
        try {
          for (const s of spills) await deps.blobs.put(s.key, s.body, { tenant: ctx.tenant });
          await queue.send(messages);
        } catch (err) {
          deps.logger.error('cannot enqueue OTLP delta input', { error: String(err), messages: messages.length });
          throw new UnavailableError('the gateway cannot queue data right now; retry later');
        }
        deps.metrics.inc('aggregation_matched_series_total', { section: OTLP_DELTA_SECTION, protocol: ctx.protocol }, count);
      };
      return { forwarded, commit };
    },
  };
}
