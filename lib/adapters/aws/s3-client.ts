import { S3Client } from '@aws-sdk/client-s3';
import type { AwsClientOptions } from './clients.ts';

/** Against an emulator endpoint S3 needs path-style addressing. */
export function createS3Client(opts: AwsClientOptions): S3Client {
  return new S3Client({ ...(opts.region ? { region: opts.region } : {}), ...(opts.endpoint ? { endpoint: opts.endpoint, forcePathStyle: true } : {}) });
}
