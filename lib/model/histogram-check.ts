import { CUSTOM_BUCKETS_SCHEMA, type BucketSpan, type Histogram } from './types.ts';

/**
 * Why a native histogram would be refused by Prometheus (model/histogram Validate: the rules its receiver
 * answers 400 for), or undefined when it is valid. Checked at ingest so that one bad histogram is reported
 * to its sender instead of making a receiver refuse a whole request later (which would land every series of
 * that request under rejected/). Exponential schemas -9..52 are accepted (Prometheus reduces 9..52 to 8).
 */
export function histogramProblem(h: Histogram): string | undefined {
  let buckets = 0;
  if (h.schema === CUSTOM_BUCKETS_SCHEMA) {
    let prev = -Infinity;
    for (let i = 0; i < h.customValues.length; i++) {
      const v = h.customValues[i]!;
      if (Number.isNaN(v)) return 'custom bounds must not be NaN';
      if (i > 0 && v <= prev) return 'custom bounds must be in strictly increasing order';
      prev = v;
    }
    if (prev === Infinity) return 'the last +Inf bound must not be explicitly defined';
    let total = 0;
    for (let i = 0; i < h.positiveSpans.length; i++) {
      const s = h.positiveSpans[i]!;
      if (s.offset < 0) return `span ${i + 1} has a negative offset ${s.offset}`;
      total += s.offset + s.length;
    }
    const p = spansProblem(h.positiveSpans, h.positiveBuckets.length, 'positive', true);
    if (p) return p;
    if (h.customValues.length + 1 < total) return `only ${h.customValues.length} custom bounds for a span length of ${total}`;
    if (h.zeroCount !== 0) return 'custom buckets must have a zero count of 0';
    if (h.zeroThreshold !== 0) return 'custom buckets must have a zero threshold of 0';
    if (h.negativeSpans.length || h.negativeBuckets.length) return 'custom buckets must not have negative buckets';
  } else if (Number.isInteger(h.schema) && h.schema >= -9 && h.schema <= 52) {
    const p = spansProblem(h.positiveSpans, h.positiveBuckets.length, 'positive', false) ?? spansProblem(h.negativeSpans, h.negativeBuckets.length, 'negative', false);
    if (p) return p;
    if (h.customValues.length) return 'a histogram with an exponential schema must not have custom bounds';
    const n = bucketsTotal(h.negativeBuckets, h.float);
    if (typeof n === 'string') return `negative side: ${n}`;
    buckets += n;
  } else {
    return `invalid schema ${h.schema} (-4..8 exponential, or -53 custom buckets)`;
  }
  const p = bucketsTotal(h.positiveBuckets, h.float);
  if (typeof p === 'string') return `positive side: ${p}`;
  buckets += p;
  if (h.float) {
    if (h.count < 0) return `observation count is ${h.count}`;
    if (h.zeroCount < 0) return `zero bucket has an observation count of ${h.zeroCount}`;
    return undefined;
  }
  const total = buckets + h.zeroCount;
  if (Number.isNaN(h.sum) || h.stale) {
    if (total > h.count) return `${total} observations in buckets, but the count is ${h.count}`;
  } else if (total !== h.count) {
    return `${total} observations in buckets, but the count is ${h.count}`;
  }
  return undefined;
}

function spansProblem(spans: readonly BucketSpan[], n: number, side: string, custom: boolean): string | undefined {
  let need = 0;
  for (let i = 0; i < spans.length; i++) {
    if (!custom && i > 0 && spans[i]!.offset < 0) return `${side} side: span ${i + 1} has a negative offset ${spans[i]!.offset}`;
    need += spans[i]!.length;
  }
  return need === n ? undefined : `${side} side: spans need ${need} buckets, have ${n}`;
}

function bucketsTotal(b: readonly number[], float: boolean): number | string {
  let last = 0;
  let sum = 0;
  for (let i = 0; i < b.length; i++) {
    const c = float ? b[i]! : last + b[i]!;
    if (c < 0) return `bucket ${i + 1} has an observation count of ${c}`;
    last = c;
    sum += c;
  }
  return sum;
}
