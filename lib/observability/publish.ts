import type { Label } from '../model/types.ts';
import type { Logger, MessageQueue } from '../ports/index.ts';
import { packSeries } from '../queue/envelope.ts';
import { selfMetricsSpoolKey } from '../queue/bucket-keys.ts';
import type { CounterValue } from './emf.ts';
import { SelfSeriesExporter } from './self-series.ts';

export interface SelfMetricsPublisherOptions {
  intervalMs: number;
  /** self_metrics.labels (job, ...), then global.external_labels where not already set. */
  labels: Record<string, string>;
  externalLabels: readonly Label[];
  functionName: string;
  instance: string;
  startedAt: number;
  maxMessageBytes: number;
  maxSamplesPerMessage: number;
  /** Ordered mode (queue.ordered): shard count, so self-metric messages get FIFO group ids like any other. */
  shards?: number;
}

/**
 * Enqueues a snapshot of the process's counters (gateway_* series) at most once per interval, through the
 * same queue pushed data takes, so every destination receives them with its own write_relabel_configs and
 * overflow/replay apply. Tenant "gateway", source "scrape" (it is the gateway scraping itself).
 * Never throws: a failed send is logged and the next interval sends the (cumulative) values again.
 */
export class SelfMetricsPublisher {
  private readonly exporter: SelfSeriesExporter;
  private readonly opts: SelfMetricsPublisherOptions;

  constructor(opts: SelfMetricsPublisherOptions) {
    this.opts = opts;
    const labels: Record<string, string> = { ...opts.labels };
    for (const l of opts.externalLabels) labels[l.name] ??= l.value;
    labels.function = opts.functionName;
    labels.instance = opts.instance;
    this.exporter = new SelfSeriesExporter({ intervalMs: opts.intervalMs, labels, startedAt: opts.startedAt });
  }

  due(now: number): boolean {
    return this.exporter.due(now);
  }

  /** Sends the snapshot when due (or when forced); returns how many series went out. */
  async publish(counters: () => readonly CounterValue[], queue: MessageQueue, now: number, logger: Logger, force = false): Promise<number> {
    if (!force && !this.exporter.due(now)) return 0;
    const series = this.exporter.collect(counters(), now);
    if (!series.length) return 0;
    const packed = packSeries(series, {
      maxMessageBytes: this.opts.maxMessageBytes,
      maxSamples: this.opts.maxSamplesPerMessage,
      ...(this.opts.shards ? { shards: this.opts.shards } : {}),
      tenant: 'gateway',
      source: 'scrape',
      newSpoolKey: () => selfMetricsSpoolKey(this.opts.instance, now),
    });
    try {
      if (packed.spills.length) throw new Error('a self-metrics series does not fit in one queue message');
      await queue.send(packed.messages);
      return series.length;
    } catch (err) {
      logger.warn('cannot enqueue self-metrics; the next snapshot carries the cumulative values', { error: String(err) });
      return 0;
    }
  }
}

/**
 * A stable, short id for this Lambda container: the hex tail of its log stream name
 * (`2026/11/21/[$LATEST]0f1e2d...`), so a series can be matched to the container's logs; else `fallback`.
 */
export function containerInstanceId(logStreamName: string | undefined, fallback: string): string {
  const m = /\]([0-9a-f]{8,})$/.exec(logStreamName ?? '');
  return m ? m[1]!.slice(0, 16) : fallback;
}
