import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createSqsClient } from '../../lib/adapters/aws/clients.ts';
import { LazyS3BlobStore } from '../../lib/adapters/aws/lazy-s3-blob-store.ts';
import { SqsMessageQueue } from '../../lib/adapters/aws/sqs-queue.ts';
import { createLazyAwsSecretStore } from '../../lib/adapters/secrets/lazy-aws-secret-store.ts';
import { LocalSecretStore } from '../../lib/adapters/secrets/local-secret-store.ts';
import { CounterRegistry, JsonLogger, systemClock, type LogLevel } from '../../lib/adapters/system.ts';
import { loadGatewayConfigJson } from '../../lib/config/load-json.ts';
import type { GatewayConfig } from '../../lib/config/schema.ts';
import type { BlobStore, Clock, Logger, MessageQueue, SecretStore } from '../../lib/ports/index.ts';

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
  /** env: and file: references locally; secretsmanager: and ssm: through AWS. Absent: no secrets available. */
  secrets?: SecretStore;
}

export async function awsDepsFromEnv(env: NodeJS.ProcessEnv, functionName: string): Promise<AwsDeps> {
  const configPath = env.GATEWAY_CONFIG ?? path.join(env.LAMBDA_TASK_ROOT ?? process.cwd(), 'gateway.yaml');
  const config = await loadConfigFile(configPath);
  const queueUrl = required(env, 'QUEUE_URL');
  const bucket = required(env, 'BUCKET');
  const clientOpts = { ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}), ...(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {}) };
  return {
    config,
    queue: new SqsMessageQueue(createSqsClient(clientOpts), queueUrl, config.queue.maxMessageBytes),
    blobs: new LazyS3BlobStore(clientOpts, bucket),
    clock: systemClock,
    logger: new JsonLogger((env.LOG_LEVEL as LogLevel | undefined) ?? 'info', { function: functionName }),
    metrics: new CounterRegistry(),
    secrets: new LocalSecretStore(env, createLazyAwsSecretStore({ ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}), ...(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {}) })),
  };
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (!v) throw new Error(`environment variable ${name} is required`);
  return v;
}

/** The deploy step ships gateway.json (no YAML parser at cold start); gateway.yaml works too (invoke, tests). */
async function loadConfigFile(configPath: string): Promise<GatewayConfig> {
  const text = readFileSync(configPath, 'utf8');
  // scrape_config_files are inlined at synth; locally (invoke) they are read beside the config.
  const readFile = (f: string): string => readFileSync(path.resolve(path.dirname(configPath), f), 'utf8');
  if (configPath.endsWith('.json')) return loadGatewayConfigJson(text, configPath, readFile);
  const { loadGatewayConfig } = await import('../../lib/config/load.ts');
  return loadGatewayConfig(text, configPath, readFile);
}

/** Builds the real handler on first use, so importing a handler module never needs the environment. */
export function lazyHandler<E, C, R>(build: () => Promise<(event: E, context: C) => Promise<R>>): (event: E, context: C) => Promise<R> {
  let h: Promise<(event: E, context: C) => Promise<R>> | undefined;
  return async (event, context) => (await (h ??= build()))(event, context);
}
