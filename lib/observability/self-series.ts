import type { Label, TimeSeries } from '../model/types.ts';
import { sortLabels } from '../model/labels.ts';
import type { CounterValue } from './emf.ts';

export interface SelfSeriesOptions {
  /** At most one snapshot per interval. */
  intervalMs: number;
  /**
   * Labels on every series: job (config), external labels, `function` (ingest, deliver, replay, local) and
   * `instance` (one Lambda container or one local process). Counter labels win over none of these: a
   * counter label with the same name is dropped.
   */
  labels: Record<string, string>;
  /** When this process started counting (ms epoch): the time its counters were all zero. */
  startedAt: number;
}

/**
 * The gateway's counters as gateway_* remote_write series. Counters are cumulative per process (a Lambda
 * container, or the local runner) and each process has its own `instance` label, so series never collide
 * and `sum by (destination) (rate(gateway_delivery_sent_samples_total[5m]))` is right across containers.
 * The first time a counter is exported, a 0 sample at the previous export time (or the process start) goes
 * with its value, so increase()/rate() count its first increments too, not only later ones. What a
 * container counts after its last export is lost when it is recycled (the EMF metrics have it exactly).
 */
export class SelfSeriesExporter {
  private readonly opts: SelfSeriesOptions;
  private readonly exported = new Set<string>();
  private lastExport: number | undefined;

  constructor(opts: SelfSeriesOptions) {
    this.opts = opts;
  }

  /** True when the interval has passed since the last export (or the process start). */
  due(now: number): boolean {
    return now - (this.lastExport ?? this.opts.startedAt) >= this.opts.intervalMs;
  }

  /** The snapshot as series (empty when nothing was ever counted); marks the export done at `now`. */
  collect(counters: readonly CounterValue[], now: number): TimeSeries[] {
    const zeroAt = Math.min(now - 1, this.lastExport ?? this.opts.startedAt);
    this.lastExport = now;
    const out: TimeSeries[] = [];
    for (const c of counters) {
      const labels: Label[] = [{ name: '__name__', value: c.name }];
      for (const [name, value] of Object.entries(this.opts.labels)) labels.push({ name, value });
      for (const [name, value] of Object.entries(c.labels)) if (!(name in this.opts.labels) && name !== '__name__') labels.push({ name, value });
      const sorted = sortLabels(labels);
      const id = JSON.stringify(sorted);
      const samples = this.exported.has(id) ? [{ value: c.value, timestamp: now }] : [{ value: 0, timestamp: zeroAt }, { value: c.value, timestamp: now }];
      this.exported.add(id);
      out.push({ labels: sorted, samples });
    }
    return out;
  }
}
