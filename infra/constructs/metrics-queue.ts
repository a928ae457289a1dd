import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** SQS's largest message (since August 2025), set explicitly: the default is still 256 KiB. */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;

export interface MetricsQueueProps {
  /** The deliver function's timeout: the visibility timeout is six times it, as AWS advises for event sources. */
  consumerTimeout: Duration;
  /**
   * Receives before a message moves to the DLQ; default 5, or 100 when ordered (an ordered queue holds a
   * group's messages while a receiver is down: each receive is one visibility timeout, so 100 receives of a
   * 12-minute timeout ride out about 20 hours of outage before the DLQ, which breaks the group's order).
   */
  maxReceiveCount?: number;
  /**
   * The ordered mode (gateway.yaml queue.ordered): FIFO queue and FIFO DLQ, deduplication by the ids the
   * producers supply (content-based deduplication off), high-throughput FIFO (deduplication and throughput
   * per message group). FIFO event sources take at most 10 messages and no batching window.
   */
  ordered?: boolean;
  /** Default 14 days (the SQS maximum) for both queues: a standard queue's DLQ counts from the original enqueue. */
  retentionPeriod?: Duration;
}

export interface ConsumerOptions {
  /** Messages per invocation, 1..10000; above 10 a batching window is required. */
  batchSize: number;
  /** How long to gather a batch, 0..300 s. */
  maxBatchingWindow: Duration;
  /** Concurrent invocations the event source may run, 2..1000; default unlimited. */
  maxConcurrency?: number;
}

/**
 * The queue between ingest and delivery: SQS-managed encryption, TLS only, 1 MiB messages, a DLQ after
 * maxReceiveCount receives, and an alarm as soon as the DLQ holds a message (data that could not be made
 * durable anywhere else).
 */
export class MetricsQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly dlqAlarm: cloudwatch.Alarm;
  readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: MetricsQueueProps) {
    super(scope, id);
    const retentionPeriod = props.retentionPeriod ?? Duration.days(14);
    this.maxReceiveCount = props.maxReceiveCount ?? (props.ordered ? 100 : 5);
    const fifo: Partial<sqs.QueueProps> = props.ordered ? { fifo: true, contentBasedDeduplication: false } : {};
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...fifo,
      maxMessageSizeBytes: SQS_MAX_MESSAGE_BYTES,
      retentionPeriod,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...fifo,
      ...(props.ordered ? { deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP, fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID } : {}),
      maxMessageSizeBytes: SQS_MAX_MESSAGE_BYTES,
      retentionPeriod,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: this.maxReceiveCount },
    });
    this.dlqAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: 'Messages reached the dead-letter queue: delivery could not make them durable (S3 failing?). Inspect, fix, then redrive.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** Only sqs:SendMessage on this queue: producers know its URL and SSE is SQS-managed (no KMS grant). */
  grantSend(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));
  }

  /** The consumer with partial batch responses (ReportBatchItemFailures); the event source grants consumption. */
  addConsumer(fn: lambda.Function, opts: ConsumerOptions): void {
    const { batchSize, maxBatchingWindow } = opts;
    if (this.queue.fifo) {
      // Lambda reads a FIFO queue without a batching window, at most 10 messages per invocation, one
      // invocation per message group at a time (so concurrency is at most the number of shards).
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10) throw new Error(`deliver batch size must be an integer in 1..10 for an ordered (FIFO) queue, got ${batchSize}`);
      if (maxBatchingWindow.toSeconds() > 0) throw new Error(`an ordered (FIFO) queue takes no batching window, got ${maxBatchingWindow.toSeconds()} s`);
    }
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new Error(`deliver batch size must be an integer in 1..10000, got ${batchSize}`);
    if (maxBatchingWindow.toSeconds() > 300) throw new Error(`deliver batching window must be at most 300 s, got ${maxBatchingWindow.toSeconds()} s`);
    if (batchSize > 10 && maxBatchingWindow.toSeconds() < 1) throw new Error(`deliver batch size ${batchSize} > 10 needs a batching window of at least 1 s`);
    const visibility = this.queue.node.defaultChild as sqs.CfnQueue;
    if (fn.timeout && Number(visibility.visibilityTimeout) < fn.timeout.toSeconds() * 6) {
      throw new Error(`queue visibility timeout ${visibility.visibilityTimeout} s is less than 6x the consumer's timeout ${fn.timeout.toSeconds()} s`);
    }
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize,
        maxBatchingWindow: maxBatchingWindow.toSeconds() > 0 ? maxBatchingWindow : undefined,
        reportBatchItemFailures: true,
        ...(opts.maxConcurrency !== undefined ? { maxConcurrency: opts.maxConcurrency } : {}),
      }),
    );
  }
}
