import { SQSClient } from '@aws-sdk/client-sqs';

export interface AwsClientOptions {
  region?: string;
  /** AWS_ENDPOINT_URL (LocalStack, moto, ...); the SDK also reads AWS_ENDPOINT_URL_SQS / _S3 itself. */
  endpoint?: string;
}

/** SQS only: this module must not import the S3 client, which the Lambda wiring loads lazily (LazyS3BlobStore). */
export function createSqsClient(opts: AwsClientOptions): SQSClient {
  return new SQSClient({ ...(opts.region ? { region: opts.region } : {}), ...(opts.endpoint ? { endpoint: opts.endpoint } : {}) });
}
