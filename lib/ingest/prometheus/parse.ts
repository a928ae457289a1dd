/**
 * Parser for the Prometheus text exposition format 0.0.4 and OpenMetrics 1.0 text, shared by the import route,
 * the Pushgateway routes and scraping. A hand-written scanner over one string: no regex and no split per line.
 *
 * Accepted (a superset of both formats, like VictoriaMetrics and the Prometheus parsers):
 * - blank lines, comments, `# HELP` / `# TYPE` / `# UNIT` (metadata), CRLF line ends, blanks and tabs around
 *   tokens, a missing final newline;
 * - `name{label="value",...} value [timestamp] [# exemplar]`, a trailing comma in the label set, label value
 *   escapes `\\` `\"` `\n` (any other backslash pair is kept as written, as Prometheus does);
 * - values in Go float syntax (`NaN`, `+Inf`, `-Inf`, `1e-3`, `0x1p-2`, ...);
 * - timestamps: integer milliseconds in text 0.0.4, seconds with an optional fraction in OpenMetrics (truncated
 *   to milliseconds like Prometheus' `int64(ts*1000)`);
 * - exemplars (`# {trace_id="x"} 1.0 1.5e9` after the value or timestamp) are skipped, in both formats, unless
 *   `exemplars` is set: then an OpenMetrics exemplar is checked and kept on its series (its timestamp, in
 *   seconds, is optional; without one it gets the sample's timestamp, as Prometheus' scrape does).
 * Rejected per line (reported in `errors`, the other lines still count): metric names outside
 * `[a-zA-Z_:][a-zA-Z0-9_:]*` (quoted UTF-8 names are not supported), label names outside
 * `[a-zA-Z_][a-zA-Z0-9_]*`, the same label name twice, unparsable values or timestamps, and (when metadata is
 * collected) malformed HELP/TYPE/UNIT lines and unknown TYPEs.
 * OpenMetrics only: `# EOF` ends the body; any further non-blank line is one error and parsing stops there; a
 * body without `# EOF` gets one error after its last line (its samples are kept).
 * `_created` series are ordinary series by default, as in Prometheus without the created-timestamp feature flag;
 * `dropCreatedSeries` drops `<family>_created` samples of OpenMetrics counter, summary and histogram families.
 * Invalid UTF-8 in a byte body is decoded to U+FFFD rather than rejected.
 */
import { excerpt } from '../../errors.ts';
import { LineErrorCollector } from '../common/line-errors.ts';
import { hashText, METRIC_NAME_LABEL, normalizeLabels, sortLabels } from '../../model/labels.ts';
import type { Exemplar, Label, MetricMetadata, TimeSeries } from '../../model/types.ts';
import type { LineError, ParseResult } from '../types.ts';
import { parseGoFloat } from './go-float.ts';
import {
  CLASS,
  isBlank,
  keywordAt,
  KEYWORDS,
  KW_EOF,
  KW_HELP,
  KW_NONE,
  KW_TYPE,
  LABEL_CHAR,
  LABEL_START,
  METRIC_CHAR,
  METRIC_START,
  metricTypeAt,
  parseMillisTimestamp,
  parseSecondsTimestamp,
  unescapeHelp,
} from './lexical.ts';

export interface ExpositionOptions {
  /** Milliseconds since the epoch for samples written without a timestamp. */
  defaultTimestamp: number;
  /** OpenMetrics 1.0 text instead of text 0.0.4 (Content-Type `application/openmetrics-text`). */
  openMetrics?: boolean;
  /** Keep timestamps written in the body (default true); false stamps every sample with defaultTimestamp. */
  honorTimestamps?: boolean;
  /** OpenMetrics only: drop `<family>_created` samples of counter, summary and histogram families. */
  dropCreatedSeries?: boolean;
  /**
   * Check and collect HELP, TYPE and UNIT lines (default true). False ignores comments (VictoriaMetrics'
   * behaviour) and is faster: a malformed `# TYPE` line is then not an error.
   */
  collectMetadata?: boolean;
  /** Lines longer than this many characters are rejected (limit `ingest.max_line_length`); default no limit. */
  maxLineLength?: number;
  /** OpenMetrics only: keep exemplars on their series (a malformed exemplar is then a bad line). */
  exemplars?: boolean;
  /** With collectMetadata false: still read TYPE lines (a malformed one is then an error) into `metadata`, types only. */
  collectTypes?: boolean;
  /** Try to prove that no two series have equal label sets (ParseResult.distinctLabelSets); push routes do. */
  proveDistinct?: boolean;
}

export interface ExpositionResult extends ParseResult {
  /** One entry per metric family named in a HELP, TYPE or UNIT line, in order of first mention. */
  metadata: MetricMetadata[];
  /** How many parsed samples carried their own timestamp (whether or not it was honoured). */
  explicitTimestamps: number;
}

