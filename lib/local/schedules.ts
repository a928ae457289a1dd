import type { CounterRegistry } from '../adapters/system.ts';
import type { GatewayConfig } from '../config/schema.ts';
import { destinationFor } from '../delivery/deliver.ts';
import { replayOverflow, type DestinationReplay } from '../delivery/replay.ts';
import type { DestinationHealthRegistry } from '../delivery/destination-health.ts';
import { SelfMetricsPublisher } from '../observability/publish.ts';
import type { BlobStore, Clock, HttpClient, Logger, MessageQueue } from '../ports/index.ts';
import type { FlushResult } from '../aggregation/durable/flush.ts';

export interface LocalSchedulesOptions {
  config: GatewayConfig;
  queue: MessageQueue;
  blobs: BlobStore;
  http: HttpClient;
  clock: Clock;
  logger: Logger;
  metrics: CounterRegistry;
  /** The self-metrics `instance` label (host:port of the runner). */
  instance: string;
  /** Default config.replay.interval. */
  replayIntervalMs?: number;
  /**
   * Delivery's destination health, shared in one process: replay finding a receiver back ends the outage
   * (logged, gauge reset) for deliver too, and deliver's knowledge of an outage paces replay's probes.
   */
  health?: DestinationHealthRegistry;
  /** Durable stream aggregation: the flush (lib/aggregation/durable/flush.ts, closing intervals due by now minus its grace) and how often it runs. */
  aggregation?: { flush: () => Promise<FlushResult>; intervalMs: number };
  /** The runner is stopping (lib/delivery/stopping.ts): a replay run in progress ends without more attempts. */
  stopping?: AbortSignal;
}

export interface LocalSchedules {
  /** Runs one replay now (after any run in progress), with up to timeoutMs for it. */
  replayNow(timeoutMs?: number): Promise<DestinationReplay[]>;
  /** Enqueues a self-metrics snapshot now. */
  publishSelfMetrics(): Promise<number>;
  /** Runs one aggregation flush now (after any run in progress); undefined without stream_aggregation. */
  flushAggregationNow(): Promise<FlushResult | undefined>;
  /** Stops the timers and waits for the runs in progress: replay, self-metrics snapshot, aggregation flush. */
  stop(): Promise<void>;
}

/**
 * What EventBridge schedules in AWS, as timers in the local runner: replay every replay.interval (each run
 * gets one interval of time, so the next one resumes where it stopped; runs never overlap), and a
 * self-metrics snapshot (function="local") every self_metrics.interval.
 */
export function startLocalSchedules(o: LocalSchedulesOptions): LocalSchedules {
  const deps = { destinations: o.config.remoteWrite.map((c) => destinationFor(c)), http: o.http, blobs: o.blobs, clock: o.clock, logger: o.logger, metrics: o.metrics, random: Math.random, ...(o.health ? { health: o.health } : {}), ...(o.stopping ? { stopping: o.stopping } : {}) };
  const interval = o.replayIntervalMs ?? o.config.replay.intervalMs;
  let chain: Promise<unknown> = Promise.resolve();
  const runReplay = (timeoutMs: number): Promise<DestinationReplay[]> => {
    const run = chain.then(() => replayOverflow(deps, { ...o.config.replay, deadline: o.clock.now() + timeoutMs }));
    chain = run.catch((err) => o.logger.error('replay run failed', { error: String(err) }));
    return run;
  };
  const sm = o.config.selfMetrics;
  const publisher = new SelfMetricsPublisher({
    intervalMs: sm.intervalMs,
    labels: sm.labels,
    externalLabels: o.config.externalLabels,
    functionName: 'local',
    instance: o.instance,
    startedAt: o.clock.now(),
    maxMessageBytes: o.queue.maxMessageBytes,
    maxSamplesPerMessage: o.config.queue.maxSamplesPerMessage,
    ...(o.config.queue.ordered ? { shards: o.config.queue.shards } : {}),
  });
  // Snapshots in progress, so stop() waits for their queue writes.
  const publishing = new Set<Promise<unknown>>();
  const publish = (): Promise<number> => {
    const run = publisher.publish(() => o.metrics.snapshot(), o.queue, o.clock.now(), o.logger, true);
    const tracked = run.catch(() => undefined).finally(() => publishing.delete(tracked));
    publishing.add(tracked);
    return run;
  };
  const timers = [setInterval(() => void runReplay(interval).catch(() => undefined), interval)];
  if (sm.enabled) timers.push(setInterval(() => void publish(), sm.intervalMs));
  // The aggregation flush, as its EventBridge schedule: runs never overlap; a failed shard is flushed next time.
  let flushChain: Promise<unknown> = Promise.resolve();
  const agg = o.aggregation;
  const runFlush = (): Promise<FlushResult | undefined> => {
    if (!agg) return Promise.resolve(undefined);
    const run = flushChain.then(() => agg.flush());
    flushChain = run.then(
      (r) => r.failedShards.length && o.logger.warn('aggregation flush left shards for the next run', { shards: r.failedShards.slice(0, 5) }),
      (err) => o.logger.error('aggregation flush failed', { error: String(err) }),
    );
    return run;
  };
  if (agg) timers.push(setInterval(() => void runFlush().catch(() => undefined), agg.intervalMs));
  for (const t of timers) t.unref();
  return {
    replayNow: (timeoutMs = 60_000) => runReplay(timeoutMs),
    publishSelfMetrics: publish,
    flushAggregationNow: runFlush,
    async stop() {
      for (const t of timers) clearInterval(t);
      await chain;
      await flushChain;
      await Promise.all(publishing);
    },
  };
}
