import { excerpt } from '../../errors.ts';
import { LineErrorCollector } from '../common/line-errors.ts';
import { METRIC_NAME_LABEL } from '../../model/labels.ts';
import type { Exemplar, Label } from '../../model/types.ts';
import { parseGoFloat } from './go-float.ts';
import { CH_BACKSLASH, CH_COMMA, CH_CR, CH_EQUALS, CH_HASH, CH_LBRACE, CH_QUOTE, CH_RBRACE, CLASS, isBlank, LABEL_CHAR, LABEL_START, METRIC_CHAR, METRIC_START, parseMillisTimestamp, parseSecondsTimestamp } from './lexical.ts';
import type { FloatBatch } from '../../model/batch.ts';
import { addWrittenTextSeries, frameNameAt, nameEntrySize } from '../../model/batch-text.ts';
import { checkLabelNames, LabelSetScanner } from './label-set.ts';
import { CommentReader } from './comments.ts';
import type { ExpositionOptions } from './parse.ts';
import { SeriesKeys, textKey } from './series-keys.ts';

/**
 * Where a valid sample line goes: its labels (sorted by checkLabelNames, `__name__` among them, empty values
 * not yet dropped), its metric name, value, timestamp and exemplar (only with `exemplars`).
 */
export type SampleSink = (labels: Label[], name: string, value: number, timestamp: number, exemplar: Exemplar | undefined) => void;

/** The line loop and the sample lines of parse.ts' formats (see its header); comments go to CommentReader. */
export class ExpositionScanner extends LabelSetScanner {
  readonly om: boolean;
  readonly honorTimestamps: boolean;
  readonly dropCreated: boolean;
  readonly defaultTimestamp: number;
  readonly maxLineLength: number;
  readonly exemplars: boolean;
  readonly errors = new LineErrorCollector();
  readonly comments: CommentReader;
  private readonly sink: SampleSink;
  explicitTimestamps = 0;
  /**
   * The proof that no two series have equal label sets (only when `proveDistinct`): every sample line's
   * series written canonically, `name` or `name{a="x",b="y"}` (no blanks, escapes, empty values, empty
   * braces or trailing comma, label names strictly ascending: its length is then exactly what its labels
   * add up to), and that text (by its hash) different on every line. Any doubt clears it; finalizeSeries then merges.
   */
  distinct: boolean;
  private readonly keys: SeriesKeys;
  /** The batch canonical lines are written to directly (ExpositionOptions is silent; parsePrometheusTextBatch sets it). */
  private readonly direct: FloatBatch | undefined;
  /** What canonicalSet wrote into the direct batch's arena for the line: see there. */
  private writtenEnd = 0;
  private writtenSplit = 0;
  private writtenMaxName = 0;
  private writtenMaxValue = 0;

  /** `keys`: the distinct proof's keys when lines of the same body were read elsewhere too (byte-lines.ts). */
  constructor(s: string, opts: ExpositionOptions, sink: SampleSink, direct?: FloatBatch, keys?: SeriesKeys) {
    super(s);
    this.om = opts.openMetrics === true;
    this.honorTimestamps = opts.honorTimestamps !== false;
    this.dropCreated = opts.dropCreatedSeries === true && this.om;
    const collectMetadata = opts.collectMetadata !== false;
    this.defaultTimestamp = opts.defaultTimestamp;
    this.maxLineLength = opts.maxLineLength ?? Infinity;
    this.exemplars = opts.exemplars === true && this.om;
    this.distinct = opts.proveDistinct === true;
    this.sink = sink;
    this.keys = keys ?? new SeriesKeys(this.distinct ? s.length / 48 : 0);
    // The direct path carries neither exemplars nor the created-series rule.
    this.direct = this.exemplars || this.dropCreated ? undefined : direct;
    this.comments = new CommentReader(s, { om: this.om, collectMetadata, collectTypes: collectMetadata || opts.collectTypes === true, dropCreated: this.dropCreated });
  }

  run(): void {
    const s = this.s;
    const n = s.length;
    let line = 0;
    let i = 0;
    while (i < n) {
      line++;
      let lineEnd = s.indexOf('\n', i);
      if (lineEnd < 0) lineEnd = n;
      if (!this.line(line, i, lineEnd)) return;
      i = lineEnd + 1;
    }
    if (this.om && !this.comments.sawEof) this.fail(line + 1, n, n, 'missing "# EOF" at the end of the OpenMetrics body');
  }

