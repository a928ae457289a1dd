import { parseFieldValue, timestampToMs, type InfluxPrecision } from './values.ts';

const SPACE = 32;
const COMMA = 44;
const EQ = 61;
const BACKSLASH = 92;
const QUOTE = 34;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const ZERO = 48;
const LOWER_I = 105;
const LOWER_U = 117;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * The hash of a line's series text s[start, end) (measurement and tags) for the distinct proof: FNV-1a over
 * its UTF-16 code units. InfluxLineScan computes the same value while it scans (`keyHash`), so a line it
 * takes and a line the ordinary parser reads hash alike when their text is equal.
 */
export function seriesKeyHash(s: string, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let k = start; k < end; k++) h = Math.imul(h ^ s.charCodeAt(k), FNV_PRIME);
  return h & 0x3fffffff;
}

/** 10^k for k <= 22: exactly representable, so digits / 10^k is correctly rounded (see fieldValue). */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * One pass over an Influx line's UTF-8 bytes in its common form, with no string or object made: positions of the
 * measurement, the tags and the fields, the field values and the timestamp. It takes a line only when the
 * ordinary parser (parse.ts, LineParser) would give exactly these labels in this order and accept the line:
 * every byte of the line ASCII (a line it takes has as many characters as bytes, at the same positions) and no
 * backslash in the measurement, tag keys and values and field keys, tag keys strictly ascending and none `__name__`, tag keys and values non-empty, no string field
 * (it carries no sample; the ordinary parser skips it), every field value one parseFieldValue accepts, a
 * timestamp of 1-19 digits. `scan` returns false for any other line, having changed nothing but its own positions: the
 * caller then parses the line the ordinary way, which gives the same result or the same error as before.
 */
export class InfluxLineScan {
  /** The series text (measurement and tags) is s[keyStart, keyEnd); the measurement s[keyStart, measurementEnd). */
  keyStart = 0;
  keyEnd = 0;
  measurementEnd = 0;
  /** Tag k: key s[tags[4k], tags[4k+1]), value s[tags[4k+2], tags[4k+3]). */
  tags = new Int32Array(64);
  tagCount = 0;
  /** Field f: key s[fields[2f], fields[2f+1]), value values[f]. */
  fields = new Int32Array(32);
  values = new Float64Array(16);
  fieldCount = 0;
  timestamp = 0;
  /** seriesKeyHash(s, keyStart, keyEnd), computed in the same pass. */
  keyHash = 0;
  private readonly now: number;
  private readonly precision: InfluxPrecision;

  constructor(now: number, precision: InfluxPrecision) {
    this.now = now;
    this.precision = precision;
  }

  /**
   * Scans s[start, end) (a line without its newline, not blank, not a comment). A string (tests, callers
   * holding text) is scanned as its bytes when every character up to `end` is ASCII, else declined.
   */
  scan(s: Uint8Array | string, start: number, end: number): boolean {
    return typeof s === 'string' ? asciiUpTo(s, end) && this.scanBytes(Buffer.from(s.slice(0, end), 'latin1'), start, end) : this.scanBytes(s, start, end);
  }

