#!/usr/bin/env node
/**
 * `npm start`: the local runner's composition root (like functions/, it may read argv and the environment).
 *   --config FILE   else GATEWAY_CONFIG, else ./gateway.yaml
 *   --port N        default 8429 (vmagent's port)
 *   --host ADDR     default 127.0.0.1
 *   --data-dir DIR  default ./.data (the embedded queue and blob store)
 *   --ingest-workers N  else GATEWAY_INGEST_WORKERS, else automatic (lib/local/ingest-pool.ts,
 *                   defaultIngestWorkers: none when the machine has one spare core or less); 0 ingests every
 *                   body on the main thread, N >= 1 runs N worker threads for large bodies (at most 16)
 * SIGTERM or SIGINT stops it gracefully (LocalRunner.close); a second one exits at once.
 * With AWS_ENDPOINT_URL set, SQS and S3 at that endpoint replace the disk backends
 * (GATEWAY_QUEUE_NAME and GATEWAY_BUCKET name them; both default to metrics-gateway).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { JsonLogger, type LogLevel } from '../adapters/system.ts';
import { LocalSecretStore } from '../adapters/secrets/local-secret-store.ts';
import { readGatewayConfigText } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import { openBackends } from './backends.ts';
import { startLocalRunner, type LocalRunner } from './runner.ts';

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    port: { type: 'string', default: '8429' },
    host: { type: 'string', default: '127.0.0.1' },
    'data-dir': { type: 'string', default: '.data' },
    'ingest-workers': { type: 'string' },
  },
});
const env = process.env;
const logger = new JsonLogger((env.LOG_LEVEL as LogLevel | undefined) ?? 'info', { function: 'local' });
const configPath = values.config ?? env.GATEWAY_CONFIG ?? 'gateway.yaml';
const workersText = values['ingest-workers'] ?? env.GATEWAY_INGEST_WORKERS;
const ingestWorkers = workersText === undefined || workersText === '' ? undefined : parseIngestWorkers(workersText);

/** --ingest-workers / GATEWAY_INGEST_WORKERS: a whole number 0 to 16; anything else stops the start with a clear message. */
function parseIngestWorkers(text: string): number {
  const n = /^\d{1,2}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 0 && n <= 16)) {
    process.stderr.write(`cannot start: --ingest-workers (or GATEWAY_INGEST_WORKERS) must be a whole number from 0 to 16, got ${JSON.stringify(text)}\n`);
    process.exit(1);
  }
  return n;
}

// `npm start` execs node (package.json), so a supervisor's SIGTERM to the npm process reaches this one.
// The handlers come first: a signal during start-up is kept and acted on once the runner is up.
let runner: LocalRunner | undefined;
let stopSignal: NodeJS.Signals | undefined;
function stop(signal: NodeJS.Signals, deferred = false): void {
  if (stopSignal && !deferred) {
    logger.warn('second stop signal: exiting without waiting', { signal });
    process.exit(1);
  }
  stopSignal = signal;
  if (!runner) return;
  logger.info('stopping', { signal });
  runner.close().then(
    () => {
      logger.info('stopped');
      process.exit(0);
    },
    (err: unknown) => {
      logger.error('stop failed', { error: String(err) });
      process.exit(1);
    },
  );
}
process.on('SIGINT', (s) => stop(s));
process.on('SIGTERM', (s) => stop(s));

try {
  const configText = readFileSync(configPath, 'utf8');
  const { config, warnings } = readGatewayConfigText(configText, configPath, (f) => readFileSync(path.resolve(path.dirname(configPath), f), 'utf8'));
  // Fields accepted without effect and old spellings: once, at start (the ingest workers read the config silently).
  for (const warning of warnings) logger.warn('configuration warning', { config: configPath, warning });
  // Ordered mode needs a FIFO queue, and holds messages in the queue while a receiver is down (docs/ordering.md).
  const queueName = env.GATEWAY_QUEUE_NAME ?? (config.queue.ordered ? 'metrics-gateway.fifo' : 'metrics-gateway');
  if (config.queue.ordered && !queueName.endsWith('.fifo')) throw new Error(`queue.ordered needs a FIFO queue: GATEWAY_QUEUE_NAME ${queueName} must end in .fifo`);
  const backends = await openBackends(
    env.AWS_ENDPOINT_URL
      ? { kind: 'aws', endpoint: env.AWS_ENDPOINT_URL, ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}), queueName, bucket: env.GATEWAY_BUCKET ?? 'metrics-gateway', maxMessageBytes: config.queue.maxMessageBytes }
      : { kind: 'disk', dataDir: values['data-dir'], maxMessageBytes: config.queue.maxMessageBytes, logger, ...(config.queue.ordered ? { maxReceiveCount: 1000 } : {}) },
  );
  runner = await startLocalRunner({ config, backends, logger, secrets: new LocalSecretStore(env), host: values.host, port: Number(values.port), env, configSource: { text: configText, path: configPath }, ...(ingestWorkers !== undefined ? { ingestWorkers } : {}) });
  if (stopSignal) stop(stopSignal, true);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`invalid configuration ${configPath}:\n  ${err.problems.join('\n  ')}\n`);
  } else {
    process.stderr.write(`cannot start: ${(err as Error).stack ?? String(err)}\n`);
  }
  process.exit(1);
}
