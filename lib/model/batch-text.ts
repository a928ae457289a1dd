import type { FloatBatch } from './batch.ts';
import type { Label } from './types.ts';
import { METRIC_NAME_LABEL } from './labels.ts';
import { varintSize } from '../remote-write/proto-size.ts';

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
 * A label set from text: label k is name s[pos[4k], pos[4k+1]) and value s[pos[4k+2], pos[4k+3]). `extra`
 * (names strictly ascending, none empty or `__name__`, values non-empty) is merged in by name, and an extra
 * label whose name the text has is left out: the labels of a stable sort of the text's labels followed by the
 * extra ones it lacks. Returns the set's id for addJoinedSample.
 */
export function addTextSet(b: FloatBatch, s: string, pos: Int32Array, n: number, extra: readonly Label[] | undefined): number {
  const id = b.sets;
  if (id === b.setStart.length) b.growSets();
  b.setStart[id] = b.used;
  let split = -1;
  let count = 0;
  let x = 0;
  const nx = extra === undefined ? 0 : extra.length;
  for (let k = 0; k < n; k++) {
    const ns = pos[4 * k]!;
    const ne = pos[4 * k + 1]!;
    const vs = pos[4 * k + 2]!;
    const ve = pos[4 * k + 3]!;
    while (x < nx) {
      const e = extra![x]!;
      const cmp = compareText(s, ns, ne, e.name);
      if (cmp < 0) break;
      x++;
      if (cmp === 0) break;
      if (split < 0 && e.name >= METRIC_NAME_LABEL) split = b.used;
      writeExtra(b, e);
      count++;
    }
    if (split < 0 && compareText(s, ns, ne, METRIC_NAME_LABEL) >= 0) split = b.used;
    if (ne - ns > b.maxNameLength) b.maxNameLength = ne - ns;
    if (ve - vs > b.maxValueLength) b.maxValueLength = ve - vs;
    b.writeTextLabel(s, ns, ne, s, vs, ve);
    count++;
  }
  for (; x < nx; x++) {
    const e = extra![x]!;
    if (split < 0 && e.name >= METRIC_NAME_LABEL) split = b.used;
    writeExtra(b, e);
    count++;
  }
  b.setSplit[id] = split < 0 ? b.used : split;
  b.setEnd[id] = b.used;
  b.setLabels[id] = count;
  if (count + 1 > b.maxLabels) b.maxLabels = count + 1;
  b.sets = id + 1;
  return id;
}

function writeExtra(b: FloatBatch, e: Label): void {
  if (e.name.length > b.maxNameLength) b.maxNameLength = e.name.length;
  if (e.value.length > b.maxValueLength) b.maxValueLength = e.value.length;
  b.writeLabel(e.name, e.value, undefined);
}

/** One sample of the series `set` plus `__name__` = s[ms, me) + `_` + s[fs, fe) (ASCII: Influx's `<measurement>_<field>`). */
export function addJoinedSample(b: FloatBatch, set: number, s: string, ms: number, me: number, fs: number, fe: number, value: number, timestamp: number): void {
  const vl = me - ms + 1 + fe - fs;
  if (vl > b.maxValueLength) b.maxValueLength = vl;
  if (METRIC_NAME_LABEL.length > b.maxNameLength) b.maxNameLength = METRIC_NAME_LABEL.length;
  const start = b.used;
  let p: number;
  if (vl <= 115) {
    b.reserve(vl + 14);
    p = nameHeader(b.buf, start, vl);
  } else {
    const body = 2 + METRIC_NAME_LABEL.length + 1 + varintSize(vl) + vl;
    b.reserve(1 + varintSize(body) + body);
    const buf = b.buf;
    buf[b.used++] = 0x0a;
    b.varint(body);
    buf[b.used++] = 0x0a;
    buf[b.used++] = METRIC_NAME_LABEL.length;
    for (let k = 0; k < METRIC_NAME_LABEL.length; k++) buf[b.used++] = METRIC_NAME_LABEL.charCodeAt(k);
    buf[b.used++] = 0x12;
    b.varint(vl);
    p = b.used;
  }
  const buf = b.buf;
  for (let k = ms; k < me; k++) buf[p++] = s.charCodeAt(k);
  buf[p++] = 0x5f; // '_'
  for (let k = fs; k < fe; k++) buf[p++] = s.charCodeAt(k);
  b.used = p;
  addNamedSample(b, set, start, p, value, timestamp);
}

/**
 * One sample of the series `set` whose `__name__` Label entry is already in the arena at [nameStart, nameEnd)
 * (written by an earlier addJoinedSample of the same batch: Influx lines repeat their names).
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

/** s[start, end) compared with t by UTF-16 code units, as JavaScript's `<` compares: negative, 0 or positive. */
export function compareText(s: string, start: number, end: number, t: string): number {
  const n = Math.min(end - start, t.length);
  for (let k = 0; k < n; k++) {
    const d = s.charCodeAt(start + k) - t.charCodeAt(k);
    if (d !== 0) return d;
  }
  return end - start - t.length;
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
