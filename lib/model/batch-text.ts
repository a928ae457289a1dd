import type { FloatBatch } from './batch.ts';
import type { Label } from './types.ts';
import { METRIC_NAME_LABEL } from './labels.ts';
import { SAMPLE_MAX, writeSample } from '../remote-write/encode-batch.ts';
import { varintSize } from '../remote-write/proto-size.ts';

/**
 * Writers of a FloatBatch straight from a request's text, for the parsers' one-pass paths (the Prometheus
 * text parser's lines, Influx lines in their common form: lib/ingest/influx/direct.ts). The caller
 * guarantees what each one states (ASCII, names strictly ascending, none empty or `__name__`, values
 * non-empty); the batch's facts (canonical, largest counts and lengths) are kept as FloatBatch.addLabelSet
 * would keep them for the same labels. No string or object is made per label or sample.
 *
 * The Prometheus text writers write each line as one frame (FloatBatch.framed): the WriteRequest entry of its
 * series, `0x0a`, body length, the `__name__` Label entry, the set's Label entries, the sample, at the
 * arena's end. The body's length is known only once the line is written: the writer leaves room for the
 * header the last frame needed (frameHeaderRoom: lines of a body are alike) and moves the frame by a byte
 * or two when that was wrong. The set, the name and the sample are recorded as for any batch, so everything
 * that reads a batch reads a framed one unchanged.
 */

/** The arena a DataView was last made of, and that view (a batch's arena changes only when it grows). */
let viewed: Uint8Array | undefined;
let viewedAs: DataView = new DataView(new ArrayBuffer(0));

/** A DataView of `buf` (a batch's arena): the one made last when buf is the same arena. */
export function arenaView(buf: Uint8Array): DataView {
  if (buf !== viewed) {
    viewedAs = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    viewed = buf;
  }
  return viewedAs;
}

/**
 * The sample of the line addWrittenSeries writes next (value, timestamp), set by its caller just before: doubles
 * handed over in a typed array, not as arguments (an argument that is not a small integer is boxed into a new
 * heap number when the call is not inlined: two per line, the parse's only garbage).
 */
export const lineSample = new Float64Array(2);

/** Bytes left before a frame's name entry for its header: what the last frame needed (2 for bodies under 128 bytes, 3 under 16 KiB). */
let headerRoom = 2;

/** Where a frame's `__name__` entry goes when the frame starts at the arena's end (b.used); the writers below take the same room. */
export function frameNameAt(b: FloatBatch): number {
  return b.used + headerRoom;
}

/** Bytes of a `__name__` Label entry whose value (ASCII) has `nl` characters. */
export function nameEntrySize(nl: number): number {
  const body = 11 + varintSize(nl) + nl;
  return 1 + varintSize(body) + body;
}

/**
 * The line (the Prometheus text parser's byte lines, lib/ingest/prometheus/byte-lines.ts) whose metric name
 * (ASCII, `nl` <= 115 bytes: a one-byte length) the caller already copied to frameNameAt(b) + 14 (its place in
 * the `__name__` entry) and whose `n` Label entries it wrote right after, up to `setEnd`, `__name__` going at
 * `split`, its value and timestamp in lineSample. The batch's largest counts and lengths are the caller's to keep (addLineFacts, once for all its
 * lines): this writer stores only the frame, its set and its entry (openFrame's work in one function).
 */
