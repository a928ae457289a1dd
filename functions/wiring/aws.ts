import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createAwsClients } from '../../lib/adapters/aws/clients.ts';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store.ts';
import { SqsMessageQueue } from '../../lib/adapters/aws/sqs-queue.ts';
import { CounterRegistry, JsonLogger, systemClock, type LogLevel } from '../../lib/adapters/system.ts';
import { loadGatewayConfig } from '../../lib/config/load.ts';
import type { GatewayConfig } from '../../lib/config/schema.ts';
import type { BlobStore, Clock, Logger, MessageQueue } from '../../lib/ports/index.ts';

/**
 * The composition root for Lambda: everything read from the environment is read here.
 *   GATEWAY_CONFIG   path of gateway.yaml (default: gateway.yaml beside the handler)
 *   QUEUE_URL        the SQS queue the ingest and scrape functions write to
 *   BUCKET           the S3 bucket for spool/, overflow/, rejected/, state/
 *   LOG_LEVEL        debug | info | warn | error
 *   AWS_ENDPOINT_URL an emulator (LocalStack, moto); the SDK reads it too
 */
export interface AwsDeps {
  config: GatewayConfig;
  queue: MessageQueue;
  blobs: BlobStore;
  clock: Clock;
  logger: Logger;
  metrics: CounterRegistry;
}

export function awsDepsFromEnv(env: NodeJS.ProcessEnv, functionName: string): AwsDeps {
  const configPath = env.GATEWAY_CONFIG ?? path.join(env.LAMBDA_TASK_ROOT ?? process.cwd(), 'gateway.yaml');
  const config = loadGatewayConfig(readFileSync(configPath, 'utf8'), configPath, (f) => readFileSync(path.resolve(path.dirname(configPath), f), 'utf8'));
  const queueUrl = required(env, 'QUEUE_URL');
  const bucket = required(env, 'BUCKET');
  const { sqs, s3 } = createAwsClients({ ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}), ...(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {}) });
  return {
    config,
    queue: new SqsMessageQueue(sqs, queueUrl, config.queue.maxMessageBytes),
    blobs: new S3BlobStore(s3, bucket),
    clock: systemClock,
    logger: new JsonLogger((env.LOG_LEVEL as LogLevel | undefined) ?? 'info', { function: functionName }),
    metrics: new CounterRegistry(),
  };
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (!v) throw new Error(`environment variable ${name} is required`);
  return v;
}

/** Builds the real handler on first use, so importing a handler module never needs the environment. */
export function lazyHandler<E, C, R>(build: () => (event: E, context: C) => Promise<R>): (event: E, context: C) => Promise<R> {
  let h: ((event: E, context: C) => Promise<R>) | undefined;
  return (event, context) => (h ??= build())(event, context);
}
