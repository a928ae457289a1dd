import type { FloatBatch } from '../../model/batch.ts';
import { addNamedSample } from '../../model/batch-text.ts';
import { METRIC_NAME_LABEL } from '../../model/labels.ts';
import type { Label } from '../../model/types.ts';
import { varintSize } from '../../remote-write/proto-size.ts';

/**
 * Writers of a FloatBatch straight from the bytes of an Influx line the one-pass scan took (direct.ts): its
 * measurement, tags and field names are ASCII, so bytes are characters and lengths count alike. The batch's
 * facts (canonical, largest counts and lengths) are kept as FloatBatch.addLabelSet would keep them for the same
 * labels; no string or object is made per label or sample. (The same writers over a string, for text bodies,
 * are lib/model/batch-text.ts.)
 */

/** A Label entry of name s[ns, ne) and value s[vs, ve) (ASCII). */
function writeByteLabel(b: FloatBatch, s: Uint8Array, ns: number, ne: number, vs: number, ve: number): void {
  const nl = ne - ns;
  const vl = ve - vs;
  const body = 1 + varintSize(nl) + nl + 1 + varintSize(vl) + vl;
  b.reserve(1 + varintSize(body) + body);
  const buf = b.buf;
  let p = b.used;
  if (body < 0x80) {
    // Every length fits one byte (nearly all labels).
    buf[p] = 0x0a;
    buf[p + 1] = body;
    buf[p + 2] = 0x0a;
    buf[p + 3] = nl;
    p += 4;
    for (let k = ns; k < ne; k++) buf[p++] = s[k]!;
    buf[p++] = 0x12;
    buf[p++] = vl;
    for (let k = vs; k < ve; k++) buf[p++] = s[k]!;
    b.used = p;
    return;
  }
  buf[b.used++] = 0x0a;
  b.varint(body);
  buf[b.used++] = 0x0a;
  b.varint(nl);
  p = b.used;
  for (let k = ns; k < ne; k++) buf[p++] = s[k]!;
  buf[p++] = 0x12;
  b.used = p;
  b.varint(vl);
  p = b.used;
  for (let k = vs; k < ve; k++) buf[p++] = s[k]!;
  b.used = p;
}

/**
 * A label set from the line's tags: tag k is name s[pos[4k], pos[4k+1]) and value s[pos[4k+2], pos[4k+3]).
 * `extra` (names strictly ascending, none empty or `__name__`, values non-empty) is merged in by name, and an
 * extra label whose name a tag has is left out: the labels of a stable sort of the tags followed by the extra
 * ones they lack. Returns the set's id for addJoinedByteSample.
 */
export function addByteSet(b: FloatBatch, s: Uint8Array, pos: Int32Array, n: number, extra: readonly Label[] | undefined): number {
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
      const cmp = compareBytes(s, ns, ne, e.name);
      if (cmp < 0) break;
      x++;
      if (cmp === 0) break;
      if (split < 0 && e.name >= METRIC_NAME_LABEL) split = b.used;
      writeExtra(b, e);
      count++;
    }
    if (split < 0 && compareBytes(s, ns, ne, METRIC_NAME_LABEL) >= 0) split = b.used;
    if (ne - ns > b.maxNameLength) b.maxNameLength = ne - ns;
    if (ve - vs > b.maxValueLength) b.maxValueLength = ve - vs;
    writeByteLabel(b, s, ns, ne, vs, ve);
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
export function addJoinedByteSample(b: FloatBatch, set: number, s: Uint8Array, ms: number, me: number, fs: number, fe: number, value: number, timestamp: number): void {
  const vl = me - ms + 1 + fe - fs;
  if (vl > b.maxValueLength) b.maxValueLength = vl;
  if (METRIC_NAME_LABEL.length > b.maxNameLength) b.maxNameLength = METRIC_NAME_LABEL.length;
  const start = b.used;
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
  let p = b.used;
  for (let k = ms; k < me; k++) buf[p++] = s[k]!;
  buf[p++] = 0x5f; // '_'
  for (let k = fs; k < fe; k++) buf[p++] = s[k]!;
  b.used = p;
  addNamedSample(b, set, start, p, value, timestamp);
}

/** s[start, end) (ASCII bytes) compared with t by UTF-16 code units, as JavaScript's `<` compares: negative, 0 or positive. */
export function compareBytes(s: Uint8Array, start: number, end: number, t: string): number {
  const n = Math.min(end - start, t.length);
  for (let k = 0; k < n; k++) {
    const d = s[start + k]! - t.charCodeAt(k);
    if (d !== 0) return d;
  }
  return end - start - t.length;
}