export function addWrittenSeries(b: FloatBatch, setEnd: number, split: number, n: number, nl: number): void {
  const value = lineSample[0]!;
  const timestamp = lineSample[1]!;
  if (setEnd + SAMPLE_MAX + 4 > b.buf.length) b.reserveAt(setEnd, SAMPLE_MAX + 4);
  const buf = b.buf;
  const view = arenaView(buf);
  const start = b.used;
  const at = start + headerRoom;
  const nameEnd = nameHeader(buf, view, at, nl) + nl;
  let end = writeSample(buf, view, setEnd, lineSample);
  const body = end - at;
  const shift = body < 0x80 ? start + 2 - at : start + 1 + varintSize(body) - at;
  if (shift !== 0) {
    buf.copyWithin(at + shift, at, end);
    headerRoom = at + shift - start;
    end += shift;
  }
  buf[start] = 0x0a;
  if (body < 0x80) buf[start + 1] = body;
  else varintAt(buf, start + 1, body);
  const id = b.sets;
  if (id === b.setStart.length) b.growSets();
  b.setStart[id] = nameEnd + shift;
  b.setSplit[id] = split + shift;
  b.setEnd[id] = setEnd + shift;
  b.setLabels[id] = n;
  b.sets = id + 1;
  // Framed while every name goes first (as openFrame).
  if (split !== nameEnd) b.framed = false;
  const i = b.length;
  if (i === b.entrySet.length) b.growEntries();
  b.entrySet[i] = id;
  b.nameStart[i] = at + shift;
  b.nameEnd[i] = nameEnd + shift;
  b.values[i] = value;
  b.timestamps[i] = timestamp;
  b.length = i + 1;
  b.used = end;
}

/**
 * The facts of lines written by addWrittenSeries, kept as closeFrame keeps them line by line: `maxLabels` their
 * largest label count (`__name__` included), `maxName` and `maxValue` their longest label name and value (the
 * metric name counted as a value: `__name__`'s); nothing when no line was written.
 */
export function addLineFacts(b: FloatBatch, lines: number, maxLabels: number, maxName: number, maxValue: number): void {
  if (lines === 0) return;
  if (maxLabels > b.maxLabels) b.maxLabels = maxLabels;
  if (maxName > b.maxNameLength) b.maxNameLength = maxName;
  if (maxValue > b.maxValueLength) b.maxValueLength = maxValue;
  if (METRIC_NAME_LABEL.length > b.maxNameLength) b.maxNameLength = METRIC_NAME_LABEL.length;
}

/**
 * addWrittenSeries for a line of a decoded body (the scanner's canonical lines, see scanner.ts canonicalSet):
 * the metric name s[nameStart, nameEnd) (ASCII) of any length.
 */
export function addWrittenTextSeries(b: FloatBatch, setEnd: number, split: number, n: number, maxName: number, maxValue: number, s: string, nameStart: number, nameEnd: number, value: number, timestamp: number): void {
  const nl = nameEnd - nameStart;
  b.reserveAt(setEnd, SAMPLE_MAX + 4);
  const buf = b.buf;
  const at = b.used + headerRoom;
  let p: number;
  if (nl <= 115) p = nameHeader(buf, arenaView(buf), at, nl);
  else {
    p = at;
    buf[p++] = 0x0a;
    p = varintAt(buf, p, 11 + varintSize(nl) + nl);
    buf[p++] = 0x0a;
    buf[p++] = 8;
    for (let k = 0; k < 8; k++) buf[p++] = METRIC_NAME_LABEL.charCodeAt(k);
    buf[p++] = 0x12;
    p = varintAt(buf, p, nl);
  }
  for (let k = nameStart; k < nameEnd; k++) buf[p++] = s.charCodeAt(k);
  closeFrame(b, at, p, setEnd, split, n, maxName, maxValue, nl, value, timestamp);
}

/**
 * A line of any other form (the scanner's sink: labels sorted by name, `__name__` = `name` at `skip`, as
 * FloatBatch.addLabelSet takes them), written as a frame like the two above: the same bytes for the same line.
 */
export function addFramedLabels(b: FloatBatch, labels: readonly Label[], skip: number, name: string, value: number, timestamp: number): void {
  const start = b.used;
  b.reserve(headerRoom);
  b.used = start + headerRoom;
  const at = b.used;
  b.writeLabel(METRIC_NAME_LABEL, name, undefined);
  const nameEnd = b.used;
  const set = b.addLabelSet(labels, skip);
  // addLabelSet's facts are kept; the name's as addSample keeps them.
  if (name.length > b.maxValueLength) b.maxValueLength = name.length;
  if (name.length === 0) b.canonical = false;
  if (METRIC_NAME_LABEL.length > b.maxNameLength) b.maxNameLength = METRIC_NAME_LABEL.length;
  b.sets = set;
  b.used = start;
  const setEnd = b.setEnd[set]!;
  b.reserveAt(setEnd, SAMPLE_MAX + 4);
  openFrame(b, at, nameEnd, b.setStart[set]!, setEnd, b.setSplit[set]!, b.setLabels[set]!, value, timestamp);
}

