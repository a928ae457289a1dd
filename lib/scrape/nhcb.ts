import { labelsKey, METRIC_NAME_LABEL } from '../model/labels.ts';
import { CUSTOM_BUCKETS_SCHEMA, type BucketSpan, type Exemplar, type Histogram, type Label, type TimeSeries } from '../model/types.ts';

interface Group {
  /** The native series `<family>{labels without le}` the group becomes. */
  labels: Label[];
  buckets: { bound: number; value: number; timestamp: number }[];
  count?: number;
  sum?: number;
  timestamp: number;
  exemplars: Exemplar[];
  members: TimeSeries[];
}

/**
 * convert_classic_histograms_to_nhcb: the classic series (`<f>_bucket{le}`, `<f>_count`, `<f>_sum`) of each
 * histogram family named in `families` become one native histogram with custom buckets (schema -53) on
 * `<f>{...}`, as Prometheus 3 converts them: finite `le` bounds ascending are the custom values, bucket counts
 * are the differences of the cumulative counts (the `+Inf` bucket, or `_count` when it is missing, closes
 * the last one), empty buckets are left out of the spans, counts are integers (deltas) when every
 * cumulative count is a whole number, else floats. Bucket exemplars move to the native series.
 * With `keepClassic` (always_scrape_classic_histograms) the classic series stay too; otherwise they are
 * replaced. Left as classic series: a group whose native series already holds a histogram (a native
 * histogram of the same name wins, as in Prometheus), a group without buckets, a group whose cumulative
 * counts decrease or hold NaN (Prometheus refuses the conversion too). Series keep their order otherwise;
 * the native series takes the place of the group's first member.
 */
export function convertClassicToNhcb(series: TimeSeries[], families: ReadonlySet<string>, keepClassic: boolean): TimeSeries[] {
  if (!families.size) return series;
  const groups = new Map<string, Group>();
  const nativeKeys = new Set<string>();
  for (const s of series) if (s.histograms?.length) nativeKeys.add(labelsKey(s.labels));
  const groupOf = new Map<TimeSeries, Group>();
  for (const s of series) {
    if (s.histograms?.length || s.samples.length !== 1) continue;
    const name = s.labels.find((l) => l.name === METRIC_NAME_LABEL)?.value ?? '';
    const suffix = name.endsWith('_bucket') ? '_bucket' : name.endsWith('_count') ? '_count' : name.endsWith('_sum') ? '_sum' : '';
    if (!suffix) continue;
    const family = name.slice(0, -suffix.length);
    if (!families.has(family)) continue;
    let le: string | undefined;
    const rest: Label[] = [];
    for (const l of s.labels) {
      if (l.name === METRIC_NAME_LABEL) rest.push({ name: METRIC_NAME_LABEL, value: family });
      else if (l.name === 'le' && suffix === '_bucket') le = l.value;
      else rest.push(l);
    }
    if (suffix === '_bucket' && le === undefined) continue;
    const key = labelsKey(rest);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { labels: rest, buckets: [], timestamp: s.samples[0]!.timestamp, exemplars: [], members: [] }));
    const smp = s.samples[0]!;
    if (suffix === '_bucket') {
      const bound = le === '+Inf' ? Infinity : Number(le);
      if (Number.isNaN(bound)) continue;
      g.buckets.push({ bound, value: smp.value, timestamp: smp.timestamp });
      if (s.exemplars) g.exemplars.push(...s.exemplars);
    } else if (suffix === '_count') {
      g.count = smp.value;
      g.timestamp = smp.timestamp;
    } else g.sum = smp.value;
    g.members.push(s);
    groupOf.set(s, g);
  }
  const converted = new Map<Group, TimeSeries>();
  for (const [key, g] of groups) {
    if (nativeKeys.has(key)) continue;
    const h = toHistogram(g);
    if (!h) continue;
    const native: TimeSeries = { labels: g.labels, samples: [], histograms: [h] };
    if (g.exemplars.length) native.exemplars = g.exemplars.sort((a, b) => a.timestamp - b.timestamp);
    converted.set(g, native);
  }
  if (!converted.size) return series;
  const out: TimeSeries[] = [];
  const placed = new Set<Group>();
  for (const s of series) {
    const g = groupOf.get(s);
    const native = g && converted.get(g);
    if (!native) {
      out.push(s);
      continue;
    }
    if (!placed.has(g)) {
      placed.add(g);
      out.push(native);
    }
    if (keepClassic) {
      // The exemplars travel with the native histogram only (Prometheus stores them once).
      if (s.exemplars) delete s.exemplars;
      out.push(s);
    }
  }
  return out;
}

function toHistogram(g: Group): Histogram | undefined {
  if (!g.buckets.length) return undefined;
  const buckets = [...g.buckets].sort((a, b) => a.bound - b.bound);
  const finite = buckets.filter((b) => b.bound !== Infinity);
  const inf = buckets.find((b) => b.bound === Infinity);
  const total = inf?.value ?? g.count;
  if (total === undefined) return undefined;
  const cumulative = [...finite.map((b) => b.value), total];
  let prev = 0;
  const counts: number[] = [];
  for (const c of cumulative) {
    if (Number.isNaN(c) || c < prev) return undefined;
    counts.push(c - prev);
    prev = c;
  }
  const float = !cumulative.every(Number.isInteger) || (g.count !== undefined && !Number.isInteger(g.count));
  const spans: BucketSpan[] = [];
  const values: number[] = [];
  let gap = 0;
  let last: BucketSpan | undefined;
  let lastCount = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c === 0) {
      gap++;
      continue;
    }
    if (last && gap === 0) last.length++;
    else spans.push((last = { offset: spans.length ? gap : i, length: 1 }));
    gap = 0;
    values.push(float ? c : c - lastCount);
    lastCount = c;
  }
  return {
    timestamp: g.timestamp,
    float,
    count: g.count ?? total,
    sum: g.sum ?? 0,
    schema: CUSTOM_BUCKETS_SCHEMA,
    zeroThreshold: 0,
    zeroCount: 0,
    negativeSpans: [],
    negativeBuckets: [],
    positiveSpans: spans,
    positiveBuckets: values,
    resetHint: 0,
    customValues: finite.map((b) => b.bound),
  };
}
