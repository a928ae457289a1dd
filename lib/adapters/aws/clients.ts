import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface AwsClientOptions {
  region?: string;
  /** AWS_ENDPOINT_URL (LocalStack, moto, ...); the SDK also reads AWS_ENDPOINT_URL_SQS / _S3 itself. */
  endpoint?: string;
}

/** SDK clients. Against an emulator endpoint S3 needs path-style addressing. */
export function createAwsClients(opts: AwsClientOptions): { sqs: SQSClient; s3: S3Client } {
  const common = { ...(opts.region ? { region: opts.region } : {}), ...(opts.endpoint ? { endpoint: opts.endpoint } : {}) };
  return {
    sqs: new SQSClient(common),
    s3: new S3Client({ ...common, forcePathStyle: Boolean(opts.endpoint) }),
  };
}
