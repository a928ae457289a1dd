import type { IngestLimits } from '../config/schema.ts';

/** What a forwardable remote_write 1.0 request holds. */
export interface ForwardableScan {
  series: number;
  samples: number;
}

const NAME_LABEL = [0x5f, 0x5f, 0x6e, 0x61, 0x6d, 0x65, 0x5f, 0x5f]; // __name__

/**
 * Scans a decompressed prometheus.WriteRequest without building objects and says whether it can be queued
 * as it is: what finalizeSeries would produce from it (with no extra labels, relabel rules or external
 * labels) is the same message. Returns the counts when every series
 *   - has only labels (field 1) and float samples (field 2): no histograms, exemplars, metadata or unknown fields;
 *   - has labels written name then value, both non-empty and ASCII (so byte order is string order and byte
 *     length is string length), names strictly ascending (sorted, unique), one of them `__name__`, within
 *     max_labels_per_series, max_label_name_length and max_label_value_length;
 *   - has at least one sample, each with at most one value (fixed64) and one timestamp (a varint of at most
 *     7 bytes: non-negative, below 2^49), timestamps non-decreasing;
 *   - has a label set no other series of the request has (a 31-bit hash of the label strings and their
 *     lengths, four bytes at a step; a collision only sends the request down the full path);
 * and the request has at most max_series_per_request series. Otherwise undefined: the caller decodes the
 * request (which reports malformed bytes with their offset) and finalizes it as before. Linear in the body.
 */
export function scanForwardable(b: Uint8Array, limits: IngestLimits): ForwardableScan | undefined {
  const result = scanBody(b, limits);
  seenShrink();
  return result;
}

function scanBody(b: Uint8Array, limits: IngestLimits): ForwardableScan | undefined {
  const len = b.length;
  const seen = newScanSeen();
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let pos = 0;
  let series = 0;
  let samples = 0;
  while (pos < len) {
    if (b[pos++] !== 0x0a) return undefined;
    // Series length varint.
    let n = 0;
    let shift = 0;
    for (;;) {
      if (pos >= len || shift > 28) return undefined;
      const c = b[pos++]!;
      n += (c & 0x7f) * 2 ** shift;
      if (c < 0x80) break;
      shift += 7;
    }
    const end = pos + n;
    if (end > len) return undefined;
    if (++series > limits.maxSeriesPerRequest) return undefined;
    let hash = 0x811c9dc5 | 0;
    let labels = 0;
    let hasName = false;
    let prevName = -1;
    let prevNameLen = 0;
    let seriesSamples = 0;
    let lastTs = -1;
    while (pos < end) {
      const tag = b[pos++]!;
      if (pos >= end) return undefined;
      let m = b[pos++]!;
      if (m >= 0x80) {
        if (pos >= end) return undefined;
        const c = b[pos++]!;
        if (c >= 0x80) return undefined; // a label or sample of 16 KB or more: the full path decides
        m = (m & 0x7f) | (c << 7);
      }
      const fieldEnd = pos + m;
      if (fieldEnd > end) return undefined;
      if (tag === 0x0a) {
        // Label: 0x0a len name 0x12 len value, nothing else.
        if (++labels > limits.maxLabelsPerSeries) return undefined;
        if (b[pos++] !== 0x0a || pos >= fieldEnd) return undefined;
        const nl = b[pos++]!;
        if (nl === 0 || nl >= 0x80 || nl > limits.maxLabelNameLength) return undefined;
        const ns = pos;
        pos += nl;
        if (pos + 2 > fieldEnd || b[pos++] !== 0x12) return undefined;
        let vl = b[pos++]!;
        if (vl >= 0x80) {
          if (pos >= fieldEnd) return undefined;
          const c = b[pos++]!;
          if (c >= 0x80) return undefined;
          vl = (vl & 0x7f) | (c << 7);
        }
        if (vl === 0 || vl > limits.maxLabelValueLength || pos + vl !== fieldEnd) return undefined;
        // Names strictly ascending (byte order is string order for ASCII).
        if (prevName >= 0) {
          let k = 0;
          const lim = nl < prevNameLen ? nl : prevNameLen;
          while (k < lim && b[ns + k] === b[prevName + k]) k++;
          if (k === lim ? nl <= prevNameLen : b[ns + k]! < b[prevName + k]!) return undefined;
        }
        prevName = ns;
        prevNameLen = nl;
        if (nl === 8 && !hasName) {
          let k = 0;
          while (k < 8 && b[ns + k] === NAME_LABEL[k]) k++;
          if (k === 8) hasName = true;
        }
        hash = hashAscii(dv, b, ns, ns + nl, Math.imul(hash ^ nl, 0x01000193));
        if (hash < 0) return undefined;
        hash = hashAscii(dv, b, pos, fieldEnd, Math.imul(hash ^ (vl | 0x100000), 0x01000193));
        if (hash < 0) return undefined;
        pos = fieldEnd;
      } else if (tag === 0x12) {
        // Sample: [0x09 fixed64] [0x10 varint], in this order, each at most once.
        let ts = 0;
        if (pos < fieldEnd && b[pos] === 0x09) pos += 9;
        if (pos < fieldEnd && b[pos] === 0x10) {
          pos++;
          let k = 0;
          let mul = 1;
          for (;;) {
            if (pos >= fieldEnd || k === 7) return undefined;
            const c = b[pos++]!;
            ts += (c & 0x7f) * mul;
            k++;
            if (c < 0x80) break;
            mul *= 128;
          }
        }
        if (pos !== fieldEnd || ts < lastTs) return undefined;
        lastTs = ts;
        seriesSamples++;
      } else {
        return undefined;
      }
    }
    if (pos !== end || !hasName || seriesSamples === 0) return undefined;
    if (!seen.add(hash & 0x3fffffff)) return undefined;
    samples += seriesSamples;
  }
  return series ? { series, samples } : undefined;
}

