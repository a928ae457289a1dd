import { labelsKey, METRIC_NAME_LABEL, normalizeLabels } from '../../model/labels.ts';
import type { Histogram, Label, Sample, TimeSeries } from '../../model/types.ts';

/** The labels a data point contributes to each of its series: sorted, no empty values, no `__name__`. */
export interface PointLabels {
  labels: Label[];
  /** labelsKey(labels): computed once per point, extended per sample. */
  key: string;
}

export function pointLabelsFrom(m: Map<string, string>): PointLabels {
  m.delete(METRIC_NAME_LABEL);
  const labels: Label[] = [];
  for (const [name, value] of m) labels.push({ name, value });
  normalizeLabels(labels);
  return { labels, key: labelsKey(labels) };
}

/**
 * Collects samples into series keyed by their label set, so points of one series in one request (several
 * collection intervals batched together) end up in one TimeSeries with samples in timestamp order.
 * Label arrays are built only when a series is first seen; `name` and `extra` Label objects may be shared.
 */
export class SeriesSet {
  private readonly byKey = new Map<number | string, TimeSeries>();
  // Small integer ids for point label sets and for the shared name/extra Label objects, so that a series key
  // is a number (no per-sample string building): point id * 2^32 + name id * 2^16 + extra id.
  private readonly pointIds = new Map<string, number>();
  private readonly labelIdsByObject = new Map<Label, number>();
  private readonly labelIdsByContent = new Map<string, number>();
  /** Series that received a sample older than their last one; sorted once, in series(). */
  private readonly unsorted = new Set<TimeSeries>();

  private pointId(point: PointLabels): number {
    let id = this.pointIds.get(point.key);
    if (id === undefined) {
      id = this.pointIds.size + 1;
      this.pointIds.set(point.key, id);
    }
    return id;
  }

  private labelId(l: Label | undefined): number {
    if (l === undefined) return 0;
    let id = this.labelIdsByObject.get(l);
    if (id === undefined) {
      // Equal labels from different objects (metrics whose names translate alike) must share an id.
      const content = l.name + '\u0000' + l.value;
      id = this.labelIdsByContent.get(content);
      if (id === undefined) {
        id = this.labelIdsByContent.size + 1;
        this.labelIdsByContent.set(content, id);
      }
      this.labelIdsByObject.set(l, id);
    }
    return id;
  }

  private get(point: PointLabels, name: Label, extra: Label | undefined): TimeSeries {
    // A point attribute with the extra label's name (`le`, `quantile`) is overridden, as in Prometheus: the
    // series is then keyed as the point without that label (rare, so rebuilt each time).
    if (extra !== undefined && point.labels.some((l) => l.name === extra.name)) {
      const rest = point.labels.filter((l) => l.name !== extra.name);
      point = { labels: rest, key: labelsKey(rest) };
    }
    const p = this.pointId(point);
    const n = this.labelId(name);
    const e = this.labelId(extra);
    // A string key only when an id outgrows its bits (over 2M point label sets or 65k names in a request).
    const key = p < 0x200000 && n < 0x10000 && e < 0x10000 ? p * 0x100000000 + n * 0x10000 + e : `${p},${n},${e}`;
    let ts = this.byKey.get(key);
    if (ts === undefined) {
      ts = { labels: build(point.labels, name, extra), samples: [] };
      this.byKey.set(key, ts);
    }
    return ts;
  }

  /**
   * Adds a float sample (a staleness marker when `stale`) and returns its series, for exemplars. `start` is
   * the start timestamp in ms, 0 for none; a series gets `withStartTimestamps` once a sample has one.
   */
  add(point: PointLabels, name: Label, extra: Label | undefined, value: number, timestamp: number, stale: boolean, start = 0): TimeSeries {
    const ts = this.get(point, name, extra);
    const samples = ts.samples;
    const last = samples[samples.length - 1];
    const s: Sample = stale ? { value: NaN, timestamp, stale: true } : { value, timestamp };
    if (start !== 0) {
      s.startTimestamp = start;
      ts.withStartTimestamps = true;
    }
    samples.push(s);
    if (last !== undefined && last.timestamp > timestamp) this.unsorted.add(ts);
    return ts;
  }

  /** Adds a native histogram sample to the series `name` of `point` and returns the series. */
  addHistogram(point: PointLabels, name: Label, h: Histogram): TimeSeries {
    const ts = this.get(point, name, undefined);
    const hs = (ts.histograms ??= []);
    const last = hs[hs.length - 1];
    hs.push(h);
    if (last !== undefined && last.timestamp > h.timestamp) this.unsorted.add(ts);
    return ts;
  }

  /** The series; samples and histograms of each in timestamp order (a stable sort keeps equal timestamps in request order). */
  series(): TimeSeries[] {
    for (const ts of this.unsorted) {
      ts.samples.sort((a, b) => a.timestamp - b.timestamp);
      ts.histograms?.sort((a, b) => a.timestamp - b.timestamp);
    }
    this.unsorted.clear();
    return [...this.byKey.values()];
  }
}

/** `base` (sorted, without `name`/`extra` names) with `name` and `extra` merged in at their sorted places. */
function build(base: readonly Label[], name: Label, extra: Label | undefined): Label[] {
  let a: Label | undefined = name;
  let b: Label | undefined = extra;
  if (b !== undefined && b.name < a.name) [a, b] = [b, a];
  const out: Label[] = [];
  for (const l of base) {
    while (a !== undefined && a.name < l.name) {
      out.push(a);
      a = b;
      b = undefined;
    }
    out.push(l);
  }
  if (a !== undefined) out.push(a);
  if (b !== undefined) out.push(b);
  return out;
}
