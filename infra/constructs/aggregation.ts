import { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { AGGREGATION_STATE_PREFIX, BUCKET_PREFIXES } from '../../lib/queue/bucket-keys.ts';
import type { BlobBucket } from './blob-bucket.ts';
import { GatewayFunction, type GatewayFunctionProps } from './gateway-function.ts';
import { MetricsQueue } from './metrics-queue.ts';
import { GatewaySchedule } from './schedule.ts';

/** The prefix of every shard state (aggregationStateKey). */
const STATE_PREFIX = AGGREGATION_STATE_PREFIX;

export interface AggregationProps {
  /** The bundle of functions/aggregate.ts (bundledCode in the stack). */
  code: lambda.Code;
  bucket: BlobBucket;
  /** The delivery queue the flush writes output series to. */
  deliveryQueue: MetricsQueue;
  /** Extra environment (GATEWAY_CONFIG and the like), as the other functions get. */
  environment?: Record<string, string>;
  /** Consumer timeout; the queue's visibility timeout is six times it. Default 60 s. */
  consumerTimeout?: Duration;
  /** How often the flush runs; EventBridge's finest rate is one minute. */
  flushEvery?: Duration;
  /** AGGREGATION_FLUSH_GRACE_MS; default 5 s. */
  flushGrace?: Duration;
  functionDefaults?: Pick<GatewayFunctionProps, 'logRetention' | 'logLevel' | 'network' | 'memorySize'>;
  /**
   * A section's apply emits output (OTLP delta to cumulative: each delta point gives its cumulative point at
   * once, lib/aggregation/durable/machine.ts): the consumer then also sends to the delivery queue and writes
   * spool/ claim checks, as the flush does. Default false.
   */
  sendsAtApply?: boolean;
}

/**
 * Durable stream aggregation (docs/stream-aggregation.md): a FIFO input queue whose message groups are the
 * shards (with its DLQ and alarm), the consumer that applies input to the shard states under
 * state/aggregation/ with conditional writes, and the flush on a schedule that sends closed intervals to the
 * delivery queue. Grants are the least each needs: the consumer reads and writes state/ objects and reads
 * spool/ (claim checks); the flush also lists state/ and sends to the delivery queue (and writes spool/ for
 * claim checks of its own output). Producers get sqs:SendMessage on the input queue through grantInput().
 */
export class Aggregation extends Construct {
  readonly input: MetricsQueue;
  readonly consumer: GatewayFunction;
  readonly flush: GatewayFunction;
  readonly schedule: GatewaySchedule;

  constructor(scope: Construct, id: string, props: AggregationProps) {
    super(scope, id);
    const consumerTimeout = props.consumerTimeout ?? Duration.seconds(60);
    const env = { ...props.environment, BUCKET: props.bucket.bucket.bucketName, QUEUE_URL: props.deliveryQueue.queue.queueUrl };
    this.input = new MetricsQueue(this, 'Input', { consumerTimeout, ordered: true });
    this.consumer = new GatewayFunction(this, 'Consumer', { ...props.functionDefaults, code: props.code, purpose: 'aggregate', timeout: consumerTimeout, environment: { ...env, AGGREGATION_ROLE: 'consume' } });
    this.flush = new GatewayFunction(this, 'Flush', {
      ...props.functionDefaults,
      code: props.code,
      purpose: 'aggregate-flush',
      timeout: Duration.seconds(60),
      // One flush at a time: two would only race on the same shards (correct, but wasted writes).
      reservedConcurrency: 1,
      environment: { ...env, AGGREGATION_ROLE: 'flush', AGGREGATION_FLUSH_GRACE_MS: String((props.flushGrace ?? Duration.seconds(5)).toMilliseconds()) },
    });
    this.input.addConsumer(this.consumer.fn, { batchSize: 10, maxBatchingWindow: Duration.seconds(0) });
    // Shard states only (state/aggregation/<section>/<shard>, lib/queue/bucket-keys.ts): not the scrape state beside them.
    props.bucket.grantObjects(this.consumer.fn, STATE_PREFIX, ['s3:GetObject', 's3:PutObject']);
    props.bucket.grantObjects(this.consumer.fn, BUCKET_PREFIXES.spool, ['s3:GetObject']);
    // A GetObject of a shard that has no state yet must answer 404, not 403.
    props.bucket.grantMissingKeyAsNotFound(this.consumer.fn);
    props.bucket.grantObjects(this.flush.fn, STATE_PREFIX, ['s3:GetObject', 's3:PutObject']);
    props.bucket.grantObjects(this.flush.fn, BUCKET_PREFIXES.spool, ['s3:PutObject']);
    props.bucket.grantList(this.flush.fn, STATE_PREFIX);
    props.bucket.grantMissingKeyAsNotFound(this.flush.fn);
    props.deliveryQueue.grantSend(this.flush.fn);
    if (props.sendsAtApply) {
      props.bucket.grantObjects(this.consumer.fn, BUCKET_PREFIXES.spool, ['s3:PutObject']);
      props.deliveryQueue.grantSend(this.consumer.fn);
    }
    this.schedule = new GatewaySchedule(this, 'FlushSchedule', { handler: this.flush.fn, every: props.flushEvery ?? Duration.minutes(1), description: 'Emits closed stream aggregation intervals' });
  }

  /** Producers (ingest, deliver for per-destination sections) send aggregation input. */
  grantInput(grantee: iam.IGrantable): void {
    this.input.grantSend(grantee);
  }
}
