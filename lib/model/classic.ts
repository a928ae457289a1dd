import { METRIC_NAME_LABEL, sortLabels } from './labels.ts';
import { CUSTOM_BUCKETS_SCHEMA, type Exemplar, type Histogram, type Label, type Sample, type TimeSeries } from './types.ts';

/**
 * Native histograms as classic histogram series, for receivers that cannot store native histograms
 * (VictoriaMetrics before 1.93, older Mimir and Cortex). A histogram sample of series `foo{...}` becomes,
 * at its timestamp:
 *   foo_bucket{...,le="<bound>"}  the count of observations <= bound, for every bucket bound the histogram's
 *                                 spans cover (empty buckets inside a span included), in increasing order;
 *   foo_bucket{...,le="+Inf"}     the total count;
 *   foo_count{...}, foo_sum{...}.
 * Bounds (native bucket i of an exponential schema s covers (2^((i-1)/2^s), 2^(i/2^s)] on the positive
 * side, mirrored on the negative side):
 *   - negative bucket i contributes the bound -2^((i-1)/2^s); the zero bucket [-z, z] the bound z (the zero
 *     threshold), emitted when the histogram has negative buckets, a zero count or a non-zero threshold;
 *   - positive bucket i the bound 2^(i/2^s);
 *   - schema -53 (custom buckets): bucket i the bound customValues[i] (the last index is +Inf).
 * So every cumulative count is exact at the bounds it emits; what is lost is resolution (no bounds between
 * the native ones) and, for negative buckets, the exclusive/inclusive nuance of the bound (a native negative
 * bucket's upper end is exclusive, `le` is inclusive). Bounds are formatted as Go's strconv 'g' shortest
 * form, as client libraries write `le`. A gauge histogram keeps the `_count`/`_sum` names. A staleness
 * marker becomes staleness markers on `_count`, `_sum` and the `+Inf` bucket. Exemplars go to the bucket
 * of the smallest emitted bound at or above their value. An `le` label on the native series is replaced.
 * Several histogram samples of one series share the `_bucket` series of equal bounds, in timestamp order.
 */
export function nativeToClassic(labels: readonly Label[], histograms: readonly Histogram[], exemplars: readonly Exemplar[] = []): TimeSeries[] {
  const name = labels.find((l) => l.name === METRIC_NAME_LABEL)?.value ?? '';
  const rest = labels.filter((l) => l.name !== METRIC_NAME_LABEL && l.name !== 'le');
  const buckets = new Map<string, { bound: number; samples: Sample[]; exemplars: Exemplar[] }>();
  const count: Sample[] = [];
  const sum: Sample[] = [];
  for (const h of histograms) {
    const ts = h.timestamp;
    if (h.stale) {
      count.push({ value: NaN, timestamp: ts, stale: true });
      sum.push({ value: NaN, timestamp: ts, stale: true });
      bucketOf(buckets, Infinity).samples.push({ value: NaN, timestamp: ts, stale: true });
      continue;
    }
    for (const [bound, cum] of cumulativeBuckets(h)) bucketOf(buckets, bound).samples.push({ value: cum, timestamp: ts });
    bucketOf(buckets, Infinity).samples.push({ value: h.count, timestamp: ts });
    count.push({ value: h.count, timestamp: ts });
    sum.push({ value: h.sum, timestamp: ts });
  }
  const bounds = [...buckets.values()].sort((a, b) => a.bound - b.bound);
  for (const e of exemplars) {
    const b = bounds.find((x) => e.value <= x.bound) ?? bounds[bounds.length - 1];
    b?.exemplars.push(e);
  }
  const out: TimeSeries[] = [];
  for (const b of bounds) {
    const s: TimeSeries = { labels: sortLabels([{ name: METRIC_NAME_LABEL, value: `${name}_bucket` }, ...rest, { name: 'le', value: formatBound(b.bound) }]), samples: b.samples };
    if (b.exemplars.length) s.exemplars = b.exemplars;
    out.push(s);
  }
  out.push({ labels: sortLabels([{ name: METRIC_NAME_LABEL, value: `${name}_count` }, ...rest]), samples: count });
  out.push({ labels: sortLabels([{ name: METRIC_NAME_LABEL, value: `${name}_sum` }, ...rest]), samples: sum });
  return out;
}