const utf8 = new TextDecoder('utf-8');

/** Longest excerpt of a token quoted inside a reason. */
const TOKEN_EXCERPT_BYTES = 64;

class ExpositionScanner {
  readonly s: string;
  readonly om: boolean;
  readonly honorTimestamps: boolean;
  readonly dropCreated: boolean;
  readonly collectMetadata: boolean;
  readonly defaultTimestamp: number;
  readonly maxLineLength: number;
  readonly exemplars: boolean;
  readonly collectTypes: boolean;
  readonly series: TimeSeries[] = [];
  readonly errors = new LineErrorCollector();
  readonly metadata = new Map<string, MetricMetadata>();
  explicitTimestamps = 0;
  /** `<family>_created` of the last TYPE line when it names a counter, summary or histogram; else ''. */
  createdName = '';
  sawEof = false;
  lastFamily: MetricMetadata | undefined = undefined;
  /** Cursor shared by the label scanner and its caller. */
  p = 0;
  /**
   * The proof that no two series have equal label sets (only when `proveDistinct`): every sample line's
   * series written canonically, `name` or `name{a="x",b="y"}` (no blanks, escapes, empty values, empty
   * braces or trailing comma, label names strictly ascending: its length is then exactly what its labels
   * add up to), and that text (by its hash) different on every line. Any doubt clears it; finalizeSeries then merges.
   */
  distinct: boolean;
  readonly keys = new Set<number>();
  /** Set by labelSet: the names came in strictly ascending order and no value was empty. */
  canonicalLabels = true;

