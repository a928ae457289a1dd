import { CUSTOM_BUCKETS_SCHEMA, type BucketSpan, type Histogram } from '../../model/types.ts';

/**
 * Adds native histograms as Prometheus does (model/histogram FloatHistogram.Add): the result has the smaller
 * schema of the two (buckets of the finer one merged: index i at schema s lands in ((i - 1) >> (s - t)) + 1
 * at schema t), the larger zero threshold (buckets at or below it, and one straddling it, merged into the
 * zero bucket, the threshold widened to the straddling bucket's upper bound), and summed count, sum and zero
 * count. Histograms with custom buckets (schema -53) add only to ones with the same bounds. The result is a
 * float histogram with absolute counts.
 */
export class IncompatibleHistogramsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IncompatibleHistogramsError';
  }
}

export function addHistograms(a: Histogram, b: Histogram, timestamp: number): Histogram {
  const customA = a.schema === CUSTOM_BUCKETS_SCHEMA;
  const customB = b.schema === CUSTOM_BUCKETS_SCHEMA;
  if (customA || customB) {
    if (!(customA && customB) || a.customValues.length !== b.customValues.length || a.customValues.some((v, i) => v !== b.customValues[i])) {
      throw new IncompatibleHistogramsError('histograms with different custom bucket bounds cannot be added');
    }
  }
  const schema = Math.min(a.schema, b.schema);
  const pa = reduce(expand(a.positiveSpans, a.positiveBuckets, a.float), a.schema, schema);
  const pb = reduce(expand(b.positiveSpans, b.positiveBuckets, b.float), b.schema, schema);
  const na = reduce(expand(a.negativeSpans, a.negativeBuckets, a.float), a.schema, schema);
  const nb = reduce(expand(b.negativeSpans, b.negativeBuckets, b.float), b.schema, schema);
  let zeroThreshold = Math.max(a.zeroThreshold, b.zeroThreshold);
  let zeroCount = a.zeroCount + b.zeroCount;
  const pos = sum(pa, pb);
  const neg = sum(na, nb);
  if (schema !== CUSTOM_BUCKETS_SCHEMA) {
    // Widen the zero bucket over every bucket that reaches into it, as Prometheus reconciles zero buckets.
    for (let changed = true; changed; ) {
      changed = false;
      for (const m of [pos, neg]) {
        for (const [i, c] of m) {
          if (lowerBound(i, schema) < zeroThreshold) {
            zeroThreshold = Math.max(zeroThreshold, upperBound(i, schema));
            zeroCount += c;
            m.delete(i);
            changed = true;
          }
        }
      }
    }
  }
  const [positiveSpans, positiveBuckets] = compact(pos);
  const [negativeSpans, negativeBuckets] = compact(neg);
  return {
    timestamp,
    float: true,
    count: a.count + b.count,
    sum: a.sum + b.sum,
    schema,
    zeroThreshold,
    zeroCount,
    positiveSpans,
    positiveBuckets,
    negativeSpans,
    negativeBuckets,
    resetHint: 2,
    customValues: schema === CUSTOM_BUCKETS_SCHEMA ? a.customValues.slice() : [],
  };
}

/** A copy with absolute counts, as a float histogram (the form the sums are kept in). */
export function toFloatHistogram(h: Histogram, timestamp: number): Histogram {
  const [positiveSpans, positiveBuckets] = compact(expand(h.positiveSpans, h.positiveBuckets, h.float));
  const [negativeSpans, negativeBuckets] = compact(expand(h.negativeSpans, h.negativeBuckets, h.float));
  return { ...h, timestamp, float: true, positiveSpans, positiveBuckets, negativeSpans, negativeBuckets, resetHint: 2, customValues: h.customValues.slice() };
}

/** Bucket index -> absolute count. Integer histograms carry deltas. */
export function expand(spans: readonly BucketSpan[], buckets: readonly number[], isFloat: boolean): Map<number, number> {
  const out = new Map<number, number>();
  let idx = 0;
  let k = 0;
  let running = 0;
  for (const s of spans) {
    idx += s.offset;
    for (let j = 0; j < s.length; j++, idx++, k++) {
      const v = buckets[k] ?? 0;
      running = isFloat ? v : running + v;
      if (running !== 0) out.set(idx, (out.get(idx) ?? 0) + running);
    }
  }
  return out;
}

function reduce(m: Map<number, number>, from: number, to: number): Map<number, number> {
  if (from === to) return m;
  const out = new Map<number, number>();
  const shift = from - to;
  for (const [i, c] of m) {
    const t = ((i - 1) >> shift) + 1;
    out.set(t, (out.get(t) ?? 0) + c);
  }
  return out;
}

function sum(a: Map<number, number>, b: Map<number, number>): Map<number, number> {
  const out = new Map(a);
  for (const [i, c] of b) out.set(i, (out.get(i) ?? 0) + c);
  return out;
}

/** Exponential bucket i of schema s covers (2^((i-1)·2^-s), 2^(i·2^-s)]. */
function upperBound(i: number, schema: number): number {
  return 2 ** (i * 2 ** -schema);
}
function lowerBound(i: number, schema: number): number {
  return 2 ** ((i - 1) * 2 ** -schema);
}

/** Sorted indices into spans (a new span at each gap) and absolute counts. */
function compact(m: Map<number, number>): [BucketSpan[], number[]] {
  const idx = [...m.keys()].sort((x, y) => x - y);
  const spans: BucketSpan[] = [];
  const counts: number[] = [];
  let prevEnd = 0;
  for (const i of idx) {
    const last = spans[spans.length - 1];
    if (last !== undefined && i === prevEnd) last.length++;
    else spans.push({ offset: spans.length === 0 ? i : i - prevEnd, length: 1 });
    prevEnd = i + 1;
    counts.push(m.get(i)!);
  }
  return [spans, counts];
}
