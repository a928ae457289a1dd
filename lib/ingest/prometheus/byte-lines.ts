/**
 * The import route's parser over the request's bytes (parsePrometheusTextBatch with a byte body in text
 * 0.0.4): a sample line in its common form is read from the bytes and written into the batch in one pass,
 * with no decoded string, no string or object per label, and no second pass for the distinct proof's key
 * beyond one hash over the series text. Every other line (and only such a line) goes to the ordinary scanner
 * (scanner.ts) over the body decoded once, when first needed; it writes into the same batch and the same
 * distinct proof, so lines come out in body order and the result is the one the ordinary scanner gives for
 * the whole body.
 *
 * The common form, exactly the lines on which the ordinary scanner takes its direct path (canonicalSet) and
 * would give these bytes: blanks, then a metric name of at most 115 characters, then either blanks or
 * `{a="x",b="y"}` canonical as canonicalSet requires (no blanks, escapes, trailing comma or byte past
 * ASCII, names strictly ascending and none `__name__`, name and value at most 123 bytes) except that a label
 * may have an empty value (left out, as the scanner's normalizeLabels leaves it out; exporters write them), then
 * blanks, a value (any ASCII token parseGoFloat accepts), optionally blanks and an integer timestamp in
 * milliseconds, then only blanks and carriage returns up to the line feed or the body's end, the line within
 * max_line_length. Blank lines and comment lines within max_line_length are skipped, as the ordinary scanner
 * skips them when comments are ignored. Anything else (`#` after the value, a byte past ASCII, a bad
 * token, ...) is the ordinary scanner's, which also words every error.
 *
 * What each byte costs: names and label values are read four bytes a step (one load of a word, for a name two
 * lookups of NAME_RUN, for a value one word test) and stored a word at a time into the arena
 * (a DataView; a word stored past a run's end is written over by what follows), the run's end found inside its
 * word (no byte loop after the word loop); label order checks are decided by the names' first bytes where they
 * differ; a timestamp token byte for byte the last line's is that line's value; the series text is read once
 * more for the distinct proof's hash. Nothing is allocated per line (doubles go through typed arrays: see
 * lineSample). The tables and loops are in this module, written out in fastLine and labels: helpers called
 * from them, or tables imported from another module, measured 3-8% slower (V8 then stops inlining the hash).
 *
 * Lines of any other form are read by slow-lines.ts (the ordinary scanner over the body decoded once).
 */
import type { FloatBatch } from '../../model/batch.ts';
import { addLineFacts, addWrittenSeries, arenaView, frameNameAt, lineSample } from '../../model/batch-text.ts';
import type { LineError } from '../types.ts';
import { CH_BACKSLASH, CH_COMMA, CH_CR, CH_EQUALS, CH_HASH, CH_LBRACE, CH_LF, CH_QUOTE, CH_RBRACE, CH_SPACE, CH_TAB, CH_UNDERSCORE } from './chars.ts';
import { ascending, compareToNameLabel, NAME_LABEL, readMillis, readValueToken, TokenOut } from './byte-tokens.ts';
import { CLASS, LABEL_CHAR, LABEL_START, METRIC_CHAR, METRIC_START } from './lexical.ts';
import type { ExpositionScanner } from './scanner.ts';
import { SlowLines } from './slow-lines.ts';
import { bytesKey, byteView, type SeriesKeys } from './series-keys.ts';

/** Blank (space, tab) in FLAGS, beside CLASS's name bits. */
const BLANK = 16;
/** Line feed or carriage return in FLAGS. */
const EOL = 32;
/** CLASS for every byte (nothing from 0x80 up), plus BLANK and EOL. */
const FLAGS = new Uint8Array(256);
FLAGS.set(CLASS);
FLAGS[CH_SPACE] = FLAGS[CH_TAB] = BLANK;
FLAGS[CH_LF] = FLAGS[CH_CR] = EOL;
/** Bytes that end a label value's plain run: its closing quote, and what only the ordinary scanner reads (backslash, line feed, anything past ASCII). */
const VALUE_STOP = new Uint8Array(256);
VALUE_STOP[CH_QUOTE] = VALUE_STOP[CH_BACKSLASH] = VALUE_STOP[CH_LF] = 1;
VALUE_STOP.fill(1, 0x80);

