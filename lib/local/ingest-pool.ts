import os from 'node:os';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { BlobStore, Logger, MessageQueue, Metrics, OutgoingMessage, SecretStore } from '../ports/index.ts';

/**
 * Ingest of large bodies in worker threads, for the local runner only.
 *
 * Why: parsing is synchronous. In Lambda one invocation serves one request, so a long parse delays nobody
 * else and the handler stays as it is (no thread hop on the hot path). The local runner serves every
 * request from one process, so a multi-megabyte body parsed on the main thread would stall everything
 * else: other pushes, `/ping` probes, `/metrics`, and queue delivery. Bodies of at least `minBodyBytes` go to
 * a worker that runs the very same ingest core (functions/ingest.ts's, built from the same config text; the request
 * handed to it as the core takes it, not through a base64 API Gateway event); its
 * queue, blob store and secret store are calls answered by the main thread's real backends, and its
 * counters and log lines are applied on the main thread, so the core stays pure and there is one queue
 * and one set of counters. Small bodies stay on the main thread: a hop costs more than their parse.
 *
 * Memory: each worker is a second V8 isolate with the ingest code compiled: ~30-35 MB of RSS idle, ~60 MB of
 * the 5M-sample Influx bench's peak (bench/RESULTS.md, "Issue 14, part 5", s22-rss). So a worker
 * starts with the first body it is given and exits after IDLE_EXIT_MS of serving nothing, and by default the
 * runner runs none on a machine with one spare core or less (defaultIngestWorkers, with the figures).
 *
 * A request is answered only after its worker reports the handler's result, which comes after the data
 * is in the queue, exactly as on the main thread. A worker that dies fails its requests (500, nothing
 * acknowledged) and is replaced. A worker that runs out of its heap (`resourceLimits`, below) answers its
 * requests 503 with Retry-After instead: nothing of them was acknowledged (a part may already be queued;
 * the client's retry can repeat it, never lose it), the condition is load, not the request, and the worker
 * is replaced as after any death.
 */
export interface IngestPoolOptions {
  /** gateway.yaml text and path (scrape_config_files resolve against its folder): each worker parses it. */
  configText: string;
  configPath: string;
  queue: MessageQueue;
  blobs: BlobStore;
  secrets: SecretStore;
  metrics: Metrics;
  logger: Logger;
  /** Worker threads at most; default defaultIngestWorkers(), at least 1 (a pool is made to run one). */
  workers?: number;
  /**
   * A worker starts with the first body it is given (not with the pool) and exits once it has served nothing
   * for this long, so an idle gateway runs one V8 isolate; default IDLE_EXIT_MS. Infinity keeps it running.
   */
  idleExitMs?: number;
  /** V8 heap limits of each worker; default WORKER_RESOURCE_LIMITS. */
  resourceLimits?: ResourceLimits;
}

/**
 * The ingest worker's own V8 heap limits: a 16 MB young generation, the choice measured in the 5M-sample
 * Influx bench (bench/RESULTS.md, "Issue 14, part 2"). A process-wide V8 flag wins over them: under
 * `node --max-semi-space-size=64` (what `npm start` ran until 2026-12-03) a worker's new space grew to 128 MB
 * with this limit set (measured with v8.getHeapSpaceStatistics in the worker; 32 MB under
 * `--max-semi-space-size=16`, 16 MB with no flag; bench/RESULTS.md, "Issue 14, part 4", s21-queue). `npm start` now runs
 * `--max-semi-space-size=8`, which gives the worker the same 16 MB and the main thread, which ingests on
 * 2 vCPUs, 16 MB instead of 32 (bench/RESULTS.md, "Issue 14, part 5", s22-rss).
 *
 * The old space is left at V8's default on purpose. A limit does not lower the RSS of a run that stays
 * under it, and when one allocation (a decoded body is one string) overshoots it by more than the slack
 * V8 grants at the limit, V8 aborts the whole process (`FATAL ERROR: Reached heap limit`, SIGABRT; seen
 * with a 24 MB limit and a 30 MB body), not just the worker. A worker that nears its limit by small steps
 * is stopped with ERR_WORKER_OUT_OF_MEMORY, and its requests are answered 503 (below).
 */
export const WORKER_RESOURCE_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 16 };

/**
 * The worker's module, beside this one: ingest-worker.ts when the runner runs from source (the tests), and
 * ingest-worker.js when it runs from the bundle `npm start` builds (scripts/build-local.mjs writes both entry
 * points, and the chunks whose import.meta.url this is, into one directory).
 */
const WORKER_ENTRY = new URL(import.meta.url.endsWith('.ts') ? './ingest-worker.ts' : './ingest-worker.js', import.meta.url);

