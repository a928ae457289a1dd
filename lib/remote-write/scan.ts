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
 *   - has a label set no other series of the request has (a 32-bit hash of the label strings; a collision
 *     only sends the request down the full path);
 * and the request has at most max_series_per_request series. Otherwise undefined: the caller decodes the
 * request (which reports malformed bytes with their offset) and finalizes it as before. Linear in the body.
 */
export function scanForwardable(b: Uint8Array, limits: IngestLimits): ForwardableScan | undefined {
  const len = b.length;
  const seen = new Set<number>();
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
    let hash = 0x811c9dc5;
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
        for (let k = ns; k < ns + nl; k++) {
          const c = b[k]!;
          if (c >= 0x80) return undefined;
          hash = Math.imul(hash ^ c, 0x01000193);
        }
        hash = Math.imul(hash ^ 0xfe, 0x01000193);
        for (let k = pos; k < fieldEnd; k++) {
          const c = b[k]!;
          if (c >= 0x80) return undefined;
          hash = Math.imul(hash ^ c, 0x01000193);
        }
        hash = Math.imul(hash ^ 0xff, 0x01000193);
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
    hash &= 0x3fffffff; // a small integer: no heap number per Set entry
    if (seen.has(hash)) return undefined;
    seen.add(hash);
    samples += seriesSamples;
  }
  return series ? { series, samples } : undefined;
}