function bucketOf(m: Map<string, { bound: number; samples: Sample[]; exemplars: Exemplar[] }>, bound: number): { bound: number; samples: Sample[]; exemplars: Exemplar[] } {
  const key = formatBound(bound);
  let b = m.get(key);
  if (!b) m.set(key, (b = { bound, samples: [], exemplars: [] }));
  return b;
}

/** Absolute bucket counts with their native indexes, in span order (deltas resolved for integer histograms). */
export function bucketCounts(spans: Histogram['positiveSpans'], buckets: readonly number[], float: boolean): { index: number; count: number }[] {
  const out: { index: number; count: number }[] = [];
  let idx = 0;
  let k = 0;
  let running = 0;
  for (let s = 0; s < spans.length; s++) {
    idx += spans[s]!.offset;
    for (let j = 0; j < spans[s]!.length; j++) {
      const v = buckets[k++] ?? 0;
      running = float ? v : running + v;
      out.push({ index: idx, count: running });
      idx++;
    }
  }
  return out;
}

/** Upper bound of native bucket `index` under `schema` (positive side). */
export function bucketUpperBound(schema: number, index: number, customValues: readonly number[]): number {
  if (schema === CUSTOM_BUCKETS_SCHEMA) return index >= customValues.length ? Infinity : customValues[index]!;
  // 2^(index / 2^schema), computed as Prometheus does for exactness at powers of two.
  return Math.pow(2, index * Math.pow(2, -schema));
}

/** [bound, cumulative count] pairs, bounds ascending, as described on nativeToClassic. */
export function cumulativeBuckets(h: Histogram): [number, number][] {
  const out: [number, number][] = [];
  let cum = 0;
  if (h.schema !== CUSTOM_BUCKETS_SCHEMA) {
    const neg = bucketCounts(h.negativeSpans, h.negativeBuckets, h.float);
    // Most negative first: the highest index has the lowest bound.
    for (let i = neg.length - 1; i >= 0; i--) {
      cum += neg[i]!.count;
      out.push([-bucketUpperBound(h.schema, neg[i]!.index - 1, h.customValues), cum]);
    }
    if (neg.length || h.zeroCount || h.zeroThreshold) {
      cum += h.zeroCount;
      out.push([h.zeroThreshold, cum]);
    }
  }
  for (const b of bucketCounts(h.positiveSpans, h.positiveBuckets, h.float)) {
    cum += b.count;
    const bound = bucketUpperBound(h.schema, b.index, h.customValues);
    if (bound === Infinity) continue; // the +Inf bucket is the total count
    if (out.length && out[out.length - 1]![0] >= bound) {
      // A positive bucket at or below the zero threshold (can only happen with unusual thresholds): merge.
      out[out.length - 1]![1] = cum;
      continue;
    }
    out.push([bound, cum]);
  }
  return out;
}

/**
 * A bound as Go's strconv.FormatFloat(f, 'g', -1, 64) writes it (the `le` values of client libraries):
 * shortest digits (JavaScript and Go agree on them), exponent form when the decimal exponent is < -4 or
 * >= 6 (Go's rule for the shortest 'g'), e.g. 1e+06, 1.5e-05, 100000, 0.0001.
 */
export function formatBound(f: number): string {
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (Number.isNaN(f)) return 'NaN';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mant, ex] = f.toExponential().split('e') as [string, string];
  const e = Number(ex);
  if (e >= -4 && e < 6) return String(f);
  const a = Math.abs(e);
  return `${mant}e${e < 0 ? '-' : '+'}${a < 10 ? '0' + a : a}`;
}
