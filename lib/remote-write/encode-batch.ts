import type { FloatBatch } from '../model/batch.ts';
import { int64Size, varintSize } from './proto-size.ts';

/**
 * A FloatBatch's entries arranged into series: `order` lists entry indices series by series (series g is
 * order[start(g), end[g])), first occurrence order, each series' samples in timestamp order (a stable sort,
 * only when needed). Entries with equal label sets are one series, as finalizeSeries merges them.
 */
export interface BatchSeries {
  count: number;
  /** undefined: every entry is its own series, in entry order (the parser proved the sets distinct). */
  order: Int32Array | undefined;
  /** Series g ends before order[end[g]]; undefined with order. */
  end: Int32Array | undefined;
}

/** Groups entries into series: nothing to do when `b.distinct`; otherwise one hash of the label bytes per entry, confirmed byte by byte. */
export function groupBatch(b: FloatBatch): BatchSeries {
  const n = b.length;
  if (b.distinct) return { count: n, order: undefined, end: undefined };
  const groupOf = new Int32Array(n);
  const firstOf: number[] = [];
  /** Groups sharing a hash, chained: sameHash[g] is the previous group with g's hash, or -1. */
  const sameHash: number[] = [];
  const byHash = new Map<number, number>();
  let merged = false;
  for (let i = 0; i < n; i++) {
    const h = entryHash(b, i);
    const head = byHash.get(h);
    let g = head ?? -1;
    while (g >= 0 && !sameEntryLabels(b, firstOf[g]!, i)) g = sameHash[g]!;
    if (g < 0) {
      g = firstOf.length;
      firstOf.push(i);
      sameHash.push(head ?? -1);
      byHash.set(h, g);
    } else {
      merged = true;
    }
    groupOf[i] = g;
  }
  const count = firstOf.length;
  if (!merged) return { count, order: undefined, end: undefined };
  const end = new Int32Array(count);
  for (let i = 0; i < n; i++) end[groupOf[i]!]!++;
  for (let g = 1; g < count; g++) end[g]! += end[g - 1]!;
  const fill = new Int32Array(count);
  for (let g = 1; g < count; g++) fill[g] = end[g - 1]!;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[groupOf[i]!]!++] = i;
  const ts = b.timestamps;
  for (let g = 0; g < count; g++) {
    const s = g === 0 ? 0 : end[g - 1]!;
    const e = end[g]!;
    for (let k = s + 1; k < e; k++) {
      if (ts[order[k]!]! < ts[order[k - 1]!]!) {
        const sorted = Array.from(order.subarray(s, e)).sort((x, y) => ts[x]! - ts[y]!);
        order.set(sorted, s);
        break;
      }
    }
  }
  return { count, order, end };
}

/** FNV-1a over an entry's label bytes (set before `__name__`, `__name__`, set after). */
function entryHash(b: FloatBatch, i: number): number {
  const buf = b.buf;
  const set = b.entrySet[i]!;
  let h = 0x811c9dc5;
  for (let p = b.setStart[set]!, e = b.setSplit[set]!; p < e; p++) h = Math.imul(h ^ buf[p]!, 0x01000193);
  for (let p = b.nameStart[i]!, e = b.nameEnd[i]!; p < e; p++) h = Math.imul(h ^ buf[p]!, 0x01000193);
  for (let p = b.setSplit[set]!, e = b.setEnd[set]!; p < e; p++) h = Math.imul(h ^ buf[p]!, 0x01000193);
  return h & 0x3fffffff;
}

function sameEntryLabels(b: FloatBatch, i: number, j: number): boolean {
  const si = b.entrySet[i]!;
  const sj = b.entrySet[j]!;
  return (
    (si === sj || (sameBytes(b.buf, b.setStart[si]!, b.setSplit[si]!, b.setStart[sj]!, b.setSplit[sj]!) && sameBytes(b.buf, b.setSplit[si]!, b.setEnd[si]!, b.setSplit[sj]!, b.setEnd[sj]!))) &&
    sameBytes(b.buf, b.nameStart[i]!, b.nameEnd[i]!, b.nameStart[j]!, b.nameEnd[j]!)
  );
}

function sameBytes(buf: Uint8Array, a: number, ae: number, c: number, ce: number): boolean {
  if (ae - a !== ce - c) return false;
  for (; a < ae; a++, c++) if (buf[a] !== buf[c]) return false;
  return true;
}

/** int64Size(t) for a timestamp, by comparisons (no division): the number of 7-bit groups of a non-negative t below 2^63, 10 when negative. */
function timestampSize(t: number): number {
  if (t < 0) return 10;
  if (t < 0x10000000) return int64Size(t);
  if (t < 34359738368) return 5; // 2^35
  if (t < 4398046511104) return 6; // 2^42
  if (t < 562949953421312) return 7; // 2^49
  if (t < 72057594037927936) return 8; // 2^56
  if (t < 9223372036854775808) return 9; // 2^63
  return 10;
}