/**
 * How many of a pair's two bytes, from the first, are name characters: bits 0-1 for METRIC_CHAR, bits 2-3 for
 * LABEL_CHAR (0, 1 or 2). Indexed by a little-endian pair (`b[p] | b[p + 1] << 8`: the low or the high half of
 * a word read with getInt32(p, true)), so a name's run is read four bytes a step with one load and two
 * lookups, and its end found in the word where it is, without a byte loop after it (64 KiB, built once).
 */
const NAME_RUN = new Uint8Array(65536);
for (let lo = 0; lo < 256; lo++) {
  for (let hi = 0; hi < 256; hi++) {
    const run = (bit: number): number => (FLAGS[lo]! & bit ? (FLAGS[hi]! & bit ? 2 : 1) : 0);
    NAME_RUN[lo | (hi << 8)] = run(METRIC_CHAR) | (run(LABEL_CHAR) << 2);
  }
}

/**
 * Whether any of the four bytes of the little-endian word x is one VALUE_STOP marks: past ASCII (its top bit),
 * or a quote, backslash or line feed (a zero byte in x xor that byte repeated: `(v - 0x01..) & ~v & 0x80..` is
 * non-zero exactly when v has a zero byte).
 */
export function stopsValue(x: number): boolean {
  return valueStops(x) !== 0;
}

/** The bytes of the word x that stopsValue finds, as their top bits; the lowest set bit is the first such byte exactly (a borrow only marks bytes above a true one). */
function valueStops(x: number): number {
  const q = x ^ 0x22222222;
  const s = x ^ 0x5c5c5c5c;
  const l = x ^ 0x0a0a0a0a;
  return (x | ((q - 0x01010101) & ~q) | ((s - 0x01010101) & ~s) | ((l - 0x01010101) & ~l)) & 0x80808080;
}

/** The index (0-3) of the byte of a valueStops mask's lowest set bit. */
function firstByte(m: number): number {
  return (31 - Math.clz32(m & -m)) >> 3;
}

/** Whether b[a, a + len) and b[c, c + len) are the same bytes (`view` = byteView(b): four bytes a step). */
function sameBytes(b: Uint8Array, view: DataView, a: number, c: number, len: number): boolean {
  let k = 0;
  for (; k + 4 <= len; k += 4) if (view.getInt32(a + k, true) !== view.getInt32(c + k, true)) return false;
  for (; k < len; k++) if (b[a + k] !== b[c + k]) return false;
  return true;
}

/** Longest metric name written with a one-byte length (addWrittenSeries); longer ones are the scanner's. */
const MAX_DIRECT_NAME = 115;
/** Longest name plus value of a label written with one-byte lengths (as canonicalSet). */
const MAX_DIRECT_LABEL = 123;

export interface ByteLinesOptions {
  defaultTimestamp: number;
  maxLineLength?: number;
}

export class ByteLines {
  /** The distinct proof (scanner.ts `distinct`), shared with the ordinary scanner's lines. */
  distinct = true;
  /** Lines read by the ordinary scanner. */
  slowLines = 0;
  private readonly b: Uint8Array;
  private readonly view: DataView;
  private readonly n: number;
  private readonly batch: FloatBatch;
  private readonly keys: SeriesKeys;
  private readonly defaultTimestamp: number;
  private readonly maxLineLength: number;
  private readonly scannerFor: (s: string) => ExpositionScanner;
  private fallback: SlowLines | undefined;
  /** What labels() read: the position after `}`, the entries' end, `__name__`'s place, the longest name and value. */
  private p = 0;
  private setEnd = 0;
  private split = 0;
  private maxName = 0;
  private maxValue = 0;
  /** Over the lines written (fastLine): how many, their largest label count (with `__name__`), longest label name and value (or metric name). */
  private lines = 0;
  private allLabels = 0;
  private allNames = 0;
  private allValues = 0;
  /** Whether a label had an empty value (left out: see labels()). */
  private empty = false;
  /** The last timestamp read by readMillis: its token's place and length in the body (0: none yet), its value. */
  private tsAt = 0;
  private tsLength = 0;
  private readonly ts = new Float64Array(1);
  /** What readValueToken and readMillis read. */
  private readonly out = new TokenOut();