  /** Line number `line`, s[i, lineEnd) (lineEnd at its `\n` or the end). False when nothing after it may be read (past `# EOF`). */
  line(line: number, i: number, lineEnd: number): boolean {
    const s = this.s;
    let end = lineEnd;
    while (end > i && (isBlank(s.charCodeAt(end - 1)) || s.charCodeAt(end - 1) === CH_CR)) end--;
    let p = i;
    while (p < end && isBlank(s.charCodeAt(p))) p++;
    if (p < end) {
      if (this.comments.sawEof) {
        this.fail(line, i, end, 'unexpected content after "# EOF"');
        return false;
      }
      const reason = end - i > this.maxLineLength ? `line of ${end - i} characters exceeds max_line_length=${this.maxLineLength}` : s.charCodeAt(p) === CH_HASH ? this.comments.comment(p, end) : this.sample(p, end);
      if (reason !== undefined) this.fail(line, i, end, reason);
    }
    return true;
  }

  private fail(line: number, start: number, end: number, reason: string): void {
    const cut = Math.min(end, start + 201);
    this.errors.add(() => ({ line, reason, excerpt: excerpt(this.s.slice(start, cut)) }));
  }

  /** A sample line starting at p (not blank, not a comment). Returns why it is invalid, or undefined. */
  private sample(p: number, end: number): string | undefined {
    const s = this.s;
    const nameStart = p;
    let c = s.charCodeAt(p);
    if (!(c < 128 && CLASS[c]! & METRIC_START)) {
      return c === CH_LBRACE ? 'missing metric name before "{"' : `invalid metric name ${this.token(p, end)}`;
    }
    p++;
    while (p < end && (c = s.charCodeAt(p)) < 128 && CLASS[c]! & METRIC_CHAR) p++;
    const nameEnd = p;
    let labels: Label[] | undefined;
    /** Labels read by position (canonicalSet) when the line takes the direct path; -1 when it does not. */
    let direct = -1;
    let q = p;
    let keyEnd = p;
    while (q < end && isBlank(s.charCodeAt(q))) q++;
    if (q < end && s.charCodeAt(q) === CH_LBRACE) {
      if (this.direct !== undefined && q === p) direct = this.canonicalSet(q + 1, end, frameNameAt(this.direct) + nameEntrySize(nameEnd - nameStart));
      if (direct < 0) {
        labels = [{ name: METRIC_NAME_LABEL, value: s.slice(nameStart, nameEnd) }];
        this.p = q + 1;
        const reason = this.labelSet(labels, end);
        if (reason !== undefined) return reason;
      }
      q = this.p;
      keyEnd = q;
      while (q < end && isBlank(s.charCodeAt(q))) q++;
    } else if (q === p && p < end) {
      return `invalid metric name ${this.token(nameStart, end)}`;
    } else if (this.direct !== undefined) {
      direct = 0;
    }
    p = q;
    if (p === end) return `missing value for metric "${s.slice(nameStart, nameEnd)}"`;
    const valueStart = p;
    while (p < end && !isBlank(s.charCodeAt(p))) p++;
    const value = parseGoFloat(s, valueStart, p);
    if (value === undefined) return `invalid value ${this.token(valueStart, p)}`;
    while (p < end && isBlank(s.charCodeAt(p))) p++;
    let timestamp = this.defaultTimestamp;
    if (p < end && s.charCodeAt(p) !== CH_HASH) {
      const tsStart = p;
      while (p < end && !isBlank(s.charCodeAt(p))) p++;
      const ts = this.om ? parseSecondsTimestamp(s, tsStart, p) : parseMillisTimestamp(s, tsStart, p);
      if (ts === undefined) return `invalid timestamp ${this.token(tsStart, p)}`;
      while (p < end && isBlank(s.charCodeAt(p))) p++;
      if (p < end && s.charCodeAt(p) !== CH_HASH) return `unexpected text after timestamp: ${this.token(p, end)}`;
      this.explicitTimestamps++;
      if (this.honorTimestamps) timestamp = ts;
    }
    if (direct >= 0) {
      // Canonical by construction: only the text's hash is left to check for the distinct proof.
      if (this.distinct) this.checkNewText(nameStart, keyEnd);
      const b = this.direct!;
      if (direct === 0) {
        const setAt = frameNameAt(b) + nameEntrySize(nameEnd - nameStart);
        addWrittenTextSeries(b, setAt, setAt, 0, 0, 0, s, nameStart, nameEnd, value, timestamp);
      }
      else addWrittenTextSeries(b, this.writtenEnd, this.writtenSplit, direct, this.writtenMaxName, this.writtenMaxValue, s, nameStart, nameEnd, value, timestamp);
      return undefined;
    }
    labels ??= [{ name: METRIC_NAME_LABEL, value: s.slice(nameStart, nameEnd) }];
    const name = labels[0]!.value;
    // Before an exemplar is read: reading its label set resets the scanner's per-label-set state.
    if (this.distinct) this.checkDistinct(nameStart, keyEnd, labels);
    // Whatever follows a `#` here is an exemplar (or, in text 0.0.4, a trailing comment): skipped unless kept.
    let exemplar: Exemplar | undefined;
    if (this.exemplars && p < end) {
      const e = this.exemplar(p + 1, end, timestamp);
      if (typeof e === 'string') return e;
      exemplar = e;
    }
    const problem = checkLabelNames(labels);
    if (problem !== undefined) return problem;
    if (this.dropCreated && name === this.comments.createdName) return undefined;
    this.sink(labels, name, value, timestamp, exemplar);
    return undefined;
  }