/** What the client gets for a request whose worker ran out of heap: retry later, as for a queue outage. */
export const WORKER_OUT_OF_MEMORY_RESULT: APIGatewayProxyStructuredResultV2 = {
  statusCode: 503,
  headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' },
  body: 'ingest worker out of memory; nothing of this request was acknowledged, retry later\n',
};

/** What a worker needs to rebuild an API Gateway event: the fields of toApiGatewayEvent. */
export interface PoolRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
  sourceIp: string;
  now: number;
}

export interface WorkerInit {
  configText: string;
  configPath: string;
  maxMessageBytes: number;
}

export type ToWorker = { t: 'ingest'; id: number; req: PoolRequest } | { t: 'reply'; id: number; ok: true; value: unknown } | { t: 'reply'; id: number; ok: false; error: string };

export type FromWorker =
  | { t: 'result'; id: number; result: APIGatewayProxyStructuredResultV2 }
  | { t: 'failed'; id: number; error: string }
  | { t: 'call'; id: number; method: string; args: unknown[] }
  | { t: 'inc'; name: string; labels: Record<string, string>; by: number }
  | { t: 'set'; name: string; labels: Record<string, string>; value: number }
  | { t: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; msg: string; fields?: Record<string, unknown> };

const MAX_RESPAWNS = 3;

/**
 * How long a worker that serves nothing keeps running: 5 minutes. An idle worker isolate holds ~30-35 MB of
 * RSS (bench/RESULTS.md, "Issue 14, part 5", s22-rss); starting one costs ~0.3 CPU-s, paid by the first large body. Clients
 * that push at intervals of seconds to a few minutes (Prometheus remote_write continuously, Telegraf every
 * 10 s, vmagent every second, cron pushes every minute) keep it running; a gateway left alone returns to one isolate.
 */
export const IDLE_EXIT_MS = 5 * 60_000;

/**
 * Ingest worker threads when the operator sets none (`--ingest-workers` / GATEWAY_INGEST_WORKERS,
 * `ingestWorkers` of the runner): the available cores minus one, at most 4, and **none when that leaves one
 * core or less** (a 2-vCPU machine or container, or 1 vCPU): every body is then ingested on the main thread.
 * Why, measured on the 2-vCPU build machine (bench/RESULTS.md, "Issue 14, part 5", s22-rss): with one spare core a worker costs
 * a second V8 isolate, ~30-35 MB of the idle process and ~60 MB of the 5M-sample Influx run's peak RSS
 * (175-183 MiB without in 6 of 7 runs, one 257; 235-245 with; both under `npm start`'s --max-semi-space-size=8),
 * for CPU per sample that was no lower (gateway CPU 4.6-7.4 s inline, 5.0-7.2 s with it, same runs). What it buys is latency for the other requests while a large body parses: on the main
 * thread a 4 MB Influx body (under the default max_body_bytes) holds up `/ping`, `/metrics`, other pushes
 * and queue delivery for its parse: `/ping` p99 351 ms, max 409 ms while such bodies arrive back to back,
 * against 26 and 202 ms with a worker (p50 1.9 vs 0.8 ms). Set `--ingest-workers 1` where that matters more
 * than the memory.
 */
export function defaultIngestWorkers(cores: number = os.availableParallelism()): number {
  return cores - 1 <= 1 ? 0 : Math.min(4, cores - 1);
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (r: APIGatewayProxyStructuredResultV2) => void; reject: (e: Error) => void }>;
  /** Set while the worker serves nothing: it exits when this fires. */
  idle?: NodeJS.Timeout;
}

export class IngestPool {
  /** The workers running: none until the first body, fewer than `size` while fewer were needed at once. */
  private readonly slots: Slot[] = [];
  private readonly max: number;
  private nextId = 0;
  private closed = false;
  private gaveUp = false;
  /** Worker deaths since the last answer; past MAX_RESPAWNS the pool gives up (available turns false). */
  private deaths = 0;
  private readonly o: IngestPoolOptions;

  constructor(o: IngestPoolOptions) {
    this.o = o;
    this.max = o.workers ?? Math.max(1, defaultIngestWorkers());
  }

  /** Worker threads this pool runs at most (each started on demand). */
  get size(): number {
    return this.max;
  }

  /** Worker threads running now. */
  get running(): number {
    return this.slots.length;
  }

  /** False once workers keep dying without answering anything: the caller then ingests on its own thread. */
  get available(): boolean {
    return !this.closed && !this.gaveUp;
  }