  /** `scannerFor(s)`: the ordinary scanner over the decoded body, writing into `batch` with `keys`. */
  constructor(b: Uint8Array, batch: FloatBatch, keys: SeriesKeys, opts: ByteLinesOptions, scannerFor: (s: string) => ExpositionScanner) {
    this.b = b;
    this.view = byteView(b);
    this.n = b.length;
    this.batch = batch;
    this.keys = keys;
    this.defaultTimestamp = opts.defaultTimestamp;
    this.maxLineLength = opts.maxLineLength ?? Infinity;
    this.scannerFor = scannerFor;
  }

  run(): void {
    const b = this.b;
    const n = this.n;
    let line = 0;
    let i = 0;
    while (i < n) {
      line++;
      const next = this.fastLine(i);
      if (next >= 0) {
        i = next;
        continue;
      }
      const lf = b.indexOf(CH_LF, i);
      this.slowLine(line);
      i = lf < 0 ? n : lf + 1;
    }
    addLineFacts(this.batch, this.lines, this.allLabels, this.allNames, this.allValues);
  }

  /** The bad lines, as the ordinary scanner reported them. */
  errors(): { errors: LineError[]; errorCount: number } {
    return this.fallback === undefined ? { errors: [], errorCount: 0 } : this.fallback.errors();
  }

  /** Line number `line`, by the ordinary scanner (slow-lines.ts), which keeps or ends the distinct proof. */
  private slowLine(line: number): void {
    this.slowLines++;
    this.fallback ??= new SlowLines(this.b, this.scannerFor);
    this.distinct = this.fallback.line(line, this.distinct);
  }