  /** scan over bytes (what the parser calls). */
  scanBytes(s: Uint8Array, start: number, end: number): boolean {
    let i = start;
    let c = 0;
    // Measurement: up to `,` or ` ` (an `=` belongs to it, as readToken(true) reads it).
    this.keyStart = i;
    // The series text's hash (seriesKeyHash) is folded in character by character, separators included.
    let h = FNV_OFFSET;
    while (i < end && (c = s[i]!) !== COMMA && c !== SPACE) {
      if (c === BACKSLASH || c >= 0x80) return false;
      h = Math.imul(h ^ c, FNV_PRIME);
      i++;
    }
    if (i === start) return false;
    this.measurementEnd = i;
    let n = 0;
    while (i < end && s[i]! === COMMA) {
      h = Math.imul(h ^ COMMA, FNV_PRIME);
      const ks = ++i;
      while (i < end && (c = s[i]!) !== COMMA && c !== SPACE && c !== EQ) {
        if (c === BACKSLASH || c >= 0x80) return false;
        h = Math.imul(h ^ c, FNV_PRIME);
        i++;
      }
      const ke = i;
      if (ke === ks || i >= end || c !== EQ) return false;
      h = Math.imul(h ^ EQ, FNV_PRIME);
      const vs = ++i;
      while (i < end && (c = s[i]!) !== COMMA && c !== SPACE && c !== EQ) {
        if (c === BACKSLASH || c >= 0x80) return false;
        h = Math.imul(h ^ c, FNV_PRIME);
        i++;
      }
      if (i === vs) return false;
      if (n > 0 && !textBefore(s, this.tags[4 * n - 4]!, this.tags[4 * n - 3]!, ks, ke)) return false;
      if (ke - ks === 8 && isMetricNameLabel(s, ks)) return false;
      if (4 * n + 4 > this.tags.length) this.tags = grow(this.tags);
      this.tags[4 * n] = ks;
      this.tags[4 * n + 1] = ke;
      this.tags[4 * n + 2] = vs;
      this.tags[4 * n + 3] = i;
      n++;
    }
    this.tagCount = n;
    if (i >= end || s[i]! !== SPACE) return false;
    this.keyEnd = i;
    this.keyHash = h & 0x3fffffff;
    while (i < end && s[i]! === SPACE) i++;
    let f = 0;
    for (;;) {
      const ks = i;
      while (i < end && (c = s[i]!) !== COMMA && c !== SPACE && c !== EQ) {
        if (c === BACKSLASH || c >= 0x80) return false;
        i++;
      }
      if (i === ks || i + 1 >= end || c !== EQ) return false;
      const ke = i++;
      if (s[i]! === QUOTE) return false;
      const vs = i;
      while (i < end && (c = s[i]!) !== COMMA && c !== SPACE) i++;
      const v = fieldValueBytes(s, vs, i);
      if (v === undefined) return false;
      if (2 * f + 2 > this.fields.length) {
        this.fields = grow(this.fields);
        const more = new Float64Array(this.values.length * 2);
        more.set(this.values);
        this.values = more;
      }
      this.fields[2 * f] = ks;
      this.fields[2 * f + 1] = ke;
      this.values[f] = v;
      f++;
      if (i < end && s[i]! === COMMA) {
        i++;
        continue;
      }
      break;
    }
    this.fieldCount = f;
    while (i < end && s[i]! === SPACE) i++;
    if (i === end) {
      this.timestamp = this.now;
      return true;
    }
    let tEnd = end;
    while (tEnd > i && s[tEnd - 1]! === SPACE) tEnd--;
    const ts = this.timestampOf(s, i, tEnd);
    if (ts === undefined) return false;
    this.timestamp = ts;
    return true;
  }

  /** timestampToMs of s[from, to) without a string when it has at most 15 significant digits to keep; undefined when invalid. */
  private timestampOf(s: Uint8Array, from: number, to: number): number | undefined {
    const neg = s[from]! === MINUS;
    const d0 = neg ? from + 1 : from;
    const digits = to - d0;
    if (digits < 1 || digits > 19) return undefined;
    const p = this.precision;
    const drop = p === 'ns' ? 6 : p === 'us' ? 3 : 0;
    if (digits - drop > 15) {
      const raw = ascii(s, from, to);
      return raw === undefined ? undefined : timestampToMs(raw, p);
    }
    let v = 0;
    for (let k = d0; k < to; k++) {
      const d = s[k]! - ZERO;
      if (d < 0 || d > 9) return undefined;
      if (k < to - drop) v = v * 10 + d;
    }
    const ms = p === 's' ? v * 1000 : p === 'm' ? v * 60_000 : p === 'h' ? v * 3_600_000 : v;
    if (!Number.isSafeInteger(ms)) return undefined;
    return neg && ms !== 0 ? -ms : ms;
  }
}

