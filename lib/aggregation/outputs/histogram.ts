import type { BinReader, BinWriter } from '../binary.ts';
import type { Emit, OutputFamily, OutputState } from './types.ts';

/**
 * histogram_bucket: VictoriaMetrics' log-scale histogram (github.com/VictoriaMetrics/metrics Histogram):
 * 18 buckets per power of ten from 1e-9 to 1e18, `vmrange="<start>...<end>"` (start excluded, end included),
 * plus `0...1.000e-09` and `1.000e+18...+Inf`. Negative values are ignored. The counts are cumulative over the
 * group's life (vmagent merges each interval into a shared histogram) and every non-zero bucket is emitted at
 * every flush until the group goes stale.
 */
const E10_MIN = -9;
const E10_MAX = 18;
const BUCKETS_PER_DECIMAL = 18;
const BUCKETS_COUNT = (E10_MAX - E10_MIN) * BUCKETS_PER_DECIMAL;
const LOWER = -1;
const UPPER = BUCKETS_COUNT;

/** Go's fmt `%.3e`: a two-digit exponent with its sign. */
function goExp3(v: number): string {
  const [m, e] = v.toExponential(3).split('e') as [string, string];
  const n = Number(e);
  return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
}

let ranges: string[] | undefined;
/** The bucket names, built as the Go library builds them (same float steps; checked against vmagent's strings). */
function bucketRanges(): string[] {
  if (ranges) return ranges;
  const mult = Math.pow(10, 1 / BUCKETS_PER_DECIMAL);
  let v = Math.pow(10, E10_MIN);
  let start = goExp3(v);
  const out: string[] = [];
  for (let i = 0; i < BUCKETS_COUNT; i++) {
    v *= mult;
    const end = goExp3(v);
    out.push(`${start}...${end}`);
    start = end;
  }
  return (ranges = out);
}

export function vmrangeOf(idx: number): string {
  if (idx === LOWER) return `0...${goExp3(Math.pow(10, E10_MIN))}`;
  if (idx === UPPER) return `${goExp3(Math.pow(10, E10_MAX))}...+Inf`;
  return bucketRanges()[idx]!;
}

const INV_LN10 = 0.43429448190325182765112891891660508229439700580366656611445378316586464920887;

/**
 * Go's math.Log10 (Log(x) * (1/Ln10)) rather than Math.log10, which rounds differently for some values
 * (3, 0.1, 99.99): the bucket of a value right at a boundary must be the one vmagent picks.
 */
export function goLog10(x: number): number {
  return Math.log(x) * INV_LN10;
}

/** The bucket index of a value, LOWER/UPPER for the open ends, undefined for negative values and NaN. */
export function bucketIndex(v: number): number | undefined {
  if (!(v >= 0)) return undefined;
  const b = (goLog10(v) - E10_MIN) * BUCKETS_PER_DECIMAL;
  if (b < 0) return LOWER;
  if (b >= BUCKETS_COUNT) return UPPER;
  let idx = Math.trunc(b);
  // Powers of ten belong to the lower bucket (Prometheus `le` semantics).
  if (b === idx && idx > 0) idx--;
  return idx;
}

class HistogramBucket implements OutputState {
  /** bucket index -> count, cumulative. */
  counts = new Map<number, number>();
  push(v: number): void {
    const idx = bucketIndex(v);
    if (idx !== undefined) this.counts.set(idx, (this.counts.get(idx) ?? 0) + 1);
  }
  flush(emit: Emit): void {
    const idxs = [...this.counts.keys()].sort((a, b) => a - b);
    for (const i of idxs) emit('histogram_bucket', this.counts.get(i)!, 'vmrange', vmrangeOf(i));
  }
  write(w: BinWriter): void {
    w.uvarint(this.counts.size);
    for (const [i, c] of this.counts) {
      w.uvarint(i + 1);
      w.f64(c);
    }
  }
}

export const histogramBucketFamily: OutputFamily = {
  create: () => new HistogramBucket(),
  read: (r: BinReader) => {
    const s = new HistogramBucket();
    for (let n = r.uvarint(); n > 0; n--) {
      const i = r.uvarint() - 1;
      s.counts.set(i, r.f64());
    }
    return s;
  },
};
