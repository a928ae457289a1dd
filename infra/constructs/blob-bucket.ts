import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BUCKET_PREFIXES, type AGGREGATION_STATE_PREFIX, type BucketPrefix } from '../../lib/queue/bucket-keys.ts';

/** The blob store's prefixes (lib/queue/bucket-keys.ts, docs/architecture.md), and the aggregation shard states under state/. */
export type BlobPrefix = BucketPrefix | typeof AGGREGATION_STATE_PREFIX;

export interface BlobBucketProps {
  /** Overflowed data no replay drained in time; default 14 days. Replay enforces the byte cap per destination. */
  overflowRetention?: Duration;
  /** Data receivers refused for good, kept for inspection; default 30 days. */
  rejectedRetention?: Duration;
  /**
   * Claim-checked queue payloads, deleted after delivery; what is left is garbage once no message can still
   * reference it. Default 15 days: one more than the queue's and the DLQ's 14-day retention.
   */
  spoolRetention?: Duration;
  /** Default RETAIN: deleting the stack never deletes undelivered data. */
  removalPolicy?: RemovalPolicy;
}

/**
 * The bucket behind spool/, overflow/<destination>/, rejected/<destination>/ and state/: S3-managed
 * encryption, public access blocked, TLS enforced, bucket-owner objects, and lifecycle caps per prefix.
 * Grants are per action and prefix, never the whole bucket.
 */
export class BlobBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: BlobBucketProps = {}) {
    super(scope, id);
    const spool = props.spoolRetention ?? Duration.days(15);
    if (spool.toDays() < 15) throw new Error(`${BUCKET_PREFIXES.spool} retention must outlive the queue and DLQ retention (14 days): got ${spool.toDays()} days`);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'expire-overflow', prefix: BUCKET_PREFIXES.overflow, expiration: props.overflowRetention ?? Duration.days(14) },
        { id: 'expire-rejected', prefix: BUCKET_PREFIXES.rejected, expiration: props.rejectedRetention ?? Duration.days(30) },
        { id: 'expire-spool', prefix: BUCKET_PREFIXES.spool, expiration: spool },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
  }

  /** Object actions (s3:GetObject, s3:PutObject, s3:DeleteObject) on keys under one prefix only. */
  grantObjects(grantee: iam.IGrantable, prefix: BlobPrefix, actions: readonly ('s3:GetObject' | 's3:PutObject' | 's3:DeleteObject')[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources: [this.bucket.arnForObjects(`${prefix}*`)] }));
  }

  /** s3:ListBucket restricted to listing keys under one prefix (replay walking overflow/). */
  grantList(grantee: iam.IGrantable, prefix: BlobPrefix): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } } }),
    );
  }

  /**
   * s3:ListBucket on the bucket, unconditioned: without it S3 answers GetObject on a missing key with 403
   * instead of 404, and the deliver function must tell "claim-checked payload already delivered and
   * deleted" (NoSuchKey, acknowledged) from a real failure. A prefix condition would not help: the 404
   * check carries no s3:prefix.
   */
  grantMissingKeyAsNotFound(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
  }
}
