import { excerpt } from '../../errors.ts';
import { LineErrorCollector } from '../common/line-errors.ts';
import { hashText, METRIC_NAME_LABEL } from '../../model/labels.ts';
import type { Exemplar, Label } from '../../model/types.ts';
import { parseGoFloat } from './go-float.ts';
import { CH_CR, CH_HASH, CH_LBRACE, CLASS, isBlank, METRIC_CHAR, METRIC_START, parseMillisTimestamp, parseSecondsTimestamp } from './lexical.ts';
import { checkLabelNames, LabelSetScanner } from './label-set.ts';
import { CommentReader } from './comments.ts';
import type { ExpositionOptions } from './parse.ts';

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
  private readonly keys = new Set<number>();

  constructor(s: string, opts: ExpositionOptions, sink: SampleSink) {
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
      let end = lineEnd;
      while (end > i && (isBlank(s.charCodeAt(end - 1)) || s.charCodeAt(end - 1) === CH_CR)) end--;
      let p = i;
      while (p < end && isBlank(s.charCodeAt(p))) p++;
      if (p < end) {
        if (this.comments.sawEof) {
          this.fail(line, i, end, 'unexpected content after "# EOF"');
          return;
        }
        const reason = end - i > this.maxLineLength ? `line of ${end - i} characters exceeds max_line_length=${this.maxLineLength}` : s.charCodeAt(p) === CH_HASH ? this.comments.comment(p, end) : this.sample(p, end);
        if (reason !== undefined) this.fail(line, i, end, reason);
      }
      i = lineEnd + 1;
    }
    if (this.om && !this.comments.sawEof) this.fail(line + 1, n, n, 'missing "# EOF" at the end of the OpenMetrics body');
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
    const name = s.slice(nameStart, p);
    const labels: Label[] = [{ name: METRIC_NAME_LABEL, value: name }];
    let q = p;
    let keyEnd = p;
    while (q < end && isBlank(s.charCodeAt(q))) q++;
    if (q < end && s.charCodeAt(q) === CH_LBRACE) {
      this.p = q + 1;
      const reason = this.labelSet(labels, end);
      if (reason !== undefined) return reason;
      q = this.p;
      keyEnd = q;
      while (q < end && isBlank(s.charCodeAt(q))) q++;
    } else if (q === p && p < end) {
      return `invalid metric name ${this.token(nameStart, end)}`;
    }
    p = q;
    if (p === end) return `missing value for metric "${name}"`;
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

  /** Keeps `distinct` only while the line's series text is canonical and new (see `distinct`). */
  private checkDistinct(nameStart: number, keyEnd: number, labels: readonly Label[]): void {
    let want = labels[0]!.value.length;
    if (labels.length > 1) {
      if (!this.canonicalLabels) return void (this.distinct = false);
      want += 1 + labels.length - 1;
      for (let k = 1; k < labels.length; k++) want += labels[k]!.name.length + 3 + labels[k]!.value.length;
    }
    if (keyEnd - nameStart !== want) return void (this.distinct = false);
    // A hash of the text, not the text: two lines that only share a hash cost the proof, never correctness.
    const key = hashText(this.s, nameStart, keyEnd);
    if (this.keys.has(key)) return void (this.distinct = false);
    this.keys.add(key);
  }
}