  /**
   * Runs the ingest handler on the least busy worker; rejects when the worker dies meanwhile. `req.body` is
   * handed over: when it owns its ArrayBuffer it is transferred (detached here), so do not read it afterwards.
   */
  ingest(req: PoolRequest): Promise<APIGatewayProxyStructuredResultV2> {
    if (!this.available) return Promise.reject(new Error(this.closed ? 'ingest pool closed' : 'ingest workers keep dying'));
    // The least busy worker; a new one while every running worker is busy and there is room for one more.
    let slot = this.slots.length ? this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a)) : undefined;
    if (!slot || (slot.pending.size > 0 && this.slots.length < this.max)) this.slots.push((slot = this.spawn()));
    const id = this.nextId++;
    const s = slot;
    clearTimeout(s.idle);
    s.idle = undefined;
    return new Promise((resolve, reject) => {
      s.pending.set(id, { resolve, reject });
      // A body that owns its whole ArrayBuffer (Buffer.concat of a multi-chunk request body does) is moved to
      // the worker, not copied; the caller must not read it afterwards. A view on a shared buffer is copied.
      const b = req.body.buffer;
      const own = b instanceof ArrayBuffer && req.body.byteOffset === 0 && req.body.byteLength === b.byteLength;
      s.worker.postMessage({ t: 'ingest', id, req } satisfies ToWorker, own ? [b] : []);
    });
  }

  /** Call after the requests being served have been answered. */
  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.slots) clearTimeout(s.idle);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  /** Once a worker has nothing pending: it exits after idleExitMs unless it is given a body first. */
  private idleWhenDone(slot: Slot): void {
    const ms = this.o.idleExitMs ?? IDLE_EXIT_MS;
    if (slot.pending.size > 0 || this.closed || !Number.isFinite(ms)) return;
    clearTimeout(slot.idle);
    slot.idle = setTimeout(() => {
      const i = this.slots.indexOf(slot);
      if (i < 0 || slot.pending.size > 0) return;
      // Out of the pool first: its exit is then not a death.
      this.slots.splice(i, 1);
      void slot.worker.terminate();
    }, ms);
    // An idle worker does not keep the process alive.
    slot.idle.unref();
  }

  private spawn(): Slot {
    const init: WorkerInit = { configText: this.o.configText, configPath: this.o.configPath, maxMessageBytes: this.o.queue.maxMessageBytes };
    const worker = new Worker(WORKER_ENTRY, { workerData: init, resourceLimits: this.o.resourceLimits ?? WORKER_RESOURCE_LIMITS });
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    const fail = (why: string, outOfMemory = false): void => {
      for (const p of slot.pending.values()) {
        if (outOfMemory) p.resolve(WORKER_OUT_OF_MEMORY_RESULT);
        else p.reject(new Error(`ingest worker ${why}`));
      }
      slot.pending.clear();
      clearTimeout(slot.idle);
      const i = this.slots.indexOf(slot);
      if (this.closed || i < 0) return;
      if (++this.deaths > MAX_RESPAWNS) {
        this.o.logger.error('ingest worker stopped; too many in a row, large bodies are ingested on the main thread', { why });
        this.gaveUp = true;
        this.slots.splice(i, 1);
        return;
      }
      this.o.logger.error('ingest worker stopped; starting another', { why });
      const next = this.spawn();
      this.slots[i] = next;
      this.idleWhenDone(next);
    };
    worker.on('error', (err) => fail(`failed: ${err.stack ?? err.message}`, (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY'));
    worker.on('exit', (code) => {
      if (this.slots.includes(slot)) fail(`exited with code ${code}`);
    });
    return slot;
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    switch (m.t) {
      case 'result':
      case 'failed': {
        const p = slot.pending.get(m.id);
        if (!p) return;
        slot.pending.delete(m.id);
        this.deaths = 0;
        if (m.t === 'result') p.resolve(m.result);
        else p.reject(new Error(m.error));
        this.idleWhenDone(slot);
        return;
      }
      case 'inc':
        this.o.metrics.inc(m.name, m.labels, m.by);
        return;
      case 'set':
        this.o.metrics.set(m.name, m.labels, m.value);
        return;
      case 'log':
        this.o.logger[m.level](m.msg, m.fields);
        return;
      case 'call':
        void this.answer(m.method, m.args).then(
          (value) => slot.worker.postMessage({ t: 'reply', id: m.id, ok: true, value } satisfies ToWorker),
          (err: unknown) => slot.worker.postMessage({ t: 'reply', id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies ToWorker),
        );
    }
  }

  private answer(method: string, args: unknown[]): Promise<unknown> {
    const { queue, blobs, secrets } = this.o;
    switch (method) {
      case 'queue.send':
        return queue.send(args[0] as OutgoingMessage[]);
      case 'blobs.put':
        return blobs.put(args[0] as string, args[1] as Uint8Array, args[2] as Record<string, string> | undefined);
      case 'blobs.get':
        return blobs.get(args[0] as string);
      case 'blobs.delete':
        return blobs.delete(args[0] as string);
      case 'blobs.list':
        return blobs.list(args[0] as string, args[1] as { startAfter?: string; limit?: number } | undefined);
      case 'secrets.get':
        return secrets.get(args[0] as string);
      default:
        return Promise.reject(new Error(`unknown call ${method}`));
    }
  }
}
