#!/usr/bin/env node
/**
 * `npm run invoke -- <function> <event.json> [--config FILE] [--data-dir DIR] [--timeout-ms N]`
 * Runs one Lambda handler locally with a sample event (see events/) and prints its result as JSON.
 *   function   ingest | deliver | replay (scrape once its file exists: its exported `handler`)
 * Backends: the disk queue and blob store under ./.data (what `npm start` uses), unless the environment
 * points at AWS: with QUEUE_URL set the handler's own AWS wiring runs (QUEUE_URL, BUCKET, AWS_ENDPOINT_URL,
 * as in Lambda); with only AWS_ENDPOINT_URL set, SQS and S3 at that endpoint (queue and bucket
 * metrics-gateway, created when missing, like `npm start`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Context } from 'aws-lambda';
import { createDeliverHandler, deliveryDeps } from '../lib/compose/deliver.ts';
import { createIngestHandler, ingestDeps } from '../lib/compose/ingest.ts';
import { createReplayHandler, replayDeps } from '../lib/compose/replay.ts';
import { LocalSecretStore } from '../lib/adapters/secrets/local-secret-store.ts';
import { createScrapeHandler, scrapeDeps } from '../lib/compose/scrape.ts';
import type { AwsDeps } from '../functions/wiring/aws.ts';
import { CounterRegistry, JsonLogger, systemClock, type LogLevel } from '../lib/adapters/system.ts';
import { loadGatewayConfig } from '../lib/config/load.ts';
import { ConfigError } from '../lib/errors.ts';
import { openBackends, type Backends } from '../lib/local/backends.ts';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface InvokeOptions {
  configPath: string;
  dataDir: string;
  /** What the fake context's getRemainingTimeInMillis starts from (a Lambda timeout). */
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
}

type AnyHandler = (event: unknown, context: Context) => Promise<unknown>;

/** The Lambda context a handler sees, with the remaining time counting down from timeoutMs. */
export function fakeContext(functionName: string, timeoutMs: number, now: () => number = Date.now): Context {
  const deadline = now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: `invoke-${deadline}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Runs functions/<name>.ts's handler with the event; resolves to what the handler returned. */
export async function invoke(name: string, event: unknown, opts: InvokeOptions): Promise<{ result: unknown; backends: string }> {
  const context = fakeContext(`metrics-gateway-${name}`, opts.timeoutMs);
  if (opts.env.QUEUE_URL) {
    // Exactly the Lambda wiring: the module's exported handler reads the environment.
    const mod = (await import(path.join(ROOT, 'functions', `${name}.ts`))) as { handler?: AnyHandler };
    if (!mod.handler) throw new Error(`functions/${name}.ts exports no handler`);
    return { result: await mod.handler(event, context), backends: `AWS wiring from the environment (QUEUE_URL=${opts.env.QUEUE_URL})` };
  }
  const config = loadGatewayConfig(readFileSync(opts.configPath, 'utf8'), opts.configPath);
  const logger = new JsonLogger((opts.env.LOG_LEVEL as LogLevel | undefined) ?? 'info', { function: name });
  const backends: Backends = await openBackends(
    opts.env.AWS_ENDPOINT_URL
      ? { kind: 'aws', endpoint: opts.env.AWS_ENDPOINT_URL, ...(opts.env.AWS_REGION ? { region: opts.env.AWS_REGION } : {}), queueName: opts.env.GATEWAY_QUEUE_NAME ?? 'metrics-gateway', bucket: opts.env.GATEWAY_BUCKET ?? 'metrics-gateway', maxMessageBytes: config.queue.maxMessageBytes }
      : { kind: 'disk', dataDir: opts.dataDir, maxMessageBytes: config.queue.maxMessageBytes, logger },
  );
  const deps: AwsDeps = { config, queue: backends.queue, blobs: backends.blobs, clock: systemClock, logger, metrics: new CounterRegistry(), secrets: new LocalSecretStore(opts.env) };
  let handler: AnyHandler;
  if (name === 'ingest') handler = createIngestHandler(ingestDeps(deps)) as AnyHandler;
  else if (name === 'deliver') handler = createDeliverHandler(deliveryDeps(deps)) as unknown as AnyHandler;
  else if (name === 'replay') handler = createReplayHandler(replayDeps(deps), config.replay) as unknown as AnyHandler;
  else if (name === 'scrape') handler = createScrapeHandler(scrapeDeps(deps, { env: opts.env })) as unknown as AnyHandler;
  else throw new Error(`unknown function ${JSON.stringify(name)}: ingest, deliver, replay or scrape`);
  try {
    return { result: await handler(event, context), backends: backends.description };
  } finally {
    await (backends.queue as { close?: () => Promise<void> }).close?.();
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { config: { type: 'string' }, 'data-dir': { type: 'string', default: '.data' }, 'timeout-ms': { type: 'string', default: '60000' } },
  });
  const [name, eventPath] = positionals;
  if (!name || !eventPath) {
    process.stderr.write('usage: npm run invoke -- <ingest|deliver|replay> <event.json> [--config gateway.yaml] [--data-dir .data] [--timeout-ms 60000]\n');
    process.exit(2);
  }
  if (!existsSync(path.join(ROOT, 'functions', `${name}.ts`))) {
    process.stderr.write(`no functions/${name}.ts\n`);
    process.exit(2);
  }
  const event = JSON.parse(readFileSync(eventPath, 'utf8'));
  try {
    const { result, backends } = await invoke(name, event, {
      configPath: values.config ?? process.env.GATEWAY_CONFIG ?? 'gateway.yaml',
      dataDir: values['data-dir'],
      timeoutMs: Number(values['timeout-ms']),
      env: process.env,
    });
    process.stderr.write(`invoked ${name} with ${eventPath} (${backends})\n`);
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } catch (err) {
    if (err instanceof ConfigError) process.stderr.write(`invalid configuration:\n  ${err.problems.join('\n  ')}\n`);
    else process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  }
}

if (import.meta.main) await main();