  /** The line starting at byte i when it has the common form (written into the batch) or is blank or a comment: where the next line starts. Else -1, nothing written. */
  private fastLine(i: number): number {
    const b = this.b;
    const n = this.n;
    let p = i;
    let c = b[p]!;
    while (c === CH_SPACE || c === CH_TAB) {
      if (++p === n) return n;
      c = b[p]!;
    }
    if (c === CH_LF) return p + 1;
    if (c === CH_HASH) return this.comment(i, p);
    if (!(FLAGS[c]! & METRIC_START)) return -1;
    // The name is copied as it is scanned, into its `__name__` entry's place (after room for the line's
    // frame header: batch-text.ts); the labels go after it. A name longer than MAX_DIRECT_NAME stops the scan.
    const batch = this.batch;
    const nameAt = frameNameAt(batch) + 14;
    batch.reserveAt(nameAt, MAX_DIRECT_NAME + 1);
    const buf = batch.buf;
    const out = arenaView(buf);
    let w = nameAt;
    const nameStart = p;
    const stop = nameStart + MAX_DIRECT_NAME + 1 < n ? nameStart + MAX_DIRECT_NAME + 1 : n;
    const view = this.view;
    // Four bytes a step (the first is METRIC_START: checked above; stored whole, bytes past the name are written
    // over later), the run's end found in its word; byte by byte only within four bytes of the stop.
    for (;;) {
      if (p + 4 > stop) {
        while (p < stop && FLAGS[(c = b[p]!)]! & METRIC_CHAR) {
          buf[w++] = c;
          p++;
        }
        break;
      }
      const x = view.getInt32(p, true);
      out.setInt32(w, x, true);
      let k = NAME_RUN[x & 0xffff]! & 3;
      if (k === 2) {
        k += NAME_RUN[x >>> 16]! & 3;
        if (k === 4) {
          p += 4;
          w += 4;
          continue;
        }
      }
      p += k;
      w += k;
      break;
    }
    const nameEnd = p;
    if (p === n || nameEnd - nameStart > MAX_DIRECT_NAME) return -1;
    c = b[p]!;
    let count = 0;
    let keyEnd = nameEnd;
    const setAt = w;
    if (c === CH_LBRACE) {
      count = this.labels(p + 1, setAt);
      if (count < 0) return -1;
      p = keyEnd = this.p;
    } else {
      if (c !== CH_SPACE && c !== CH_TAB) return -1;
      this.setEnd = this.split = setAt;
      this.maxName = this.maxValue = 0;
      this.empty = false;
    }
    while (p < n && FLAGS[b[p]!]! & BLANK) p++;
    p = readValueToken(b, n, p, this.out, FLAGS, BLANK | EOL);
    if (p < 0) return -1;
    let last = p;
    // The sample's timestamp goes straight into lineSample, and the last one read is kept in a typed array: a
    // double kept in a local that also takes a call's result, or in an object field read as such, is boxed into a
    // new heap number (no allocation per line: see readMillis).
    lineSample[1] = this.defaultTimestamp;
    while (p < n && FLAGS[b[p]!]! & BLANK) p++;
    if (p < n && !(FLAGS[b[p]!]! & EOL)) {
      if (b[p] === CH_HASH) return -1;
      // The token the last line's timestamp was read from, byte for byte: the same value (a digit after it, a
      // longer token, fails the line's end check below: the ordinary scanner then reads the line).
      const tl = this.tsLength;
      if (tl !== 0 && p + tl <= n && sameBytes(b, view, this.tsAt, p, tl)) {
        lineSample[1] = this.ts[0]!;
        p = last = p + tl;
      } else {
        const end = readMillis(b, n, p, this.out);
        if (end < 0) return -1;
        const ts = this.ts;
        ts[0] = this.out.millis;
        lineSample[1] = ts[0]!;
        this.tsAt = p;
        this.tsLength = end - p;
        p = last = end;
      }
    }
    while (p < n && ((c = b[p]!) === CH_SPACE || c === CH_TAB || c === CH_CR)) p++;
    if ((p < n && b[p] !== CH_LF) || last - i > this.maxLineLength) return -1;
    // As the scanner's checkDistinct: a line with an empty value has no canonical text, which ends the proof.
    if (this.distinct && (this.empty || !this.keys.add(bytesKey(b, this.view, nameStart, keyEnd)))) this.distinct = false;
    const nl = nameEnd - nameStart;
    lineSample[0] = this.out.value;
    addWrittenSeries(batch, this.setEnd, this.split, count, nl);
    // The batch's facts of every line written here, given to it once at the end (run).
    this.lines++;
    if (count >= this.allLabels) this.allLabels = count + 1;
    if (this.maxName > this.allNames) this.allNames = this.maxName;
    if (this.maxValue > this.allValues) this.allValues = this.maxValue;
    if (nl > this.allValues) this.allValues = nl;
    return p < n ? p + 1 : n;
  }

  /** A comment line from i (its `#` at p): skipped when within max_line_length (as the scanner measures it: trailing blanks and carriage returns left out). */
  private comment(i: number, p: number): number {
    const b = this.b;
    const lf = b.indexOf(CH_LF, p);
    let end = lf < 0 ? this.n : lf;
    let c = 0;
    while (end > i && ((c = b[end - 1]!) === CH_SPACE || c === CH_TAB || c === CH_CR)) end--;
    // Bytes past ASCII decode to at most as many UTF-16 units as bytes: within the limit in bytes is within it in characters.
    if (end - i > this.maxLineLength) return -1;
    return lf < 0 ? this.n : lf + 1;
  }