/**
 * The label-set hashes one scan has seen: open addressing in typed arrays kept between scans (no
 * allocation, no zeroing per request: a slot is taken when its generation is the current scan's). Grows
 * while a scan needs it and shrinks back after a scan of a very large request.
 */
const SEEN_SMALL = 4096;
let seenKeys = new Int32Array(SEEN_SMALL);
let seenGens = new Int32Array(SEEN_SMALL);
let seenGen = 0;
let seenCount = 0;

interface SeenSet {
  /** False when the key was there already. */
  add(key: number): boolean;
}
const seenSet: SeenSet = { add: seenAdd };

function newScanSeen(): SeenSet {
  if (++seenGen === 0x7fffffff) {
    seenGens.fill(0);
    seenGen = 1;
  }
  seenCount = 0;
  return seenSet;
}

function seenShrink(): void {
  if (seenKeys.length > SEEN_SMALL * 16) {
    seenKeys = new Int32Array(SEEN_SMALL);
    seenGens = new Int32Array(SEEN_SMALL);
    seenGen = 0;
  }
}

function seenAdd(key: number): boolean {
  if ((seenCount + 1) * 2 > seenKeys.length) seenGrow();
  const mask = seenKeys.length - 1;
  let slot = (key ^ (key >>> 13)) & mask;
  while (seenGens[slot] === seenGen) {
    if (seenKeys[slot] === key) return false;
    slot = (slot + 1) & mask;
  }
  seenGens[slot] = seenGen;
  seenKeys[slot] = key;
  seenCount++;
  return true;
}

function seenGrow(): void {
  const keys = seenKeys;
  const gens = seenGens;
  seenKeys = new Int32Array(keys.length * 2);
  seenGens = new Int32Array(keys.length * 2);
  const gen = seenGen;
  const mask = seenKeys.length - 1;
  for (let i = 0; i < keys.length; i++) {
    if (gens[i] !== gen) continue;
    const key = keys[i]!;
    let slot = (key ^ (key >>> 13)) & mask;
    while (seenGens[slot] === gen) slot = (slot + 1) & mask;
    seenGens[slot] = gen;
    seenKeys[slot] = key;
  }
}

/**
 * Mixes the bytes b[from, to) into `hash`, four at a time (little-endian words, then the tail bytes one by
 * one), and checks they are ASCII. Returns the new hash as a non-negative 31-bit integer, or -1 when a byte
 * is not ASCII. Equal byte runs give equal hashes; the quality of the mix only matters for speed (a collision
 * makes the scan give up, never accept).
 */
function hashAscii(dv: DataView, b: Uint8Array, from: number, to: number, hash: number): number {
  let high = 0;
  let k = from;
  for (; k + 4 <= to; k += 4) {
    const w = dv.getInt32(k, true);
    high |= w;
    hash = Math.imul(hash ^ w, 0x01000193);
    hash ^= hash >>> 15;
  }
  for (; k < to; k++) {
    const c = b[k]!;
    high |= c;
    hash = Math.imul(hash ^ c, 0x01000193);
  }
  return (high & 0x80808080) !== 0 ? -1 : hash & 0x7fffffff;
}
