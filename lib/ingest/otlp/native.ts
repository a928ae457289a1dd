import type { BucketSpan, Exemplar, Histogram, Label, ResetHint } from '../../model/types.ts';
import type { ExponentialHistogramPoint, OtlpExemplar } from './model.ts';

/**
 * OTLP exponential histograms -> Prometheus native histograms, and OTLP exemplars -> Prometheus exemplars,
 * following Prometheus 3's OTLP receiver (storage/remote/otlptranslator/prometheusremotewrite: histograms.go
 * exponentialToNativeHistogram/convertBucketsLayout, helper.go getPromExemplars). Pure functions.
 */

/** Prometheus ignores OTLP's zero_threshold (its TODO cites opentelemetry-proto#441) and always writes this. */
export const OTLP_ZERO_THRESHOLD = 1e-128;
/** Native histogram exponential schemas Prometheus accepts from OTLP. */
export const MIN_SCALE = -4;
export const MAX_SCHEMA = 8;
/** Exemplar labels from filtered attributes are kept only while all exemplar labels stay within this many runes. */
export const MAX_EXEMPLAR_RUNES = 128;

export interface Layout {
  spans: BucketSpan[];
  /** Integer-histogram deltas: each bucket's count minus the previous one's (the first against 0). */
  deltas: number[];
}

/** Go's arithmetic `x >> n` on an int32: JavaScript masks the shift count to 5 bits, Go does not. */
function shr(x: number, n: number): number {
  return n > 31 ? (x < 0 ? -1 : 0) : x >> n;
}

/**
 * Dense OTLP buckets (`counts[i]` covers (base^(offset+i), base^(offset+i+1)]) -> native spans and deltas.
 * OTLP index k is native index k+1 (native bucket k covers (base^(k-1), base^k]); with `scaleDown` > 0,
 * 2^scaleDown OTLP buckets merge into one (index (k >> scaleDown) + 1, an arithmetic shift: floor for
 * negative k). Gaps of up to 2 empty buckets are written as zero buckets, longer ones start a new span
 * (client_golang's makeBuckets rule). Mirrors Prometheus step by step, including how it carries an empty
 * merged bucket forward: when downscaling, a run of empty merged buckets followed by a merged bucket of
 * several non-empty OTLP buckets is laid out as Prometheus lays it out (the total is always kept).
 */
export function convertBucketsLayout(counts: readonly number[], offset: number, scaleDown: number): Layout {
  const spans: BucketSpan[] = [];
  const deltas: number[] = [];
  const n = counts.length;
  if (n === 0) return { spans, deltas };
  let prev = 0;
  let pending = 0;
  const push = (c: number): void => {
    spans[spans.length - 1]!.length++;
    deltas.push(c - prev);
    prev = c;
  };
  const bridge = (gap: number): void => {
    if (gap > 2) spans.push({ offset: gap, length: 0 });
    else for (let j = 0; j < gap; j++) push(0);
  };
  let idx = shr(offset, scaleDown) + 1;
  spans.push({ offset: idx, length: 0 });
  for (let i = 0; i < n; i++) {
    const next = shr(offset + i, scaleDown) + 1;
    if (next === idx) {
      pending += counts[i]!;
      continue;
    }
    if (pending === 0) {
      pending = counts[i]!;
      continue;
    }
    bridge(next - idx - 1);
    push(pending);
    pending = counts[i]!;
    idx = next;
  }
  bridge(shr(offset + n - 1, scaleDown) + 1 - idx);
  push(pending);
  return { spans, deltas };
}

/**
 * One exponential histogram point as a native integer histogram, or the reason it cannot be one.
 * `scale` above 8 is reduced to 8 by merging buckets; below -4 is refused (Prometheus' message). The reset
 * hint is always "unknown" (Prometheus: setting "no" safely needs its own counter-reset detection); delta
 * temporality gets here only with otlp.delta_to_cumulative on, and is then converted in a durable shard
 * (lib/aggregation/delta/). FLAG_NO_RECORDED_VALUE makes a staleness marker.
 */
export function exponentialToNative(p: ExponentialHistogramPoint, timestamp: number, stale: boolean): Histogram | string {
  let scale = p.scale;
  if (scale < MIN_SCALE) return `cannot convert exponential to native histogram. Scale must be >= ${MIN_SCALE}, was ${scale}`;
  let scaleDown = 0;
  if (scale > MAX_SCHEMA) {
    scaleDown = scale - MAX_SCHEMA;
    scale = MAX_SCHEMA;
  }
  const pos = convertBucketsLayout(p.positive.bucketCounts, p.positive.offset, scaleDown);
  const neg = convertBucketsLayout(p.negative.bucketCounts, p.negative.offset, scaleDown);
  const h: Histogram = {
    timestamp,
    float: false,
    count: p.count,
    sum: p.sum ?? 0,
    schema: scale,
    zeroThreshold: OTLP_ZERO_THRESHOLD,
    zeroCount: p.zeroCount,
    negativeSpans: neg.spans,
    negativeBuckets: neg.deltas,
    positiveSpans: pos.spans,
    positiveBuckets: pos.deltas,
    resetHint: 0 as ResetHint,
    customValues: [],
  };
  if (stale) {
    h.stale = true;
    h.sum = NaN;
  }
  if (p.startTimestamp !== 0) h.startTimestamp = p.startTimestamp;
  return h;
}

function runes(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function byName(a: Label, b: Label): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * OTLP exemplars as Prometheus exemplars: labels `trace_id` and `span_id` (lowercase hex, when non-empty),
 * plus the filtered attributes (key verbatim, value as a string) unless they would take all labels past
 * 128 runes; labels sorted, empty values left out. Timestamp in ms (0: none). Returns the index of the first
 * exemplar without a value instead, which Prometheus refuses ("unsupported exemplar value type").
 */
export function convertExemplars(es: readonly OtlpExemplar[]): Exemplar[] | number {
  const out: Exemplar[] = new Array(es.length);
  for (let i = 0; i < es.length; i++) {
    const e = es[i]!;
    if (e.value === undefined) return i;
    const labels: Label[] = [];
    let size = 0;
    if (e.traceId !== '') {
      labels.push({ name: 'trace_id', value: e.traceId });
      size += 8 + e.traceId.length;
    }
    if (e.spanId !== '') {
      labels.push({ name: 'span_id', value: e.spanId });
      size += 7 + e.spanId.length;
    }
    for (const a of e.filteredAttributes) size += runes(a.key) + runes(a.value);
    if (size <= MAX_EXEMPLAR_RUNES) for (const a of e.filteredAttributes) labels.push({ name: a.key, value: a.value });
    const kept = labels.filter((l) => l.value !== '' && l.name !== '').sort(byName);
    out[i] = { labels: kept, value: e.value, timestamp: e.timestamp };
  }
  return out;
}
