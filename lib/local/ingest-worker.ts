/**
 * Worker thread entry of the local runner's ingest pool (lib/local/ingest-pool.ts). It builds the same ingest
 * core as functions/ingest.ts (lib/compose/ingest.ts: the same dependencies, from the same config text) and
 * calls it with the request as the core takes it (ingest-request.ts), skipping the API Gateway event's base64
 * body; the answer goes back as the Lambda handler's result. Its ports forward to the main thread:
 * queue sends, blob store calls and secret reads are calls answered by the main thread's real backends;
 * counters and log lines are posted and applied there. The core does not know it runs in a worker.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { ingestDeps } from '../compose/ingest.ts';
import { toApiGatewayResult } from '../adapters/lambda/events.ts';
import { createIngest } from '../ingest/pipeline.ts';
import { CounterRegistry, systemClock } from '../adapters/system.ts';
import { loadGatewayConfig } from '../config/load.ts';
import type { BlobStore, Logger, MessageQueue, SecretStore } from '../ports/index.ts';
import { httpRequestOf } from './ingest-request.ts';
import type { WorkerInit, ToWorker, FromWorker, PoolRequest } from './ingest-pool.ts';

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (m: FromWorker): void => port.postMessage(m);

let nextCall = 0;
const calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
function call<T>(method: string, args: unknown[]): Promise<T> {
  const id = nextCall++;
  return new Promise<T>((resolve, reject) => {
    calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
    post({ t: 'call', id, method, args });
  });
}

const queue: MessageQueue = { maxMessageBytes: init.maxMessageBytes, send: (messages) => call('queue.send', [messages]) };
const blobs: BlobStore = {
  put: (key, body, metadata) => call('blobs.put', [key, body, metadata]),
  get: (key) => call('blobs.get', [key]),
  delete: (key) => call('blobs.delete', [key]),
  list: (prefix, opts) => call('blobs.list', [prefix, opts]),
};
const secrets: SecretStore = { get: (ref) => call('secrets.get', [ref]) };
/** Counts on the main thread: one registry for /metrics and self-metrics. */
class ForwardedCounters extends CounterRegistry {
  override inc(name: string, labels: Record<string, string>, by = 1): void {
    post({ t: 'inc', name, labels, by });
  }

  override set(name: string, labels: Record<string, string>, value: number): void {
    post({ t: 'set', name, labels, value });
  }
}
const metrics = new ForwardedCounters();
const log = (level: 'debug' | 'info' | 'warn' | 'error') => (msg: string, fields?: Record<string, unknown>) => post({ t: 'log', level, msg, ...(fields ? { fields } : {}) });
const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };

const config = loadGatewayConfig(init.configText, init.configPath, (f) => readFileSync(path.resolve(path.dirname(init.configPath), f), 'utf8'));
const ingest = createIngest(ingestDeps({ config, queue, blobs, clock: systemClock, logger, metrics, secrets }));

async function serve(id: number, req: PoolRequest): Promise<void> {
  try {
    const result = toApiGatewayResult(await ingest(httpRequestOf(req)));
    post({ t: 'result', id, result });
  } catch (err) {
    post({ t: 'failed', id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
}

port.on('message', (m: ToWorker) => {
  if (m.t === 'ingest') void serve(m.id, m.req);
  else {
    const c = calls.get(m.id);
    if (!c) return;
    calls.delete(m.id);
    if (m.ok) c.resolve(m.value);
    else c.reject(new Error(m.error));
  }
});
