#!/usr/bin/env node
/**
 * `npm start`: the local runner's composition root (like functions/, it may read argv and the environment).
 *   --config FILE   else GATEWAY_CONFIG, else ./gateway.yaml
 *   --port N        default 8429 (vmagent's port)
 *   --host ADDR     default 127.0.0.1
 *   --data-dir DIR  default ./.data (the embedded queue and blob store)
 * With AWS_ENDPOINT_URL set, SQS and S3 at that endpoint replace the disk backends
 * (GATEWAY_QUEUE_NAME and GATEWAY_BUCKET name them; both default to metrics-gateway).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { JsonLogger, type LogLevel } from '../adapters/system.ts';
import { LocalSecretStore } from '../adapters/secrets/local-secret-store.ts';
import { loadGatewayConfig } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import { openBackends } from './backends.ts';
import { startLocalRunner } from './runner.ts';

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    port: { type: 'string', default: '8429' },
    host: { type: 'string', default: '127.0.0.1' },
    'data-dir': { type: 'string', default: '.data' },
  },
});
const env = process.env;
const logger = new JsonLogger((env.LOG_LEVEL as LogLevel | undefined) ?? 'info', { function: 'local' });
const configPath = values.config ?? env.GATEWAY_CONFIG ?? 'gateway.yaml';

try {
  const config = loadGatewayConfig(readFileSync(configPath, 'utf8'), configPath, (f) => readFileSync(path.resolve(path.dirname(configPath), f), 'utf8'));
  // Ordered mode needs a FIFO queue, and holds messages in the queue while a receiver is down (docs/ordering.md).
  const queueName = env.GATEWAY_QUEUE_NAME ?? (config.queue.ordered ? 'metrics-gateway.fifo' : 'metrics-gateway');
  if (config.queue.ordered && !queueName.endsWith('.fifo')) throw new Error(`queue.ordered needs a FIFO queue: GATEWAY_QUEUE_NAME ${queueName} must end in .fifo`);
  const backends = await openBackends(
    env.AWS_ENDPOINT_URL
      ? { kind: 'aws', endpoint: env.AWS_ENDPOINT_URL, ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}), queueName, bucket: env.GATEWAY_BUCKET ?? 'metrics-gateway', maxMessageBytes: config.queue.maxMessageBytes }
      : { kind: 'disk', dataDir: values['data-dir'], maxMessageBytes: config.queue.maxMessageBytes, logger, ...(config.queue.ordered ? { maxReceiveCount: 1000 } : {}) },
  );
  const runner = await startLocalRunner({ config, backends, logger, secrets: new LocalSecretStore(env), host: values.host, port: Number(values.port), env });
  const stop = (): void => {
    logger.info('stopping');
    void runner.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`invalid configuration ${configPath}:\n  ${err.problems.join('\n  ')}\n`);
  } else {
    process.stderr.write(`cannot start: ${(err as Error).stack ?? String(err)}\n`);
  }
  process.exit(1);
}
