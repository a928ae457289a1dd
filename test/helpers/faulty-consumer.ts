import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import path from 'node:path';
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createSqsClient } from '../../lib/adapters/aws/clients.ts';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store.ts';
import { createS3Client } from '../../lib/adapters/aws/s3-client.ts';
import type { ApplyDeps } from '../../lib/aggregation/durable/apply.ts';
import { createAggregateConsumer } from '../../functions/wiring/aggregate.ts';
import { MemoryLogger } from './fakes.ts';
import { CountingMetrics } from '../unit/aggregation/durable-helpers.ts';

/**
 * The aggregation consumer as Lambda's event source mapping runs it, in a child process of an AWS
 * aggregation test: receive up to 10 messages from the FIFO queue, hand them to the handler as an SQS event,
 * delete what it did not report failed. Read from the environment, each name behind `prefix` (AGG_, PG_...):
 * ENDPOINT, BUCKET, QUEUE_URL, STOP (a file: the loop ends once it exists; the stat-* counts are written
 * beside it), SEED, and the faults: KILL_AFTER (SIGKILL itself after applying the N-th batch, before deleting
 * it), STALL_P (stall past the visibility timeout, so another consumer gets the group), REDELIVER_P (hand the
 * whole batch back right after applying it: forced redelivery). Each stat-<name> file holds one byte per
 * event: applied, skipped, dropped and failed messages, killed, stalled and redelivered batches (readConsumerStats).
 */
export async function runFaultyConsumer(prefix: string, sections: ApplyDeps['sections']): Promise<void> {
  const env = (name: string): string | undefined => process.env[`${prefix}_${name}`];
  const endpoint = env('ENDPOINT')!;
  const queueUrl = env('QUEUE_URL')!;
  const stop = env('STOP')!;
  const sqs = createSqsClient({ region: 'us-east-1', endpoint });
  const store = new S3BlobStore(createS3Client({ region: 'us-east-1', endpoint }), env('BUCKET')!);
  const metrics = new CountingMetrics();
  const handler = createAggregateConsumer({ state: store, blobs: store, sections, logger: new MemoryLogger(), metrics });
  const stat = (name: string, n = 1): void => {
    if (n > 0) fs.appendFileSync(path.join(path.dirname(stop), `stat-${name}`), 'x'.repeat(n));
  };
  let seed = Number(env('SEED') ?? 1) || 1;
  const random = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  let batches = 0;
  while (!fs.existsSync(stop)) {
    const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['SequenceNumber', 'MessageGroupId', 'ApproximateReceiveCount'] }));
    const msgs = res.Messages ?? [];
    if (msgs.length === 0) continue;
    if (random() < Number(env('STALL_P') ?? 0)) {
      stat('stalled');
      await new Promise((r) => setTimeout(r, 2_600));
    }
    const event: SQSEvent = {
      Records: msgs.map(
        (m) =>
          ({
            messageId: m.MessageId!,
            receiptHandle: m.ReceiptHandle!,
            body: m.Body!,
            attributes: m.Attributes ?? {},
            messageAttributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, { stringValue: v.StringValue, dataType: 'String' }])),
          }) as unknown as SQSRecord,
      ),
    };
    const before = { applied: metrics.sum('aggregation_applied_messages_total'), skipped: metrics.sum('aggregation_redelivered_messages_skipped_total'), dropped: metrics.sum('aggregation_dropped_messages_total'), failed: metrics.sum('aggregation_failed_messages_total') };
    const { batchItemFailures } = await handler(event);
    stat('applied', metrics.sum('aggregation_applied_messages_total') - before.applied);
    stat('skipped', metrics.sum('aggregation_redelivered_messages_skipped_total') - before.skipped);
    stat('dropped', metrics.sum('aggregation_dropped_messages_total') - before.dropped);
    stat('failed', metrics.sum('aggregation_failed_messages_total') - before.failed);
    batches++;
    if (env('KILL_AFTER') && batches === Number(env('KILL_AFTER'))) {
      stat('killed');
      process.kill(process.pid, 'SIGKILL');
    }
    const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
    const back = random() < Number(env('REDELIVER_P') ?? 0) ? msgs : msgs.filter((m) => failed.has(m.MessageId!));
    const done = msgs.filter((m) => !back.includes(m));
    if (back.length) {
      if (back.length === msgs.length && failed.size === 0) stat('redelivered');
      await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: back.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })) })).catch(() => undefined);
    }
    if (done.length) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) })).catch(() => undefined);
  }
}

/** The consumers' stat-* counts written beside `stopFile`. */
export function readConsumerStats(stopFile: string): { applied: number; skipped: number; dropped: number; failed: number; killed: number; stalled: number; redelivered: number } {
  const totals = { applied: 0, skipped: 0, dropped: 0, failed: 0, killed: 0, stalled: 0, redelivered: 0 };
  for (const f of Object.keys(totals) as (keyof typeof totals)[]) {
    const file = path.join(path.dirname(stopFile), `stat-${f}`);
    if (fs.existsSync(file)) totals[f] = fs.readFileSync(file, 'utf8').length;
  }
  return totals;
}

/**
 * The consumers of one test, in rounds. Each round starts with the killer alone (KILL_AFTER=1: it applies
 * its first batch and SIGKILLs itself before deleting it, so that batch is redelivered and must be skipped);
 * the round's other consumers start once it is gone. The killer being alone is what makes the kill certain:
 * with every consumer started at once, the others could take every batch before the killer's first, and the
 * test would see no kill at all on a fast machine. `next(round)` kills the running round (a restart in the
 * middle, whatever the consumers were doing) and starts another.
 */
export class ConsumerRounds {
  running: ChildProcess[] = [];
  private round = -1;
  private readonly start: (env: Record<string, string>) => ChildProcess;
  private readonly prefix: string;
  private readonly others: (round: number) => Record<string, string>[];

  constructor(prefix: string, start: (env: Record<string, string>) => ChildProcess, others: (round: number) => Record<string, string>[]) {
    this.prefix = prefix;
    this.start = start;
    this.others = others;
  }

  next(): void {
    for (const c of this.running) c.kill('SIGKILL');
    const round = ++this.round;
    const killer = this.start({ [`${this.prefix}_KILL_AFTER`]: '1', [`${this.prefix}_SEED`]: `${round}1` });
    this.running = [killer];
    killer.once('exit', () => {
      if (this.round === round) this.running.push(...this.others(round).map((env) => this.start(env)));
    });
  }

  /** Consumers that exited are replaced by plain ones (while the queue drains). */
  replaceExited(seed: string): void {
    this.running = this.running.map((c) => (c.exitCode !== null || c.signalCode !== null ? this.start({ [`${this.prefix}_SEED`]: seed }) : c));
  }
}
