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
  /** Receives before a message moves to the DLQ; default 5. */
  maxReceiveCount?: number;
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
    this.maxReceiveCount = props.maxReceiveCount ?? 5;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      maxMessageSizeBytes: SQS_MAX_MESSAGE_BYTES,
      retentionPeriod,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
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
