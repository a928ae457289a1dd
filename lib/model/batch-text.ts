import type { FloatBatch } from './batch.ts';
import { METRIC_NAME_LABEL } from './labels.ts';

/**
 * Writers of a FloatBatch straight from a request's text, for the parsers' one-pass paths (the Prometheus
 * text scanner's canonical lines, Influx lines in their common form: lib/ingest/influx/direct.ts). The
 * caller guarantees what each one states (ASCII, names strictly ascending, none empty or `__name__`, values
 * non-empty); the batch's facts (canonical, largest counts and lengths) are kept as FloatBatch.addLabelSet
 * would keep them for the same labels. No string or object is made per label or sample.
 */

/**
 * One series and its sample (the Prometheus text parser's canonical lines, see scanner.ts canonicalSet) whose
 * `n` Label entries the caller already wrote into the arena from `b.used` to `setEnd`, `__name__` going at
 * `split`, their longest name and value `maxName` and `maxValue` characters; the metric name is
 * s[nameStart, nameEnd) (ASCII).
 */
export function addWrittenTextSeries(b: FloatBatch, setEnd: number, split: number, n: number, maxName: number, maxValue: number, s: string, nameStart: number, nameEnd: number, value: number, timestamp: number): void {
  const id = openWrittenSet(b, setEnd, split, n, maxName, maxValue);
  b.used = setEnd;
  const i = b.length;
  if (i === b.entrySet.length) b.growEntries();
  b.entrySet[i] = id;
  b.nameStart[i] = setEnd;
  const nl = nameEnd - nameStart;
  if (nl > b.maxValueLength) b.maxValueLength = nl;
  if (METRIC_NAME_LABEL.length > b.maxNameLength) b.maxNameLength = METRIC_NAME_LABEL.length;
  if (nl > 115) b.writeTextLabel(METRIC_NAME_LABEL, 0, METRIC_NAME_LABEL.length, s, nameStart, nameEnd);
  else {
    b.reserve(nl + 13);
    const buf = b.buf;
    let p = setEnd;
    p = nameHeader(buf, p, nl);
    for (let k = nameStart; k < nameEnd; k++) buf[p++] = s.charCodeAt(k);
    b.used = p;
  }
  b.nameEnd[i] = b.used;
  b.values[i] = value;
  b.timestamps[i] = timestamp;
  b.length = i + 1;
}

/**
 * addWrittenTextSeries for a metric name read from bytes (the Prometheus text parser's byte lines,
 * lib/ingest/prometheus/byte-lines.ts): src[nameStart, nameEnd) ASCII and at most 115 bytes (a one-byte length).
 */
export function addWrittenSeries(b: FloatBatch, setEnd: number, split: number, n: number, maxName: number, maxValue: number, src: Uint8Array, nameStart: number, nameEnd: number, value: number, timestamp: number): void {
  const id = openWrittenSet(b, setEnd, split, n, maxName, maxValue);
  const i = b.length;
  if (i === b.entrySet.length) b.growEntries();
  b.entrySet[i] = id;
  b.nameStart[i] = setEnd;
  const nl = nameEnd - nameStart;
  if (nl > b.maxValueLength) b.maxValueLength = nl;
  if (METRIC_NAME_LABEL.length > b.maxNameLength) b.maxNameLength = METRIC_NAME_LABEL.length;
  b.reserveAt(setEnd, nl + 14);
  const buf = b.buf;
  let p = nameHeader(buf, setEnd, nl);
  for (let k = nameStart; k < nameEnd; k++) buf[p++] = src[k]!;
  b.used = p;
  b.nameEnd[i] = p;
  b.values[i] = value;
  b.timestamps[i] = timestamp;
  b.length = i + 1;
}

/** The start of a `__name__` Label entry whose value (to follow) has `vl` <= 115 bytes (a one-byte length): 0x0a, length, 0x0a, 8, "__name__", 0x12, vl. Returns the position after it. */
function nameHeader(buf: Buffer, p: number, vl: number): number {
  buf[p] = 0x0a;
  buf[p + 1] = vl + 12;
  buf[p + 2] = 0x0a;
  buf[p + 3] = 8;
  buf[p + 4] = 0x5f;
  buf[p + 5] = 0x5f;
  buf[p + 6] = 0x6e;
  buf[p + 7] = 0x61;
  buf[p + 8] = 0x6d;
  buf[p + 9] = 0x65;
  buf[p + 10] = 0x5f;
  buf[p + 11] = 0x5f;
  buf[p + 12] = 0x12;
  buf[p + 13] = vl;
  return p + 14;
}

/**
 * One sample of the series `set` whose `__name__` Label entry is already in the arena at [nameStart, nameEnd)
 * (written by an earlier joined sample of the same batch: Influx lines repeat their names).
 */
export function addNamedSample(b: FloatBatch, set: number, nameStart: number, nameEnd: number, value: number, timestamp: number): void {
  const i = b.length;
  if (i === b.entrySet.length) b.growEntries();
  b.entrySet[i] = set;
  b.nameStart[i] = nameStart;
  b.nameEnd[i] = nameEnd;
  b.values[i] = value;
  b.timestamps[i] = timestamp;
  b.length = i + 1;
}

/**
 * Takes the label set the caller wrote into the arena from `b.used` to `setEnd` as the batch's next set (the
 * one-pass writers of addWrittenTextSeries and addWrittenSeries); returns its id.
 */
function openWrittenSet(b: FloatBatch, setEnd: number, split: number, n: number, maxName: number, maxValue: number): number {
  const id = b.sets;
  if (id === b.setStart.length) b.growSets();
  b.setStart[id] = b.used;
  b.setSplit[id] = split;
  b.setEnd[id] = setEnd;
  b.setLabels[id] = n;
  if (n + 1 > b.maxLabels) b.maxLabels = n + 1;
  if (maxName > b.maxNameLength) b.maxNameLength = maxName;
  if (maxValue > b.maxValueLength) b.maxValueLength = maxValue;
  b.sets = id + 1;
  return id;
}
