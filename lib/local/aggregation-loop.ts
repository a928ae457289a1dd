import { applyAggregationBatch, type AggregationRecord, type ApplyDeps } from '../aggregation/durable/apply.ts';
import type { Logger, ReceivedMessage } from '../ports/index.ts';
import { ATTR_SEQ, type AggregationDiskQueue } from './aggregation-queue.ts';

export interface AggregationConsumer {
  /** Ends the loop after the batch in progress (resolves when it has). */
  stop(): Promise<void>;
  /** Returns the batch in progress to the queue unacknowledged (after stop() ran out of time). */
  abandon(): Promise<void>;
}

/**
 * The local runner's consumer of the aggregation queue, as the Lambda event source mapping of the FIFO
 * queue: batches of at most 10 messages handed to applyAggregationBatch, the sequence number from the
 * queue's persistent counter; everything but the reported failures is acknowledged, the failures released
 * for another attempt after retryDelayMs. A crash before the acknowledgement redelivers the batch, which
 * the shard states' last applied sequence numbers skip.
 */
export function startAggregationConsumer(o: { queue: AggregationDiskQueue; deps: ApplyDeps; logger: Logger; retryDelayMs: number }): AggregationConsumer {
  let running = true;
  let current: { messages: ReceivedMessage[]; abandoned: boolean } | undefined;
  const loop = (async () => {
    while (running) {
      let messages: ReceivedMessage[];
      try {
        messages = await o.queue.receive(10, 500);
      } catch (err) {
        o.logger.error('aggregation queue receive failed', { error: String(err) });
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (!messages.length) continue;
      if (!running) {
        await o.queue.release(messages, 0).catch(() => undefined);
        break;
      }
      const batch = { messages, abandoned: false };
      current = batch;
      try {
        const records: AggregationRecord[] = messages.map((m) => ({ messageId: m.messageId, body: m.body, attributes: m.attributes, groupId: m.groupId, sequenceNumber: m.attributes[ATTR_SEQ] }));
        const { failed } = await applyAggregationBatch(o.deps, records);
        if (batch.abandoned) continue;
        const bad = new Set(failed);
        await o.queue.ack(messages.filter((m) => !bad.has(m.messageId)));
        if (bad.size) await o.queue.release(messages.filter((m) => bad.has(m.messageId)), o.retryDelayMs);
      } catch (err) {
        if (batch.abandoned) continue;
        o.logger.error('aggregation batch failed; it will be retried', { error: String(err) });
        await o.queue.release(messages, o.retryDelayMs).catch(() => undefined);
      } finally {
        current = undefined;
      }
    }
  })();
  return {
    stop() {
      running = false;
      return loop;
    },
    async abandon() {
      const batch = current;
      if (!batch) return;
      batch.abandoned = true;
      await o.queue.release(batch.messages, 0).catch((err) => o.logger.error('stopping: cannot return aggregation input to the queue; it comes back after its visibility timeout', { error: String(err) }));
    },
  };
}
