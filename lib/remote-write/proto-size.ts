import type { Histogram, MetricMetadata, Sample } from '../model/types.ts';
import { METRIC_TYPES } from './metric-type.ts';

/**
 * Protobuf sizes of the remote_write messages' parts (1.0 and 2.0 share them): what the encoders reserve
 * before they write, so each message is written into one buffer of its exact size.
 */
export const SAMPLE_MAX = 1 + 8 + 1 + 10;

/** Body size of a Sample without its start timestamp (the float path: see TimeSeries.withStartTimestamps). */
export function sampleSize(s: Sample): number {
  let n = 0;
  if (s.stale || !isPositiveZero(s.value)) n += 9;
  if (s.timestamp !== 0) n += 1 + int64Size(s.timestamp);
  return n;
}

/** Body size of a Sample of a series `withStartTimestamps`. */
export function sampleSizeWithStart(s: Sample): number {
  const n = sampleSize(s);
  return s.startTimestamp ? n + 1 + int64Size(s.startTimestamp) : n;
}

/** Strings up to this many characters are measured and written in JavaScript when ASCII (encode.ts label paths). */
export const SHORT_STRING = 64;

/** UTF-8 length of `s`: a JavaScript scan for short ASCII strings, Buffer.byteLength otherwise. */
export function utf8Length(s: string): number {
  const n = s.length;
  if (n > SHORT_STRING) return Buffer.byteLength(s, 'utf8');
  for (let k = 0; k < n; k++) if (s.charCodeAt(k) >= 0x80) return Buffer.byteLength(s, 'utf8');
  return n;
}

export function isPositiveZero(v: number): boolean {
  return v === 0 && 1 / v > 0;
}

export function metadataSize(m: MetricMetadata): number {
  let n = 0;
  const t = METRIC_TYPES.indexOf(m.type);
  if (t > 0) n += 1 + varintSize(t);
  if (m.metricFamilyName) n += strField(m.metricFamilyName);
  if (m.help) n += strField(m.help);
  if (m.unit) n += strField(m.unit);
  return n;
}

function strField(s: string): number {
  const len = Buffer.byteLength(s, 'utf8');
  return 1 + varintSize(len) + len;
}

export function varintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  let size = 4;
  let v = Math.floor(n / 0x10000000);
  while (v > 0) {
    size++;
    v = Math.floor(v / 128);
  }
  return size;
}

export function int64Size(n: number): number {
  return n < 0 ? 10 : varintSize(n);
}

export function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

export function zigzag32(n: number): number {
  return ((n << 1) ^ (n >> 31)) >>> 0;
}

function uint64Size(n: number): number {
  return varintSize(n);
}

export function spanSize(offset: number, length: number): number {
  let n = 0;
  if (offset !== 0) n += 1 + varintSize(zigzag32(offset));
  if (length !== 0) n += 1 + varintSize(length);
  return n;
}

function spansSize(spans: Histogram['positiveSpans']): number {
  let n = 0;
  for (const sp of spans) {
    const b = spanSize(sp.offset, sp.length);
    n += 1 + varintSize(b) + b;
  }
  return n;
}

export function sint64sBytes(v: readonly number[]): number {
  let n = 0;
  for (const x of v) n += varintSize(zigzag(x));
  return n;
}

/** Body size of a Histogram message (the same in 1.0 and 2.0). */
export function histogramSize(h: Histogram): number {
  let n = 0;
  n += h.float ? 9 : 1 + uint64Size(h.count);
  if (h.stale || !isPositiveZero(h.sum)) n += 9;
  if (h.schema !== 0) n += 1 + varintSize(zigzag32(h.schema));
  if (!isPositiveZero(h.zeroThreshold)) n += 9;
  n += h.float ? 9 : 1 + uint64Size(h.zeroCount);
  n += spansSize(h.negativeSpans);
  if (h.negativeBuckets.length) {
    const b = h.float ? 8 * h.negativeBuckets.length : sint64sBytes(h.negativeBuckets);
    n += 1 + varintSize(b) + b;
  }
  n += spansSize(h.positiveSpans);
  if (h.positiveBuckets.length) {
    const b = h.float ? 8 * h.positiveBuckets.length : sint64sBytes(h.positiveBuckets);
    n += 1 + varintSize(b) + b;
  }
  if (h.resetHint !== 0) n += 2;
  if (h.timestamp !== 0) n += 1 + int64Size(h.timestamp);
  if (h.customValues.length) {
    const b = 8 * h.customValues.length;
    n += 2 + varintSize(b) + b;
  }
  if (h.startTimestamp) n += 2 + int64Size(h.startTimestamp);
  return n;
}