  constructor(s: string, opts: ExpositionOptions) {
    this.s = s;
    this.om = opts.openMetrics === true;
    this.honorTimestamps = opts.honorTimestamps !== false;
    this.dropCreated = opts.dropCreatedSeries === true && this.om;
    this.collectMetadata = opts.collectMetadata !== false;
    this.defaultTimestamp = opts.defaultTimestamp;
    this.maxLineLength = opts.maxLineLength ?? Infinity;
    this.exemplars = opts.exemplars === true && this.om;
    this.collectTypes = this.collectMetadata || opts.collectTypes === true;
    this.distinct = opts.proveDistinct === true;
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
      while (end > i && (isBlank(s.charCodeAt(end - 1)) || s.charCodeAt(end - 1) === 13)) end--;
      let p = i;
      while (p < end && isBlank(s.charCodeAt(p))) p++;
      if (p < end) {
        if (this.sawEof) {
          this.fail(line, i, end, 'unexpected content after "# EOF"');
          return;
        }
        const reason = end - i > this.maxLineLength ? `line of ${end - i} characters exceeds max_line_length=${this.maxLineLength}` : s.charCodeAt(p) === 35 ? this.comment(p, end) : this.sample(p, end);
        if (reason !== undefined) this.fail(line, i, end, reason);
      }
      i = lineEnd + 1;
    }
    if (this.om && !this.sawEof) this.fail(line + 1, n, n, 'missing "# EOF" at the end of the OpenMetrics body');
  }

  fail(line: number, start: number, end: number, reason: string): void {
    const cut = Math.min(end, start + 201);
    this.errors.add(() => ({ line, reason, excerpt: excerpt(this.s.slice(start, cut)) }));
  }

  /** A sample line starting at p (not blank, not a comment). Returns why it is invalid, or undefined. */
  sample(p: number, end: number): string | undefined {
    const s = this.s;
    const nameStart = p;
    let c = s.charCodeAt(p);
    if (!(c < 128 && CLASS[c]! & METRIC_START)) {
      return c === 123 ? 'missing metric name before "{"' : `invalid metric name ${this.token(p, end)}`;
    }
    p++;
    while (p < end && (c = s.charCodeAt(p)) < 128 && CLASS[c]! & METRIC_CHAR) p++;
    const name = s.slice(nameStart, p);
    const labels: Label[] = [{ name: METRIC_NAME_LABEL, value: name }];
    let q = p;
    let keyEnd = p;
    while (q < end && isBlank(s.charCodeAt(q))) q++;
    if (q < end && s.charCodeAt(q) === 123) {
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
    if (p < end && s.charCodeAt(p) !== 35) {
      const tsStart = p;
      while (p < end && !isBlank(s.charCodeAt(p))) p++;
      const ts = this.om ? parseSecondsTimestamp(s, tsStart, p) : parseMillisTimestamp(s, tsStart, p);
      if (ts === undefined) return `invalid timestamp ${this.token(tsStart, p)}`;
      while (p < end && isBlank(s.charCodeAt(p))) p++;
      if (p < end && s.charCodeAt(p) !== 35) return `unexpected text after timestamp: ${this.token(p, end)}`;
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
    if (this.dropCreated && name === this.createdName) return undefined;
    const series: TimeSeries = { labels: normalizeLabels(labels), samples: [{ value, timestamp }] };
    if (exemplar !== undefined) series.exemplars = [exemplar];
    this.series.push(series);
    return undefined;
  }

  /** An OpenMetrics exemplar `{labels} value [timestamp]` from p (after the `#`); why it is invalid otherwise. */
  exemplar(p: number, end: number, sampleTimestamp: number): Exemplar | string {
    const s = this.s;
    while (p < end && isBlank(s.charCodeAt(p))) p++;
    if (p >= end || s.charCodeAt(p) !== 123) return 'exemplar: expected "{" after "#"';
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
  checkDistinct(nameStart: number, keyEnd: number, labels: readonly Label[]): void {
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

  /** Label pairs after `{` (this.p) up to and including `}`; leaves this.p after the `}`. */
  labelSet(labels: Label[], end: number): string | undefined {
    const s = this.s;
    let p = this.p;
    this.canonicalLabels = true;
    for (;;) {
      while (p < end && isBlank(s.charCodeAt(p))) p++;
      if (p >= end) return 'missing "}" at the end of the label set';
      let c = s.charCodeAt(p);
      if (c === 125) break;
      if (!(c < 128 && CLASS[c]! & LABEL_START)) {
        return c === 34 ? 'quoted names are not supported' : `invalid label name ${this.token(p, end)}`;
      }
      const nameStart = p++;
      while (p < end && (c = s.charCodeAt(p)) < 128 && CLASS[c]! & LABEL_CHAR) p++;
      const name = s.slice(nameStart, p);
      while (p < end && isBlank(s.charCodeAt(p))) p++;
      if (p >= end || s.charCodeAt(p) !== 61) return `expected "=" after label name "${name}"`;
      p++;
      while (p < end && isBlank(s.charCodeAt(p))) p++;
      if (p >= end || s.charCodeAt(p) !== 34) return `expected a quoted value for label "${name}"`;
      const valueStart = ++p;
      while (p < end && (c = s.charCodeAt(p)) !== 34 && c !== 92) p++;
      let value: string;
      if (p < end && c === 34) {
        value = s.slice(valueStart, p++);
      } else {
        this.p = p;
        const v = this.escapedValue(valueStart, end);
        if (v === undefined) return `missing closing quote for the value of label "${name}"`;
        value = v;
        p = this.p;
      }
      if (value === '' || (labels.length > 1 && !(labels[labels.length - 1]!.name < name))) this.canonicalLabels = false;
      labels.push({ name, value });
      while (p < end && isBlank(s.charCodeAt(p))) p++;
      if (p < end && s.charCodeAt(p) === 44) {
        p++;
        continue;
      }
      if (p < end && s.charCodeAt(p) === 125) break;
      return `expected "," or "}" after the value of label "${name}"`;
    }
    this.p = p + 1;
    return undefined;
  }

  /** Slow path of a label value holding backslashes: this.p is at the first backslash. */
  escapedValue(valueStart: number, end: number): string | undefined {
    const s = this.s;
    let p = this.p;
    let out = s.slice(valueStart, p);
    while (p < end) {
      const c = s.charCodeAt(p);
      if (c === 34) {
        this.p = p + 1;
        return out;
      }
      if (c === 92) {
        if (p + 1 >= end) return undefined;
        const e = s.charCodeAt(p + 1);
        out += e === 92 ? '\\' : e === 34 ? '"' : e === 110 ? '\n' : '\\' + s[p + 1];
        p += 2;
        continue;
      }
      const chunk = p;
      while (p < end && s.charCodeAt(p) !== 34 && s.charCodeAt(p) !== 92) p++;
      out += s.slice(chunk, p);
    }
    return undefined;
  }

  /**
   * A comment line starting with `#` at p. `# EOF` (OpenMetrics) ends the body. HELP, TYPE and UNIT are checked
   * and collected when collectMetadata is set; otherwise comments are ignored, as VictoriaMetrics does (a TYPE
   * line is still read when dropCreatedSeries needs the family type).
   */
  comment(p: number, end: number): string | undefined {
    const s = this.s;
    p++;
    while (p < end && isBlank(s.charCodeAt(p))) p++;
    const kw = keywordAt(s, p, end);
    if (kw === KW_NONE) return undefined;
    if (kw === KW_EOF) {
      if (this.om && p + 3 === end) this.sawEof = true;
      return undefined;
    }
    if (!this.collectMetadata && !(kw === KW_TYPE && (this.dropCreated || this.collectTypes))) return undefined;
    p += 4;
    while (p < end && isBlank(s.charCodeAt(p))) p++;
    const nameStart = p;
    let c = 0;
    while (p < end && (c = s.charCodeAt(p)) < 128 && CLASS[c]! & METRIC_CHAR) p++;
    if (p === nameStart || !(CLASS[s.charCodeAt(nameStart)]! & METRIC_START) || (p < end && !isBlank(c))) {
      return `invalid metric name in ${KEYWORDS[kw]} line`;
    }
    const nameEnd = p;
    while (p < end && isBlank(s.charCodeAt(p))) p++;
    if (kw === KW_TYPE) {
      const type = metricTypeAt(s, p, end);
      if (type === undefined) return `invalid metric type ${excerpt(s.slice(p, end), TOKEN_EXCERPT_BYTES)}`;
      if (this.dropCreated) {
        const ct = type === 'COUNTER' || type === 'SUMMARY' || type === 'HISTOGRAM';
        this.createdName = ct ? s.slice(nameStart, nameEnd) + '_created' : '';
      }
      if (this.collectTypes) this.familyAt(nameStart, nameEnd).type = type;
    } else if (kw === KW_HELP) {
      const text = s.slice(p, end);
      this.familyAt(nameStart, nameEnd).help = text.includes('\\') ? unescapeHelp(text, this.om) : text;
    } else {
      this.familyAt(nameStart, nameEnd).unit = s.slice(p, end);
    }
    return undefined;
  }

  /** The metadata entry of the family named s[start, end), created on first mention. */
  familyAt(start: number, end: number): MetricMetadata {
    const last = this.lastFamily;
    // HELP and TYPE of one family are usually adjacent: skip the slice and the map lookup.
    if (last !== undefined && last.metricFamilyName.length === end - start && this.s.startsWith(last.metricFamilyName, start)) {
      return last;
    }
    const name = this.s.slice(start, end);
    let meta = this.metadata.get(name);
    if (meta === undefined) {
      meta = { type: 'UNKNOWN', metricFamilyName: name, help: '', unit: '' };
      this.metadata.set(name, meta);
    }
    this.lastFamily = meta;
    return meta;
  }

  /** The token at p (up to the next blank), quoted and cut for a reason. */
  token(p: number, end: number): string {
    let q = p;
    while (q < end && !isBlank(this.s.charCodeAt(q))) q++;
    return excerpt(this.s.slice(p, Math.min(q, p + TOKEN_EXCERPT_BYTES + 1)), TOKEN_EXCERPT_BYTES);
  }
}

/**
 * Sorts the labels in place and says why the set is invalid (a repeated name), or undefined. Run it before
 * empty values are dropped, so that `a="",a="1"` is caught too.
 */
export function checkLabelNames(labels: Label[]): string | undefined {
  sortLabels(labels);
  for (let i = 1; i < labels.length; i++) {
    if (labels[i - 1]!.name === labels[i]!.name) return `duplicate label name "${labels[i]!.name}"`;
  }
  return undefined;
}

/**
 * Parses an exposition body into one single-sample TimeSeries per sample line (labels sorted, `__name__` set,
 * empty label values dropped), the family metadata, and one LineError per bad line. Never throws.
 */
export function parseExposition(body: Uint8Array | string, opts: ExpositionOptions): ExpositionResult {
  const text = typeof body === 'string' ? body : utf8.decode(body);
  const scanner = new ExpositionScanner(text, opts);
  scanner.run();
  return {
    series: scanner.series,
    ...scanner.errors.result(),
    metadata: [...scanner.metadata.values()],
    explicitTimestamps: scanner.explicitTimestamps,
    ...(scanner.distinct ? { distinctLabelSets: true } : {}),
  };
}

/** The ParseResult form of parseExposition for push routes: comments are ignored, as VictoriaMetrics does. */
export function parsePrometheusText(
  body: Uint8Array | string,
  opts: { defaultTimestamp: number; openMetrics?: boolean; maxLineLength?: number },
): ParseResult {
  const { series, errors, errorCount } = parseExposition(body, { ...opts, collectMetadata: false });
  return { series, errors, errorCount };
}

/** parsePrometheusText that also tries to prove the series' label sets distinct (`distinctLabelSets`): the import route. */
export function parsePrometheusTextForPush(
  body: Uint8Array | string,
  opts: { defaultTimestamp: number; openMetrics?: boolean; maxLineLength?: number },
): ParseResult {
  const { series, errors, errorCount, distinctLabelSets } = parseExposition(body, { ...opts, collectMetadata: false, proveDistinct: true });
  return distinctLabelSets ? { series, errors, errorCount, distinctLabelSets } : { series, errors, errorCount };
}
