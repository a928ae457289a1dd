import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { applyAggregationBatch, type AggregationRecord, type ApplyDeps } from '../../lib/aggregation/durable/apply.ts';
import { flushAggregation, type FlushDeps, type FlushResult } from '../../lib/aggregation/durable/flush.ts';

/**
 * The aggregation functions' thin parts, built from their dependencies so the Lambda entry point
 * (functions/aggregate.ts), the local runner and tests share them.
 */

/** SQS FIFO records as the apply path reads them: the sequence number and group come from the system attributes. */
export function aggregationRecordsFromSqs(event: SQSEvent): AggregationRecord[] {
  return event.Records.map((r) => {
    const attributes: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.messageAttributes ?? {})) if (v.stringValue !== undefined) attributes[k] = v.stringValue;
    return { messageId: r.messageId, body: r.body, attributes, groupId: r.attributes?.MessageGroupId, sequenceNumber: r.attributes?.SequenceNumber };
  });
}

/** The consumer of the aggregation FIFO queue: a partial batch response names each failing group's first failing message and all after it. */
export function createAggregateConsumer(deps: ApplyDeps): (event: SQSEvent) => Promise<SQSBatchResponse> {
  return async (event) => {
    const { failed } = await applyAggregationBatch(deps, aggregationRecordsFromSqs(event));
    return { batchItemFailures: failed.map((id) => ({ itemIdentifier: id })) };
  };
}

/**
 * The scheduled flush (EventBridge, every minute or as often as the shortest interval wants): closes the
 * intervals due by now minus graceMs, the time queued input is given to reach its shard. Throws when a
 * shard could not be flushed, so the invocation shows as failed (the shard is flushed at the next run).
 */
export function createAggregateFlusher(deps: FlushDeps, now: () => number, graceMs: number): () => Promise<FlushResult> {
  return async () => {
    const result = await flushAggregation(deps, now() - graceMs);
    if (result.failedShards.length) throw new Error(`aggregation flush failed for ${result.failedShards.length} shard(s): ${result.failedShards.slice(0, 5).join(', ')}`);
    return result;
  };
}
