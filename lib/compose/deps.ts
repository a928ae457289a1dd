import type { CounterRegistry } from '../adapters/system.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { BlobStore, Clock, Logger, MessageQueue, SecretStore } from '../ports/index.ts';

/**
 * What every handler is composed from: the validated config and the ports, built by an entry point with
 * its own adapters (functions/wiring/aws.ts: SQS, S3, AWS secrets; lib/local/runner.ts: the disk queue or
 * SQS at an endpoint, a local secret store). lib/compose/ builds each handler's dependencies from this,
 * the same way for a Lambda function and for the local runner.
 */
export interface GatewayDeps {
  config: GatewayConfig;
  queue: MessageQueue;
  blobs: BlobStore;
  clock: Clock;
  logger: Logger;
  metrics: CounterRegistry;
  /** env: and file: references locally; secretsmanager: and ssm: through AWS. Absent: no secrets available. */
  secrets?: SecretStore;
  /**
   * The environment the entry point passes on (never read here from process.env): AWS_REGION and
   * AWS_ENDPOINT_URL for remote_write sigv4 and role_arn, ec2_sd_configs; `env:` references of scrape jobs.
   * Absent: empty.
   */
  env?: Readonly<Record<string, string | undefined>>;
}