/** The frame's set and entry once its name entry ends at `nameEnd` (from `at`): see closeFrame. */
function closeFrame(b: FloatBatch, at: number, nameEnd: number, setEnd: number, split: number, n: number, maxName: number, maxValue: number, nl: number, value: number, timestamp: number): void {
  if (n + 1 > b.maxLabels) b.maxLabels = n + 1;
  if (maxName > b.maxNameLength) b.maxNameLength = maxName;
  if (maxValue > b.maxValueLength) b.maxValueLength = maxValue;
  if (nl > b.maxValueLength) b.maxValueLength = nl;
  if (METRIC_NAME_LABEL.length > b.maxNameLength) b.maxNameLength = METRIC_NAME_LABEL.length;
  openFrame(b, at, nameEnd, nameEnd, setEnd, split, n, value, timestamp);
}

/**
 * Takes the frame from b.used as the batch's next set and entry (room for SAMPLE_MAX + 4 bytes past `setEnd`
 * reserved): name entry [at, nameEnd), set [setStart, setEnd) with `__name__` at split, then the sample,
 * then the header before `at`, the frame moved when its room was not the header's size.
 */
function openFrame(b: FloatBatch, at: number, nameEnd: number, setStart: number, setEnd: number, split: number, n: number, value: number, timestamp: number): void {
  const buf = b.buf;
  lineSample[0] = value;
  lineSample[1] = timestamp;
  let end = writeSample(buf, arenaView(buf), setEnd, lineSample);
  const start = b.used;
  const body = end - at;
  const need = 1 + varintSize(body);
  const shift = start + need - at;
  if (shift !== 0) {
    buf.copyWithin(at + shift, at, end);
    headerRoom = need;
    end += shift;
  }
  buf[start] = 0x0a;
  varintAt(buf, start + 1, body);
  const id = b.sets;
  if (id === b.setStart.length) b.growSets();
  b.setStart[id] = setStart + shift;
  b.setSplit[id] = split + shift;
  b.setEnd[id] = setEnd + shift;
  b.setLabels[id] = n;
  b.sets = id + 1;
  // Framed while every name goes first (the frame then has the labels in encodeBatchSeries' order).
  if (split !== setStart) b.framed = false;
  const i = b.length;
  if (i === b.entrySet.length) b.growEntries();
  b.entrySet[i] = id;
  b.nameStart[i] = at + shift;
  b.nameEnd[i] = nameEnd + shift;
  b.values[i] = value;
  b.timestamps[i] = timestamp;
  b.length = i + 1;
  b.used = end;
}

function varintAt(buf: Uint8Array, p: number, n: number): number {
  while (n >= 0x80) {
    buf[p++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[p++] = n;
  return p;
}

/** The start of a `__name__` Label entry whose value (to follow) has `vl` <= 115 bytes (a one-byte length): 0x0a, length, 0x0a, 8, "__name__", 0x12, vl (`view`: of buf). Returns the position after it. */
function nameHeader(buf: Buffer, view: DataView, p: number, vl: number): number {
  view.setInt32(p, 0x080a000a | ((vl + 12) << 8), true);
  view.setInt32(p + 4, NAME_WORD_1, true);
  view.setInt32(p + 8, NAME_WORD_2, true);
  buf[p + 12] = 0x12;
  buf[p + 13] = vl;
  return p + 14;
}

/** "__na" and "me__" as little-endian words. */
const NAME_WORD_1 = 0x5f | (0x5f << 8) | (0x6e << 16) | (0x61 << 24);
const NAME_WORD_2 = 0x6d | (0x65 << 8) | (0x5f << 16) | (0x5f << 24);

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