  /** An OpenMetrics exemplar `{labels} value [timestamp]` from p (after the `#`); why it is invalid otherwise. */
  private exemplar(p: number, end: number, sampleTimestamp: number): Exemplar | string {
    const s = this.s;
    while (p < end && isBlank(s.charCodeAt(p))) p++;
    if (p >= end || s.charCodeAt(p) !== CH_LBRACE) return 'exemplar: expected "{" after "#"';
    const labels: Label[] = [];
    this.p = p + 1;
    const reason = this.labelSet(labels, end);
    if (reason !== undefined) return `exemplar: ${reason}`;
    p = this.p;
    while (p < end && isBlank(s.charCodeAt(p))) p++;
    const valueStart = p;
    while (p < end && !isBlank(s.charCodeAt(p))) p++;
    if (valueStart === p) return 'exemplar: missing value';
    const value = parseGoFloat(s, valueStart, p);
    if (value === undefined) return `exemplar: invalid value ${this.token(valueStart, p)}`;
    while (p < end && isBlank(s.charCodeAt(p))) p++;
    let timestamp = sampleTimestamp;
    if (p < end) {
      const tsStart = p;
      while (p < end && !isBlank(s.charCodeAt(p))) p++;
      const ts = parseSecondsTimestamp(s, tsStart, p);
      if (ts === undefined) return `exemplar: invalid timestamp ${this.token(tsStart, p)}`;
      while (p < end && isBlank(s.charCodeAt(p))) p++;
      if (p < end) return `exemplar: unexpected text after timestamp: ${this.token(p, end)}`;
      timestamp = ts;
    }
    const problem = checkLabelNames(labels);
    if (problem !== undefined) return `exemplar: ${problem}`;
    return { labels, value, timestamp };
  }