/** Body size of every series' TimeSeries message: what message sizing is measured in (see entrySize). */
export function seriesBodies(b: FloatBatch, s: BatchSeries): Float64Array {
  const sizes = new Float64Array(s.count);
  const order = s.order;
  const end = s.end;
  const v = b.values;
  const ts = b.timestamps;
  let lastT = NaN;
  let tsSize = 0;
  for (let g = 0; g < s.count; g++) {
    const from = order === undefined ? g : g === 0 ? 0 : end![g - 1]!;
    const to = order === undefined ? g + 1 : end![g]!;
    let body = b.labelBytes(order === undefined ? from : order[from]!);
    for (let k = from; k < to; k++) {
      const i = order === undefined ? k : order[k]!;
      const value = v[i]!;
      const t = ts[i]!;
      if (t !== lastT) {
        tsSize = t !== 0 ? 1 + timestampSize(t) : 0;
        lastT = t;
      }
      body += 2 + (value === 0 && 1 / value > 0 ? 0 : 9) + tsSize;
    }
    sizes[g] = body;
  }
  return sizes;
}

/** Bytes of a WriteRequest entry (tag, length, body) whose TimeSeries body has `body` bytes. */
export function entrySize(body: number): number {
  return 1 + varintSize(body) + body;
}

/** Samples in series g. */
export function seriesSampleCount(s: BatchSeries, g: number): number {
  if (s.order === undefined) return 1;
  return g === 0 ? s.end![0]! : s.end![g]! - s.end![g - 1]!;
}

/** The varint of the last timestamp written (consecutive samples mostly share one: an Influx line's fields, a scrape). */
const tsBytes = new Uint8Array(10);

/**
 * Writes series [from, to) as a prometheus.WriteRequest (remote_write 1.0) into one buffer of exactly the
 * size the entries of `bodies` add up to: the bytes encodeTimeSeries writes for the same series (labels as stored, samples
 * with a value unless +0 and a timestamp unless 0). With `scratch` large enough, the buffer is its start (the
 * caller's to reuse once it is done with the bytes: packBatch compresses them and lets go), else a new one.
 * A framed batch (the text import's, FloatBatch.framed) whose entries are each their own series already holds
 * these bytes: the result is then a view of its arena, nothing copied (valid while the batch is not reused).
 */
export function encodeBatchSeries(b: FloatBatch, s: BatchSeries, bodies: Float64Array, from: number, to: number, scratch?: Buffer): Buffer {
  let total = 0;
  for (let g = from; g < to; g++) total += entrySize(bodies[g]!);
  if (b.framed && s.order === undefined) {
    const framed = framedRange(b, bodies, from, to, total);
    if (framed !== undefined) return framed;
  }
  const out = scratch !== undefined && scratch.length >= total ? scratch.subarray(0, total) : Buffer.allocUnsafe(total);
  const src = b.buf;
  const order = s.order;
  const end = s.end;
  const v = b.values;
  const ts = b.timestamps;
  // One store for a value's 8 bytes and one for a timestamp varint's first 4 (little-endian, unaligned).
  const dv = new DataView(out.buffer, out.byteOffset, out.length);
  let lastT = NaN;
  let tsLength = 0;
  let tsWord = 0;
  let p = 0;
  for (let g = from; g < to; g++) {
    out[p++] = 0x0a;
    p = writeVarint(out, p, bodies[g]!);
    const first = order === undefined ? g : g === 0 ? 0 : end![g - 1]!;
    const last = order === undefined ? g + 1 : end![g]!;
    const e0 = order === undefined ? first : order[first]!;
    const set = b.entrySet[e0]!;
    p = copy(src, b.setStart[set]!, b.setSplit[set]!, out, p);
    p = copy(src, b.nameStart[e0]!, b.nameEnd[e0]!, out, p);
    p = copy(src, b.setSplit[set]!, b.setEnd[set]!, out, p);
    for (let k = first; k < last; k++) {
      const i = order === undefined ? k : order[k]!;
      const value = v[i]!;
      const t = ts[i]!;
      const zero = value === 0 && 1 / value > 0;
      if (t !== 0 && t !== lastT) {
        tsLength = writeTimestamp(tsBytes, t);
        tsWord = tsBytes[0]! | (tsBytes[1]! << 8) | (tsBytes[2]! << 16) | (tsBytes[3]! << 24);
        lastT = t;
      }
      const tl = t !== 0 ? 1 + tsLength : 0;
      out[p++] = 0x12;
      out[p++] = (zero ? 0 : 9) + tl;
      if (!zero) {
        out[p] = 0x09;
        dv.setFloat64(p + 1, value, true);
        p += 9;
      }
      if (tl !== 0) {
        out[p++] = 0x10;
        let k2 = 0;
        if (tsLength >= 4) {
          dv.setInt32(p, tsWord, true);
          p += 4;
          k2 = 4;
        }
        for (; k2 < tsLength; k2++) out[p++] = tsBytes[k2]!;
      }
    }
  }
  if (p !== total) throw new Error(`batch encoder size mismatch: ${p} != ${total}`);
  return out;
}

