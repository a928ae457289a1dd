import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createSqsClient } from '../../lib/adapters/aws/clients.ts';
import { LazyS3BlobStore } from '../../lib/adapters/aws/lazy-s3-blob-store.ts';
import { SqsMessageQueue } from '../../lib/adapters/aws/sqs-queue.ts';
import { createLazyAwsSecretStore } from '../../lib/adapters/secrets/lazy-aws-secret-store.ts';
import { LocalSecretStore } from '../../lib/adapters/secrets/local-secret-store.ts';
import { CounterRegistry, JsonLogger, systemClock, type LogLevel } from '../../lib/adapters/system.ts';
import { isPreparedConfig, restorePreparedConfig, type PreparedConfigFile } from '../../lib/config/prepared.ts';
import type { GatewayConfig } from '../../lib/config/schema.ts';
import { preloadRe2, Re2NotLoadedError } from '../../lib/relabel/re2-engine.ts';
import type { GatewayDeps } from '../../lib/compose/deps.ts';

/**
 * The Lambda functions' adapters: everything read from the environment is read here, and handed to the
 * composition root (lib/compose/) as GatewayDeps.
 *   GATEWAY_CONFIG   path of gateway.yaml (default: gateway.yaml beside the handler)
 *   QUEUE_URL        the SQS queue the ingest and scrape functions write to
 *   BUCKET           the S3 bucket for spool/, overflow/, rejected/, state/
 *   LOG_LEVEL        debug | info | warn | error
 *   AWS_ENDPOINT_URL an emulator (LocalStack, moto); the SDK reads it too
 */
export type AwsDeps = GatewayDeps;

export async function awsDepsFromEnv(env: NodeJS.ProcessEnv, functionName: string): Promise<AwsDeps> {
  const configPath = env.GATEWAY_CONFIG ?? path.join(env.LAMBDA_TASK_ROOT ?? process.cwd(), 'gateway.yaml');
  const logger = new JsonLogger((env.LOG_LEVEL as LogLevel | undefined) ?? 'info', { function: functionName });
  // Warnings (fields without effect, old spellings) come only from a config validated here, not a prepared one
  // (the deploy step printed them): logged once per cold start.
  const config = await loadConfigFile(configPath, (warning) => logger.warn('configuration warning', { config: configPath, warning }));
  const queueUrl = required(env, 'QUEUE_URL');
  const bucket = required(env, 'BUCKET');
  const clientOpts = { ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}), ...(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {}) };
  return {
    config,
    queue: new SqsMessageQueue(createSqsClient(clientOpts), queueUrl, config.queue.maxMessageBytes),
    blobs: new LazyS3BlobStore(clientOpts, bucket),
    clock: systemClock,
    logger,
    metrics: new CounterRegistry(),
    secrets: new LocalSecretStore(env, createLazyAwsSecretStore({ ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}), ...(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {}) })),
    env,
  };
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (!v) throw new Error(`environment variable ${name} is required`);
  return v;
}

/**
 * Reads the config. In a bundle the RE2 engine is a chunk loaded on demand: a config with a regex that no
 * string-operation plan covers stops compiling with Re2NotLoadedError, and is compiled again once it is loaded.
 */
export async function loadConfigFile(configPath: string, warn: (warning: string) => void = () => undefined): Promise<GatewayConfig> {
  let loaded: { config: GatewayConfig; warnings: readonly string[] };
  try {
    loaded = await readConfigFile(configPath);
  } catch (err) {
    if (!(err instanceof Re2NotLoadedError)) throw err;
    await preloadRe2();
    loaded = await readConfigFile(configPath);
  }
  for (const w of loaded.warnings) warn(w);
  return loaded.config;
}

/**
 * The deploy step ships gateway.json prepared (validated at bundling: lib/config/prepared.ts); a hand-written
 * JSON config or gateway.yaml (invoke, tests) is validated here, their loaders loaded only then.
 */
async function readConfigFile(configPath: string): Promise<{ config: GatewayConfig; warnings: readonly string[] }> {
  const text = readFileSync(configPath, 'utf8');
  // scrape_config_files are inlined at synth; locally (invoke) they are read beside the config.
  const readFile = (f: string): string => readFileSync(path.resolve(path.dirname(configPath), f), 'utf8');
  if (configPath.endsWith('.json')) {
    const prepared = preparedOrUndefined(text);
    if (prepared) return { config: await restorePreparedConfig(prepared), warnings: [] };
    const { readGatewayConfigJson } = await import('../../lib/config/load-json.ts');
    // Only a JSON config that still lists scrape_config_files (not one from the deploy step) loads the YAML parser.
    const yaml = text.includes('"scrape_config_files"') ? await import('yaml') : undefined;
    return readGatewayConfigJson(text, configPath, yaml && ((f) => yaml.parse(readFile(f))));
  }
  const { readGatewayConfigText } = await import('../../lib/config/load.ts');
  return readGatewayConfigText(text, configPath, readFile);
}

function preparedOrUndefined(text: string): PreparedConfigFile | undefined {
  try {
    const doc: unknown = JSON.parse(text);
    return isPreparedConfig(doc) ? doc : undefined;
  } catch {
    return undefined; // load-json reports the syntax error with the file name
  }
}

/** A handler built on first use; init() builds it ahead of the first event. */
export type LazyHandler<E, C, R> = ((event: E, context: C) => Promise<R>) & { init(): Promise<void> };

/** Builds the real handler on first use (or init()), so importing a handler module never needs the environment. */
export function lazyHandler<E, C, R>(build: () => Promise<(event: E, context: C) => Promise<R>>): LazyHandler<E, C, R> {
  let h: Promise<(event: E, context: C) => Promise<R>> | undefined;
  const get = (): Promise<(event: E, context: C) => Promise<R>> => (h ??= build());
  return Object.assign(async (event: E, context: C) => (await get())(event, context), {
    init: async () => {
      await get();
    },
  });
}

/**
 * In Lambda (AWS_LAMBDA_FUNCTION_NAME is set), builds the handler during the init phase, as AWS advises for
 * clients and config: the first event does not wait for it, and a broken config or environment fails the
 * init (Lambda reports it and starts a fresh environment) instead of every invocation. Elsewhere (tests,
 * `npm run invoke`) importing a handler module does nothing.
 */
export async function initInLambda(handler: { init(): Promise<void> }, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (env.AWS_LAMBDA_FUNCTION_NAME) await handler.init();
}