  /**
   * The direct path's label set, from p (after a `{` that follows the metric name at once): accepted only
   * in its canonical form, `a="x",b="y"}` with no blanks, escapes, empty values, trailing comma or non-ASCII
   * character, names strictly ascending and none `__name__`, each label's name and value at most 123 bytes
   * together, which is exactly when labelSet, checkLabelNames and normalizeLabels would give these labels
   * unchanged (and their Label entries take one-byte lengths). One pass: each label is checked and written
   * as its protobuf Label entry into the batch's arena from `w` (past its end, after room for the line's
   * frame header and name entry: batch-text.ts), not yet part of the batch (addWrittenTextSeries takes it
   * once the line is valid). Returns the label count (this.p after the `}`,
   * the entries' end, `__name__`'s place and the largest lengths in this.written*), or -1: the caller then
   * reads the line the ordinary way, which overwrites what was written.
   */
  private canonicalSet(p: number, end: number, w: number): number {
    const s = this.s;
    const b = this.direct!;
    // A label's entry is 2 bytes longer than its text (`n="v",`: name and value plus 4 characters, plus 6
    // bytes), and a label takes at least 6 characters: twice the text is room enough, also for one cut short.
    b.reserveAt(w, 2 * (end - p) + 16);
    const buf = b.buf;
    let split = -1;
    let maxName = 0;
    let maxValue = 0;
    let prevStart = 0;
    let prevEnd = 0;
    let n = 0;
    for (;;) {
      if (p >= end) return -1;
      let c = s.charCodeAt(p);
      if (!(c < 128 && CLASS[c]! & LABEL_START)) return -1;
      const entry = w;
      w += 4;
      const ns = p++;
      buf[w++] = c;
      while (p < end && (c = s.charCodeAt(p)) < 128 && CLASS[c]! & LABEL_CHAR) {
        buf[w++] = c;
        p++;
      }
      const ne = p;
      if (p + 1 >= end || s.charCodeAt(p) !== CH_EQUALS || s.charCodeAt(p + 1) !== CH_QUOTE) return -1;
      p += 2;
      const valueAt = w;
      w += 2;
      const vs = p;
      while (p < end && (c = s.charCodeAt(p)) !== CH_QUOTE) {
        if (c === CH_BACKSLASH || c >= 0x80) return -1;
        buf[w++] = c;
        p++;
      }
      if (p >= end || p === vs) return -1;
      const ve = p++;
      const nl = ne - ns;
      const vl = ve - vs;
      if (nl + vl > 123) return -1;
      if (n > 0 ? !textAscending(s, prevStart, prevEnd, ns, ne) : false) return -1;
      if (nl === METRIC_NAME_LABEL.length && s.startsWith(METRIC_NAME_LABEL, ns)) return -1;
      if (split < 0 && !textAscending(s, ns, ne, 0, 0, METRIC_NAME_LABEL)) split = entry;
      buf[entry] = 0x0a;
      buf[entry + 1] = nl + vl + 4;
      buf[entry + 2] = 0x0a;
      buf[entry + 3] = nl;
      buf[valueAt] = 0x12;
      buf[valueAt + 1] = vl;
      if (nl > maxName) maxName = nl;
      if (vl > maxValue) maxValue = vl;
      prevStart = ns;
      prevEnd = ne;
      n++;
      if (p >= end) return -1;
      c = s.charCodeAt(p++);
      if (c === CH_COMMA) continue;
      if (c !== CH_RBRACE) return -1;
      this.p = p;
      this.writtenEnd = w;
      this.writtenSplit = split < 0 ? w : split;
      this.writtenMaxName = maxName;
      this.writtenMaxValue = maxValue;
      return n;
    }
  }

  /** Keeps `distinct` only while the line's series text is canonical and new (see `distinct`). */
  private checkDistinct(nameStart: number, keyEnd: number, labels: readonly Label[]): void {
    let want = labels[0]!.value.length;
    if (labels.length > 1) {
      if (!this.canonicalLabels) return void (this.distinct = false);
      want += 1 + labels.length - 1;
      for (let k = 1; k < labels.length; k++) want += labels[k]!.name.length + 3 + labels[k]!.value.length;
    }
    if (keyEnd - nameStart !== want) return void (this.distinct = false);
    this.checkNewText(nameStart, keyEnd);
  }

  /** Clears `distinct` when another line had the same series text (by its hash). */
  private checkNewText(nameStart: number, keyEnd: number): void {
    // A hash of the text, not the text: two lines that only share a hash cost the proof, never correctness.
    if (!this.keys.add(textKey(this.s, nameStart, keyEnd))) this.distinct = false;
  }
}

/** s[a, ae) < s[b, be) (or < t when given), comparing UTF-16 code units as JavaScript's `<` does. */
function textAscending(s: string, a: number, ae: number, b: number, be: number, t?: string): boolean {
  const other = t ?? s;
  const bl = t === undefined ? be - b : t.length;
  const n = Math.min(ae - a, bl);
  for (let k = 0; k < n; k++) {
    const d = s.charCodeAt(a + k) - other.charCodeAt(b + k);
    if (d !== 0) return d < 0;
  }
  return ae - a < bl;
}
