import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { S3BlobStore } from '../lib/adapters/aws/s3-blob-store.ts';
import { createS3Client } from '../lib/adapters/aws/s3-client.ts';
import type { FlushResult } from '../lib/aggregation/durable/flush.ts';
import { aggregateApplyDeps, aggregateFlushDeps } from '../lib/compose/aggregate.ts';
import { createAggregateConsumer, createAggregateFlusher } from './wiring/aggregate.ts';
import { awsDepsFromEnv, initInLambda, lazyHandler, type AwsDeps } from './wiring/aws.ts';

/**
 * Durable stream aggregation (docs/stream-aggregation.md, "Durable shards"):
 *   an SQS event (the aggregation FIFO queue's event source mapping, ReportBatchItemFailures): apply it
 *   any other event (the EventBridge schedule): flush, emitting closed intervals onto the delivery queue (QUEUE_URL)
 * One bundle, deployed as two functions (infra/constructs/aggregation.ts): the consumer and the flush.
 * Environment as the other functions (functions/wiring/aws.ts), plus AGGREGATION_FLUSH_GRACE_MS (default
 * 5000): how long queued input is given to reach its shard before the interval it was routed in is closed.
 */
function stateStore(env: NodeJS.ProcessEnv): S3BlobStore {
  const opts = { ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}), ...(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {}) };
  return new S3BlobStore(createS3Client(opts), env.BUCKET!);
}

export const consume: ((event: SQSEvent, context: unknown) => Promise<SQSBatchResponse>) & { init(): Promise<void> } = lazyHandler(async () => {
  const d: AwsDeps = await awsDepsFromEnv(process.env, 'aggregate');
  return createAggregateConsumer(aggregateApplyDeps(d, stateStore(process.env)));
});

export const flush: ((event: unknown, context: unknown) => Promise<FlushResult>) & { init(): Promise<void> } = lazyHandler(async () => {
  const d: AwsDeps = await awsDepsFromEnv(process.env, 'aggregate-flush');
  const run = createAggregateFlusher(
    aggregateFlushDeps(d, stateStore(process.env)),
    () => d.clock.now(),
    Number(process.env.AGGREGATION_FLUSH_GRACE_MS ?? 5000),
  );
  return () => run();
});

export async function handler(event: unknown, context: unknown): Promise<SQSBatchResponse | FlushResult> {
  return isSqsEvent(event) ? consume(event, context) : flush(event, context);
}

function isSqsEvent(event: unknown): event is SQSEvent {
  return typeof event === 'object' && event !== null && Array.isArray((event as { Records?: unknown }).Records);
}

await initInLambda(process.env.AGGREGATION_ROLE === 'flush' ? flush : consume);
