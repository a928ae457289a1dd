import type { Histogram, Label, MetricType, TimeSeries } from '../../model/types.ts';
import { getLabel, labelsKey, METRIC_NAME_LABEL } from '../../model/labels.ts';
import { addHistograms, IncompatibleHistogramsError, toFloatHistogram } from './native-sum.ts';

/**
 * Counters from short-lived pushers (docs/short-lived-jobs.md): what many pushes of one Pushgateway group add
 * up to. Per group (the Pushgateway's grouping key: job and the other path labels) and series:
 *   - counters, and the `_bucket`/`_count`/`_sum` series of classic histograms and `_count`/`_sum` of
 *     summaries: each push is an increment, summed across pushes;
 *   - native histograms: summed (addHistograms: the smaller schema, the wider zero bucket);
 *   - gauges, untyped series and summary quantiles: the last value pushed.
 * A group not pushed for `ttlMs` is emitted one last time as staleness markers, then forgotten. Pure: the
 * caller passes its clock; snapshot()/restore() keep the state exact between invocations.
 */
export interface PushMergeOptions {
  ttlMs: number;
  /**
   * A group whose TTL ran out without an emit since its last push is emitted once more with its values and
   * gets its staleness markers at the next emit, so no push is forgotten unseen when emits are further apart
   * than the TTL (the durable section's flushes). Default false: it expires at once.
   */
  emitBeforeExpiry?: boolean;
}

type Kind = 'sum' | 'last';

interface Entry {
  labels: Label[];
  kind: Kind;
  value: number | undefined;
  histogram: Histogram | undefined;
}

interface Group {
  lastPush: number;
  /** Emitted since its last push. */
  emitted: boolean;
  series: Map<string, Entry>;
}

export interface PushResult {
  /** Native histograms that could not be added (different custom bounds): the newer one replaced the sum. */
  replacedHistograms: number;
}


export class PushMerge {
  private readonly ttlMs: number;
  private readonly emitBeforeExpiry: boolean;
  private groups = new Map<string, Group>();

  constructor(opts: PushMergeOptions) {
    if (!(opts.ttlMs > 0)) throw new RangeError('ttlMs must be positive');
    this.ttlMs = opts.ttlMs;
    this.emitBeforeExpiry = opts.emitBeforeExpiry ?? false;
  }

  hasGroup(groupKey: string): boolean {
    return this.groups.has(groupKey);
  }

  /** Forgets a group (the Pushgateway's DELETE): staleness markers at `now` for each of its series. */
  forget(groupKey: string, now: number): TimeSeries[] {
    const g = this.groups.get(groupKey);
    if (g === undefined) return [];
    this.groups.delete(groupKey);
    return [...g.series.values()].map((e) => staleOf(e, now));
  }

  get groupCount(): number {
    return this.groups.size;
  }

  /**
   * One push of a group: `types` by metric family name (from the exposition's TYPE lines; absent = untyped).
   * NaN values and staleness markers in the push are ignored.
   */
  push(groupKey: string, series: readonly TimeSeries[], types: ReadonlyMap<string, MetricType>, now: number): PushResult {
    const res: PushResult = { replacedHistograms: 0 };
    let g = this.groups.get(groupKey);
    if (g === undefined) this.groups.set(groupKey, (g = { lastPush: now, emitted: false, series: new Map() }));
    g.lastPush = now;
    g.emitted = false;
    for (const ts of series) {
      const key = labelsKey(ts.labels);
      const kind = kindOf(getLabel(ts.labels, METRIC_NAME_LABEL) ?? '', types);
      let e = g.series.get(key);
      if (e === undefined) g.series.set(key, (e = { labels: ts.labels.map((l) => ({ ...l })), kind, value: undefined, histogram: undefined }));
      for (const s of ts.samples) {
        if (s.stale || s.value !== s.value) continue;
        e.value = e.kind === 'sum' && e.value !== undefined ? e.value + s.value : s.value;
      }
      for (const h of ts.histograms ?? []) {
        if (h.stale) continue;
        if (e.histogram === undefined || kind === 'last' || h.resetHint === 3) e.histogram = toFloatHistogram(h, now);
        else {
          try {
            e.histogram = addHistograms(e.histogram, h, now);
          } catch (err) {
            if (!(err instanceof IncompatibleHistogramsError)) throw err;
            e.histogram = toFloatHistogram(h, now);
            res.replacedHistograms++;
          }
        }
      }
    }
    return res;
  }