/**
 * parseFieldValue(s.slice(from, to)) (a float, `12i`, `12u`, a boolean), computed from the characters when
 * that is exact: an integer of at most 15 digits, or a decimal of at most 15 digits without an exponent
 * (digits / 10^k with both exact is one correctly rounded division, which is what Number() gives).
 * Anything else goes through parseFieldValue itself. A string (tests) is read as its bytes when ASCII; any other
 * string is no field value parseFieldValue accepts either (its syntax is ASCII).
 */
export function fieldValue(s: Uint8Array | string, from: number, to: number): number | undefined {
  if (typeof s !== 'string') return fieldValueBytes(s, from, to);
  return asciiUpTo(s, to) ? fieldValueBytes(Buffer.from(s.slice(0, to), 'latin1'), from, to) : parseFieldValue(s.slice(from, to));
}

/** fieldValue over bytes; undefined too for a value with a byte past ASCII (the line goes to the ordinary parser). */
export function fieldValueBytes(s: Uint8Array, from: number, to: number): number | undefined {
  if (to <= from) return undefined;
  let k = from;
  let c = s[k]!;
  const neg = c === MINUS;
  if (neg || c === PLUS) k++;
  let m = 0;
  let digits = 0;
  let scale = -1;
  for (; k < to; k++) {
    c = s[k]!;
    const d = c - ZERO;
    if (d >= 0 && d <= 9) {
      m = m * 10 + d;
      digits++;
    } else if (c === DOT && scale < 0) {
      scale = k;
    } else {
      break;
    }
  }
  if (digits === 0) return parseAscii(s, from, to);
  // More digits than a double holds exactly (a full-precision float, `14.285714285714286`): the syntax is
  // checked above, Number() rounds it as parseFieldValue would, without its regular expression.
  if (digits > 15) return k === to ? Number(latin1(s, from, to)) : parseAscii(s, from, to);
  if (k === to) {
    const v = scale < 0 ? m : m / POW10[to - scale - 1]!;
    return neg ? -v : v;
  }
  if (k === to - 1 && scale < 0 && (c === LOWER_I || (c === LOWER_U && !neg))) return neg ? -m : m;
  return parseAscii(s, from, to);
}

/** parseFieldValue of s[from, to) when it is ASCII, else undefined. */
function parseAscii(s: Uint8Array, from: number, to: number): number | undefined {
  const raw = ascii(s, from, to);
  return raw === undefined ? undefined : parseFieldValue(raw);
}

/** s[from, to) as a string when every byte is ASCII, else undefined. */
function ascii(s: Uint8Array, from: number, to: number): string | undefined {
  for (let k = from; k < to; k++) if (s[k]! >= 0x80) return undefined;
  return latin1(s, from, to);
}

/** Node's Buffer#latin1Slice (one copy, no Buffer made): it reads any Uint8Array. */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, from: number, to: number): string }).latin1Slice;

function latin1(s: Uint8Array, from: number, to: number): string {
  return latin1Slice.call(s, from, to);
}

/** s[at, at + 8) is `__name__`. */
function isMetricNameLabel(s: Uint8Array, at: number): boolean {
  for (let k = 0; k < 8; k++) if (s[at + k] !== METRIC_NAME.charCodeAt(k)) return false;
  return true;
}

const METRIC_NAME = '__name__';

/** Every character of s[0, end) is ASCII. */
function asciiUpTo(s: string, end: number): boolean {
  for (let k = 0; k < end; k++) if (s.charCodeAt(k) >= 0x80) return false;
  return true;
}

/** s[a, ae) < s[b, be), comparing bytes (ASCII here: as JavaScript's `<` compares the same text). */
function textBefore(s: Uint8Array, a: number, ae: number, b: number, be: number): boolean {
  const n = Math.min(ae - a, be - b);
  for (let k = 0; k < n; k++) {
    const d = s[a + k]! - s[b + k]!;
    if (d !== 0) return d < 0;
  }
  return ae - a < be - b;
}

function grow(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
