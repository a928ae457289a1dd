import path from 'node:path';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../adapters/aws/clients.ts';
import { createS3Client } from '../adapters/aws/s3-client.ts';
import { S3BlobStore } from '../adapters/aws/s3-blob-store.ts';
import { SqsMessageQueue } from '../adapters/aws/sqs-queue.ts';
import { DiskBlobStore } from '../adapters/local/disk-blob-store.ts';
import { DiskQueue, LOCAL_SENT_CACHE_BYTES } from '../adapters/local/disk-queue.ts';
import type { BlobStore, ConditionalBlobStore, Logger, MessageQueue, QueueConsumer } from '../ports/index.ts';
import { AggregationDiskQueue } from './aggregation-queue.ts';

export interface Backends {
  queue: MessageQueue & QueueConsumer;
  blobs: BlobStore;
  /** What the runner says it is using, for the start-up log line. */
  description: string;
  /**
   * Stream aggregation's queue (FIFO per shard, sequence numbers from a persistent counter) and shard state
   * store: the embedded default only (dataDir/aggregation/ and the blob store). Absent in AWS mode.
   */
  aggregation?: { queue: AggregationDiskQueue; state: ConditionalBlobStore };
}

export type BackendOptions =
  | { kind: 'disk'; dataDir: string; maxMessageBytes: number; logger: Logger; maxReceiveCount?: number }
  | { kind: 'aws'; endpoint?: string; region?: string; queueName: string; bucket: string; maxMessageBytes: number };

/**
 * The embedded default (a disk queue and blob store under dataDir), or SQS and S3 at an AWS endpoint. In
 * AWS mode the queue and bucket are created when missing, so `AWS_ENDPOINT_URL=... npm start` works against
 * a fresh LocalStack or moto; in a real account they are expected to come from the CDK stack.
 */
export async function openBackends(opts: BackendOptions): Promise<Backends> {
  if (opts.kind === 'disk') {
    const queue = await DiskQueue.open(path.join(opts.dataDir, 'queue'), { maxMessageBytes: opts.maxMessageBytes, logger: opts.logger, sentCacheBytes: LOCAL_SENT_CACHE_BYTES, ...(opts.maxReceiveCount !== undefined ? { maxReceiveCount: opts.maxReceiveCount } : {}) });
    const blobs = new DiskBlobStore(path.join(opts.dataDir, 'blobs'));
    // Aggregation input is never dead-lettered for being received often: a dropped message would be a lost increment.
    const aggregation = { queue: await AggregationDiskQueue.open(path.join(opts.dataDir, 'aggregation'), { maxMessageBytes: opts.maxMessageBytes, logger: opts.logger, maxReceiveCount: 1000 }), state: blobs };
    return { queue, blobs, aggregation, description: `disk queue and blob store in ${opts.dataDir}` };
  }
  const clientOpts = { ...(opts.endpoint ? { endpoint: opts.endpoint } : {}), region: opts.region ?? 'us-east-1' };
  const sqs = createSqsClient(clientOpts);
  const s3 = createS3Client(clientOpts);
  let queueUrl: string;
  try {
    queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: opts.queueName }))).QueueUrl!;
  } catch {
    queueUrl = (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: opts.queueName,
          Attributes: { MaximumMessageSize: String(Math.max(opts.maxMessageBytes, 262144)), VisibilityTimeout: '60', ...(opts.queueName.endsWith('.fifo') ? { FifoQueue: 'true' } : {}) },
        }),
      )
    ).QueueUrl!;
  }
  try {
    await s3.send(new HeadBucketCommand({ Bucket: opts.bucket }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: opts.bucket }));
  }
  return {
    queue: new SqsMessageQueue(sqs, queueUrl, opts.maxMessageBytes),
    blobs: new S3BlobStore(s3, opts.bucket),
    description: `SQS ${queueUrl} and S3 bucket ${opts.bucket} at ${opts.endpoint ?? 'AWS'}`,
  };
}