  /**
   * canonicalSet (scanner.ts) over bytes, from p (after the `{`): each label checked and written as its Label
   * entry into the arena from w (past its end), not yet part of the batch; a label with an empty value checked and
   * left out. Returns the count of labels written (this.p and the others set), or -1.
   */
  private labels(p: number, w: number): number {
    const b = this.b;
    const view = this.view;
    const n = this.n;
    const batch = this.batch;
    let buf = batch.buf;
    let out = arenaView(buf);
    let split = -1;
    let maxName = 0;
    let maxValue = 0;
    let prevStart = 0;
    let prevEnd = 0;
    let count = 0;
    let empty = false;
    for (;;) {
      if (p >= n) return -1;
      let c = b[p]!;
      if (!(FLAGS[c]! & LABEL_START)) return -1;
      // An entry takes at most 4 + 2 + MAX_DIRECT_LABEL bytes: the loops below stop there.
      if (w + MAX_DIRECT_LABEL + 6 > buf.length) {
        batch.reserveAt(w, MAX_DIRECT_LABEL + 6);
        buf = batch.buf;
        out = arenaView(buf);
      }
      const entry = w;
      w += 4;
      const ns = p;
      let stop = ns + MAX_DIRECT_LABEL < n ? ns + MAX_DIRECT_LABEL : n;
      // As the metric name: four bytes a step (the first is LABEL_START, checked above), then byte by byte.
      for (;;) {
        if (p + 4 > stop) {
          while (p < stop && FLAGS[(c = b[p]!)]! & LABEL_CHAR) {
            buf[w++] = c;
            p++;
          }
          break;
        }
        const x = view.getInt32(p, true);
        out.setInt32(w, x, true);
        let k = NAME_RUN[x & 0xffff]! >> 2;
        if (k === 2) {
          k += NAME_RUN[x >>> 16]! >> 2;
          if (k === 4) {
            p += 4;
            w += 4;
            continue;
          }
        }
        p += k;
        w += k;
        break;
      }
      const ne = p;
      if (p + 1 >= n || b[p] !== CH_EQUALS || b[p + 1] !== CH_QUOTE) return -1;
      p += 2;
      const valueAt = w;
      w += 2;
      const vs = p;
      const nl = ne - ns;
      stop = vs + MAX_DIRECT_LABEL - nl < n ? vs + MAX_DIRECT_LABEL - nl : n;
      // Four bytes a step while none of them stops the run (one load, a word test and four stores), then byte by byte.
      // Four bytes a step (stored whole, as the names), the run's end found in its word; byte by byte near `stop`.
      for (;;) {
        if (p + 4 > stop) {
          while (p < stop && VALUE_STOP[(c = b[p]!)] === 0) {
            buf[w++] = c;
            p++;
          }
          break;
        }
        const x = view.getInt32(p, true);
        out.setInt32(w, x, true);
        const m = valueStops(x);
        if (m === 0) {
          p += 4;
          w += 4;
          continue;
        }
        const k = firstByte(m);
        p += k;
        w += k;
        break;
      }
      if (p >= n || b[p] !== CH_QUOTE) return -1;
      const vl = p++ - vs;
      // The order checks decided by the first bytes where they differ (most names), the comparisons only past them.
      const c0 = b[ns]!;
      if (prevEnd > 0) {
        const d = b[prevStart]! - c0;
        if (d > 0 || (d === 0 && !ascending(b, prevStart, prevEnd, ns, ne))) return -1;
      }
      if (split < 0) {
        const order = c0 !== CH_UNDERSCORE ? c0 - CH_UNDERSCORE : compareToNameLabel(b, ns, ne);
        if (order === 0) return -1;
        if (order > 0 && vl > 0) split = entry;
      } else if (c0 === CH_UNDERSCORE && nl === NAME_LABEL.length && compareToNameLabel(b, ns, ne) === 0) {
        return -1;
      }
      prevStart = ns;
      prevEnd = ne;
      if (vl === 0) {
        // An empty value is an absent label (normalizeLabels): not written, and the series text is not canonical.
        w = entry;
        empty = true;
      } else {
        // 0x0a, length, 0x0a, nl (the Label entry and its name's field), then 0x12, vl (its value's): one-byte lengths.
        out.setInt32(entry, 0x000a000a | ((nl + vl + 4) << 8) | (nl << 24), true);
        out.setInt16(valueAt, 0x12 | (vl << 8), true);
        if (nl > maxName) maxName = nl;
        if (vl > maxValue) maxValue = vl;
        count++;
      }
      if (p >= n) return -1;
      c = b[p++]!;
      if (c === CH_COMMA) continue;
      if (c !== CH_RBRACE) return -1;
      this.p = p;
      this.setEnd = w;
      this.split = split < 0 ? w : split;
      this.maxName = maxName;
      this.maxValue = maxValue;
      this.empty = empty;
      return count;
    }
  }
}