/** Most bytes writeSample writes: tag, length, a double's tag and 8 bytes, a timestamp's tag and 10 bytes. */
export const SAMPLE_MAX = 22;

/** The last timestamp writeSample wrote, and its varint in sampleTs (consecutive lines mostly share one); its first 8 bytes as two words. */
/** In a typed array: a double stored in a module variable is boxed into a new heap number at every store. */
const sampleT = new Float64Array([NaN]);
let sampleTsLength = 0;
const sampleTs = new Uint8Array(10);
const sampleTsView = new DataView(sampleTs.buffer);
let sampleTsLo = 0;
let sampleTsHi = 0;

/**
 * Writes the Sample field (tag, length, then the value as a double unless it is +0, then the timestamp unless
 * 0) of `sample` (value, timestamp: a typed array, so no double is boxed per call) into out at p (`view`: a
 * DataView of out's bytes: the double and the timestamp's varint are stored a word at a time); returns the
 * position after it. Writes at most SAMPLE_MAX bytes from p (up to 7 bytes past the
 * position returned, overwritten by whatever comes next). For the text parsers, which write whole entries
 * (batch-text.ts).
 */
export function writeSample(out: Uint8Array, view: DataView, p: number, sample: Float64Array): number {
  const value = sample[0]!;
  const t = sample[1]!;
  if (t !== 0 && t !== sampleT[0]) {
    sampleTsLength = writeTimestamp(sampleTs, t);
    sampleT[0] = t;
    sampleTsLo = sampleTsView.getInt32(0, true);
    sampleTsHi = sampleTsView.getInt32(4, true);
  }
  const tl = t !== 0 ? 1 + sampleTsLength : 0;
  if (value === 0 && 1 / value > 0) {
    out[p] = 0x12;
    out[p + 1] = tl;
    p += 2;
  } else {
    out[p] = 0x12;
    out[p + 1] = 9 + tl;
    out[p + 2] = 0x09;
    view.setFloat64(p + 3, value, true);
    p += 11;
  }
  if (tl !== 0) {
    out[p] = 0x10;
    if (sampleTsLength <= 8) {
      view.setInt32(p + 1, sampleTsLo, true);
      view.setInt32(p + 5, sampleTsHi, true);
    } else {
      for (let k = 0; k < sampleTsLength; k++) out[p + 1 + k] = sampleTs[k]!;
    }
    p += tl;
  }
  return p;
}

/**
 * The WriteRequest bytes of series [from, to) of a framed batch (FloatBatch.framed) grouped one entry a series in
 * entry order: they are already in its arena, back to back; undefined when the sizes do not line up (never
 * expected: the caller then encodes).
 */
function framedRange(b: FloatBatch, bodies: Float64Array, from: number, to: number, total: number): Buffer | undefined {
  if (from >= to) return undefined;
  const start = b.nameStart[from]! - 1 - varintSize(bodies[from]!);
  const end = to < b.length ? b.nameStart[to]! - 1 - varintSize(bodies[to]!) : b.used;
  if (start < 0 || end - start !== total) return undefined;
  return b.buf.subarray(start, end);
}

/** The int64 varint of a timestamp (an integer) into out from 0; returns its length. */
function writeTimestamp(out: Uint8Array, t: number): number {
  if (t < 0) return writeNegative(out, 0, t);
  if (t <= 0xffffffff) return writeVarint(out, 0, t);
  // Two 32-bit halves, shifted 7 bits at a time: no division or floating point per byte.
  let lo = t >>> 0;
  let hi = (t - lo) / 4294967296;
  let p = 0;
  while (hi !== 0) {
    out[p++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  while (lo > 0x7f) {
    out[p++] = (lo & 0x7f) | 0x80;
    lo >>>= 7;
  }
  out[p++] = lo;
  return p;
}

function copy(src: Buffer, from: number, to: number, out: Buffer, p: number): number {
  // Buffer.copy costs ~30 ns whatever the length; a byte loop ~2 ns a byte (measured, Node 22).
  if (to - from > 16) return p + src.copy(out, p, from, to);
  for (let k = from; k < to; k++) out[p++] = src[k]!;
  return p;
}

function writeVarint(out: Uint8Array, p: number, n: number): number {
  while (n >= 0x80) {
    out[p++] = (n & 0x7f) | 0x80;
    n = n >= 0x80000000 ? Math.floor(n / 128) : n >>> 7;
  }
  out[p++] = n;
  return p;
}

function writeNegative(out: Uint8Array, p: number, n: number): number {
  let x = BigInt.asUintN(64, BigInt(n));
  for (let k = 0; k < 9; k++) {
    out[p++] = Number(x & 0x7fn) | 0x80;
    x >>= 7n;
  }
  out[p++] = Number(x);
  return p;
}