  /**
   * Every live group's series at `now` (one sample or histogram each), and staleness markers for the series
   * of groups whose TTL ran out (those groups are then forgotten).
   */
  emit(now: number): TimeSeries[] {
    const out: TimeSeries[] = [];
    for (const [k, g] of this.groups) {
      const expired = now - g.lastPush > this.ttlMs && (g.emitted || !this.emitBeforeExpiry);
      g.emitted = true;
      for (const e of g.series.values()) {
        if (expired) {
          out.push(staleOf(e, now));
          continue;
        }
        const labels = e.labels.map((l) => ({ ...l }));
        if (e.histogram !== undefined) out.push({ labels, samples: [], histograms: [{ ...e.histogram, timestamp: now }] });
        else if (e.value !== undefined) out.push({ labels, samples: [{ value: e.value, timestamp: now }] });
      }
      if (expired) this.groups.delete(k);
    }
    return out;
  }

  /** The whole state as JSON-safe text (floats as their exact decimal form; NaN and infinities as strings). */
  snapshot(): string {
    return JSON.stringify(this.exportState());
  }

  restore(text: string): void {
    this.importState(JSON.parse(text));
  }

  /**
   * The state as a JSON-safe value (what snapshot() writes), for a caller that embeds it in its own JSON.
   * v2: per group [key, lastPush, emitted, entries], an entry [labels as name, value, name, value..., 's' (sum)
   * or 'l' (last), value, histogram or null].
   */
  exportState(): unknown {
    const groups = [...this.groups].map(([k, g]) => [k, g.lastPush, g.emitted, [...g.series.values()].map((e) => [e.labels.flatMap((l) => [l.name, l.value]), e.kind === 'sum' ? 's' : 'l', num(e.value), e.histogram === undefined ? null : { ...e.histogram, sum: num(e.histogram.sum) }])]);
    return { v: 2, groups };
  }

  /** Restores what exportState() gave (or a v1 snapshot's parsed JSON); throws on anything else. */
  importState(state: unknown): void {
    const parsed = state as { v: number; groups: unknown[][] };
    if (parsed?.v !== 1 && parsed?.v !== 2) throw new Error(`unknown push-merge snapshot version ${String(parsed?.v)}`);
    const next = new Map<string, Group>();
    for (const g of parsed.groups) {
      const series = new Map<string, Entry>();
      if (parsed.v === 1) {
        const [k, lastPush, entries, emitted] = g as [string, number, [Label[], Kind, number | string | null, SavedHistogram | null][], boolean?];
        for (const [labels, kind, value, h] of entries) series.set(labelsKey(labels), entryOf(labels, kind, value, h));
        // Snapshots written before `emitted` was kept: as emitted (what expiry assumed then).
        next.set(k, { lastPush, emitted: emitted ?? true, series });
        continue;
      }
      const [k, lastPush, emitted, entries] = g as [string, number, boolean, [string[], 's' | 'l', number | string | null, SavedHistogram | null][]];
      for (const [flat, kind, value, h] of entries) {
        const labels: Label[] = [];
        for (let i = 0; i < flat.length; i += 2) labels.push({ name: flat[i]!, value: flat[i + 1]! });
        series.set(labelsKey(labels), entryOf(labels, kind === 's' ? 'sum' : 'last', value, h));
      }
      next.set(k, { lastPush, emitted, series });
    }
    this.groups = next;
  }
}

type SavedHistogram = Histogram & { sum: number | string };

function entryOf(labels: Label[], kind: Kind, value: number | string | null, h: SavedHistogram | null): Entry {
  return { labels, kind, value: value === null ? undefined : unnum(value), histogram: h === null ? undefined : { ...h, sum: unnum(h.sum) } };
}

/** A staleness marker for an entry's series: a stale native histogram for a histogram, a stale sample otherwise. */
function staleOf(e: Entry, now: number): TimeSeries {
  const labels = e.labels.map((l) => ({ ...l }));
  if (e.histogram !== undefined) return { labels, samples: [], histograms: [{ ...e.histogram, timestamp: now, stale: true, sum: NaN }] };
  return { labels, samples: [{ value: NaN, timestamp: now, stale: true }] };
}

/** How a series adds up across pushes, from its family's type (suffixes as the exposition formats name them). */
export function kindOf(name: string, types: ReadonlyMap<string, MetricType>): Kind {
  const t = types.get(name);
  if (t !== undefined) return t === 'COUNTER' || t === 'HISTOGRAM' ? 'sum' : 'last';
  for (const suffix of ['_total', '_bucket', '_count', '_sum']) {
    if (!name.endsWith(suffix)) continue;
    const family = types.get(name.slice(0, -suffix.length));
    if (family === 'COUNTER' && suffix === '_total') return 'sum';
    if (family === 'HISTOGRAM' || family === 'GAUGEHISTOGRAM') return family === 'HISTOGRAM' ? 'sum' : 'last';
    if (family === 'SUMMARY' && (suffix === '_count' || suffix === '_sum')) return 'sum';
  }
  return 'last';
}

function num(v: number | undefined): number | string | null {
  if (v === undefined) return null;
  return Number.isFinite(v) ? v : String(v);
}

function unnum(v: number | string): number {
  return typeof v === 'number' ? v : Number(v);
}
