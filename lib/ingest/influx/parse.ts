import { forEachByteLine, forEachLine, lineError, utf8Text } from '../lines.ts';
import { LineErrorCollector } from '../common/line-errors.ts';
import { sortLabels } from '../../model/labels.ts';
import { FloatBatch } from '../../model/batch.ts';
import { takeBatch } from '../batch-pool.ts';
import { addNamedSample } from '../../model/batch-text.ts';
import { addByteSet, addJoinedByteSample, compareBytes } from './batch-bytes.ts';
import { InfluxLineScan, seriesKeyHash } from './direct.ts';
import { LineNames } from './line-names.ts';
import type { Label, TimeSeries } from '../../model/types.ts';
import type { BatchParseResult, ParseResult } from '../types.ts';
import { parseFieldValue, parseInfluxPrecision, timestampToMs, type InfluxPrecision } from './values.ts';

export { parseInfluxPrecision, timestampToMs, type InfluxPrecision };

export interface InfluxParseOptions {
  /** Milliseconds since the epoch for lines without a timestamp. */
  now: number;
  /** The `precision` query argument, already validated by influxPrecisionToMs. */
  precision: InfluxPrecision;
  /** Labels added to every series (the `db` label); they do not override tags. */
  extraLabels?: readonly Label[];
  /** Lines longer than this many characters are rejected (limit `max_line_length`). */
  maxLineLength: number;
}

/**
 * Parses InfluxDB line protocol into one series per numeric field, named `<measurement>_<field>` (the
 * VictoriaMetrics and vmagent convention), tags as labels. String fields carry no sample and are skipped.
 * Bad lines are reported in `errors` with their 1-based line number; good lines are still returned so that
 * the caller can apply InfluxDB's partial-write convention.
 */
export function parseInfluxLines(body: string, opts: InfluxParseOptions): ParseResult {
  const series: TimeSeries[] = [];
  const { errors, distinct } = parseWith(body, opts, new LineParser(opts, seriesSink(series, opts.extraLabels)));
  return distinct ? { series, ...errors.result(), distinctLabelSets: true } : { series, ...errors.result() };
}

/**
 * parseInfluxLines into a FloatBatch (lib/model/batch.ts): the same lines accepted and refused with the same
 * reasons, and batchToSeries(batch) gives the same series, their labels sorted; a line's fields share one label set.
 * The body is read as bytes (a request's body: its text is what TextDecoder gives, a leading byte order mark
 * dropped) or as text (encoded to UTF-8 first; with a lone surrogate, read by the ordinary parser only). Lines in
 * their common form are scanned and written from the bytes (direct.ts); every other line is decoded alone and
 * read by the ordinary parser, with its number and its text in the error.
 */
export function parseInfluxBatch(body: string | Uint8Array, opts: InfluxParseOptions): BatchParseResult {
  if (typeof body !== 'string') return parseBytes(body, hasByteOrderMark(body) ? 3 : 0, opts);
  if (isWellFormed(body)) return parseBytes(Buffer.from(body, 'utf8'), 0, opts);
  const batch = FloatBatch.forBody(body.length, 24);
  const { errors, distinct } = parseWith(body, opts, new LineParser(opts, batchSink(batch, opts.extraLabels)));
  batch.distinct = distinct;
  return { batch, ...errors.result() };
}

function parseBytes(body: Uint8Array, from: number, opts: InfluxParseOptions): BatchParseResult {
  // A field (`name=value,`) with its share of the line's tags and timestamp: about 24 bytes.
  const batch = takeBatch(body.length - from, 24);
  const p = new LineParser(opts, batchSink(batch, opts.extraLabels), batch);
  const errors = new LineErrorCollector();
  const max = opts.maxLineLength;
  forEachByteLine(body, from, (start, end, line) => {
    // A line the scan takes is ASCII: as many characters as bytes. At most max bytes is at most max characters.
    if (end - start <= max && p.parseDirect(body, start, end)) return;
    const text = utf8Text(body, start, end);
    const reason = text.length > max ? `line of ${text.length} characters exceeds max_line_length=${max}` : p.parseLine(text, 0, text.length);
    if (reason !== undefined) errors.add(() => lineError(text, 0, text.length, line, reason));
  });
  batch.distinct = p.distinctLabelSets();
  return { batch, ...errors.result() };
}

function hasByteOrderMark(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;
}

/** No lone surrogate: UTF-8 encoding keeps the text (String#isWellFormed, ES2024). */
function isWellFormed(s: string): boolean {
  return (s as string & { isWellFormed(): boolean }).isWellFormed();
}

function parseWith(body: string, opts: InfluxParseOptions, p: LineParser): { errors: LineErrorCollector; distinct: boolean } {
  const errors = new LineErrorCollector();
  forEachLine(body, (start, end, line) => {
    const reason = end - start > opts.maxLineLength ? `line of ${end - start} characters exceeds max_line_length=${opts.maxLineLength}` : p.parseLine(body, start, end);
    if (reason !== undefined) errors.add(() => lineError(body, start, end, line, reason));
  });
  return { errors, distinct: p.distinctLabelSets() };
}

/** Where a parsed line's samples go: one call per valid line. */
type LineSink = (measurement: string, tags: Label[], fieldNames: readonly string[], fieldValues: readonly number[], timestamp: number) => void;

/** One TimeSeries per field: `__name__` first, then the tags, then the extra labels the tags lack. */
function seriesSink(out: TimeSeries[], extra: readonly Label[] | undefined): LineSink {
  return (measurement, tags, fieldNames, fieldValues, timestamp) => {
    for (let f = 0; f < fieldNames.length; f++) {
      const labels: Label[] = [{ name: '__name__', value: measurement + '_' + fieldNames[f] }];
      for (const t of tags) labels.push(t);
      if (extra) for (const e of extra) if (!tags.some((t) => t.name === e.name)) labels.push(e);
      out.push({ labels, samples: [{ value: fieldValues[f]!, timestamp }] });
    }
  };
}

/** The same labels as seriesSink, stably sorted, as one batch label set per line. */
function batchSink(batch: FloatBatch, extra: readonly Label[] | undefined): LineSink {
  return (measurement, tags, fieldNames, fieldValues, timestamp) => {
    if (extra) for (const e of extra) if (!tags.some((t) => t.name === e.name)) tags.push(e);
    const set = batch.addLabelSet(sortLabels(tags));
    for (let f = 0; f < fieldNames.length; f++) batch.addSample(set, measurement, fieldNames[f]!, fieldValues[f]!, timestamp);
  };
}

/** Extra labels the one-pass path can merge (addByteSet): names strictly ascending, none empty or `__name__`, values non-empty. */
function canonicalExtra(extra: readonly Label[] | undefined): boolean {
  if (extra === undefined) return true;
  for (let k = 0; k < extra.length; k++) {
    const e = extra[k]!;
    if (e.name === '' || e.value === '' || e.name === '__name__' || (k > 0 && !(extra[k - 1]!.name < e.name))) return false;
  }
  return true;
}

/** Node's Buffer#latin1Slice: an ASCII range of the body as a string, without a Buffer. */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, from: number, to: number): string }).latin1Slice;

/** Past this many distinct measurements in a request, the distinct-label-sets proof is not attempted. */
const MAX_MEASUREMENTS_FOR_DISTINCT = 64;

const SPACE = 32;
const COMMA = 44;
const EQ = 61;
const BACKSLASH = 92;
const QUOTE = 34;
const HASH = 35;
const TAB = 9;

class LineParser {
  private readonly opts: InfluxParseOptions;
  private readonly sink: LineSink;
  private s = '';
  private i = 0;
  private end = 0;
  /**
   * The proof that no two series of the request have equal label sets (so finalizeSeries need not look for
   * them): every line's measurement and tags written without backslashes, tags in strictly ascending key
   * order and none named like an extra label, field names unique within the line, the text before the
   * fields (by its hash) different on every line, and no measurement equal to another plus `_` and more (`m_a` + field `b`
   * and `m` + field `a_b` both name `m_a_b`). Any doubt clears `distinct`; the merge then runs as before.
   */
  private distinct = true;
  private sawBackslash = false;
  private readonly keys = new Set<number>();
  private readonly measurements = new Set<string>();
  private lastMeasurement = '';
  /** The batch lines in their common form are written to in one pass (direct.ts), or undefined. */
  private readonly direct: FloatBatch | undefined;
  private readonly scan: InfluxLineScan;
  private readonly names = new LineNames();

  constructor(opts: InfluxParseOptions, sink: LineSink, direct?: FloatBatch) {
    this.opts = opts;
    this.sink = sink;
    this.direct = direct !== undefined && canonicalExtra(opts.extraLabels) ? direct : undefined;
    this.scan = new InfluxLineScan(opts.now, opts.precision);
  }

  /**
   * A line of the body's bytes, when it is blank, a comment or in the common form (taken by the scan and
   * written to the batch); false: the caller decodes it and calls parseLine.
   */
  parseDirect(b: Uint8Array, start: number, end: number): boolean {
    let i = start;
    while (i < end && (b[i] === SPACE || b[i] === TAB)) i++;
    if (i === end || b[i] === HASH) return true;
    if (this.direct === undefined || !this.scan.scanBytes(b, i, end)) return false;
    this.writeDirect(b, this.direct);
    return true;
  }

  /** Parses one line (without its newline) the ordinary way; returns the reason it is invalid, or undefined. */
  parseLine(s: string, start: number, end: number): string | undefined {
    this.s = s;
    this.i = start;
    this.end = end;
    while (this.i < end && (s.charCodeAt(this.i) === SPACE || s.charCodeAt(this.i) === TAB)) this.i++;
    if (this.i === end || s.charCodeAt(this.i) === HASH) return undefined;

    const keyStart = this.i;
    this.sawBackslash = false;
    const measurement = this.readToken(true);
    if (measurement === '') return 'missing measurement';
    const tags: Label[] = [];
    let ordered = true;
    while (this.i < end && s.charCodeAt(this.i) === COMMA) {
      this.i++;
      const key = this.readToken(false);
      if (this.i >= end || s.charCodeAt(this.i) !== EQ) return `missing tag value for tag key "${key}"`;
      this.i++;
      const value = this.readToken(false);
      if (key === '') return 'missing tag key';
      if (value === '') return `missing tag value for tag key "${key}"`;
      if (tags.length && !(tags[tags.length - 1]!.name < key)) ordered = false;
      tags.push({ name: key, value });
    }
    if (this.i >= end || s.charCodeAt(this.i) !== SPACE) return 'missing fields';
    const keyEnd = this.i;
    while (this.i < end && s.charCodeAt(this.i) === SPACE) this.i++;

    const fieldNames: string[] = [];
    const fieldValues: number[] = [];
    for (;;) {
      const key = this.readToken(false);
      if (key === '') return 'missing field key';
      if (this.i >= end || s.charCodeAt(this.i) !== EQ) return `missing field value for field "${key}"`;
      this.i++;
      if (this.i >= end) return `missing field value for field "${key}"`;
      if (s.charCodeAt(this.i) === QUOTE) {
        const problem = this.skipString();
        if (problem) return `field "${key}": ${problem}`;
      } else {
        const vStart = this.i;
        while (this.i < end && s.charCodeAt(this.i) !== COMMA && s.charCodeAt(this.i) !== SPACE) this.i++;
        const raw = s.slice(vStart, this.i);
        const v = parseFieldValue(raw);
        if (v === undefined) return `invalid field value ${JSON.stringify(raw)} for field "${key}"`;
        fieldNames.push(key);
        fieldValues.push(v);
      }
      if (this.i < end && s.charCodeAt(this.i) === COMMA) {
        this.i++;
        continue;
      }
      break;
    }

    let timestamp = this.opts.now;
    while (this.i < end && s.charCodeAt(this.i) === SPACE) this.i++;
    if (this.i < end) {
      let tEnd = end;
      while (tEnd > this.i && s.charCodeAt(tEnd - 1) === SPACE) tEnd--;
      const raw = s.slice(this.i, tEnd);
      const ts = timestampToMs(raw, this.opts.precision);
      if (ts === undefined) return `invalid timestamp ${JSON.stringify(raw)}`;
      timestamp = ts;
    }

    if (this.distinct) this.checkDistinct(s, keyStart, keyEnd, measurement, tags, ordered, fieldNames);
    if (fieldNames.length) this.sink(measurement, tags, fieldNames, fieldValues, timestamp);
    return undefined;
  }

  /** A line `scan` took: the proof's checks as checkDistinct makes them, then the batch. */
  private writeDirect(s: Uint8Array, batch: FloatBatch): void {
    const l = this.scan;
    const extra = this.opts.extraLabels;
    // Lines of a body mostly repeat the previous line's measurement and field names: then their `__name__`
    // entries are already in the arena, and the names are known to be unique within the line.
    const names = this.names;
    const same = names.sameAs(s, l);
    if (!same) names.take(s, l);
    if (this.distinct) {
      if (extra?.length) for (let k = 0; k < l.tagCount; k++) for (const e of extra) if (compareBytes(s, l.tags[4 * k]!, l.tags[4 * k + 1]!, e.name) === 0) this.distinct = false;
      if (names.repeated) this.distinct = false;
      if (this.distinct) {
        const key = l.keyHash;
        if (this.keys.has(key)) this.distinct = false;
        this.keys.add(key);
        if (compareBytes(s, l.keyStart, l.measurementEnd, this.lastMeasurement) !== 0) {
          this.lastMeasurement = latin1Slice.call(s, l.keyStart, l.measurementEnd);
          this.measurements.add(this.lastMeasurement);
          if (this.measurements.size > MAX_MEASUREMENTS_FOR_DISTINCT) this.distinct = false;
        }
      }
    }
    const set = addByteSet(batch, s, l.tags, l.tagCount, extra?.length ? extra : undefined);
    if (same) {
      for (let f = 0; f < l.fieldCount; f++) addNamedSample(batch, set, names.start[f]!, names.end[f]!, l.values[f]!, l.timestamp);
      return;
    }
    for (let f = 0; f < l.fieldCount; f++) {
      names.start[f] = batch.used;
      addJoinedByteSample(batch, set, s, l.keyStart, l.measurementEnd, l.fields[2 * f]!, l.fields[2 * f + 1]!, l.values[f]!, l.timestamp);
      names.end[f] = batch.used;
    }
  }

  /** Keeps `distinct` only while the line keeps the proof (see `distinct`). */
  private checkDistinct(s: string, keyStart: number, keyEnd: number, measurement: string, tags: readonly Label[], ordered: boolean, fieldNames: readonly string[]): void {
    if (this.sawBackslash || !ordered) return void (this.distinct = false);
    const extra = this.opts.extraLabels;
    if (extra?.length) for (const t of tags) for (const e of extra) if (t.name === e.name) return void (this.distinct = false);
    for (let a = 1; a < fieldNames.length; a++) for (let b = 0; b < a; b++) if (fieldNames[a] === fieldNames[b]) return void (this.distinct = false);
    // A hash of the text, not the text: two lines that only share a hash cost the proof, never correctness.
    const key = seriesKeyHash(s, keyStart, keyEnd);
    if (this.keys.has(key)) return void (this.distinct = false);
    this.keys.add(key);
    if (measurement !== this.lastMeasurement) {
      this.lastMeasurement = measurement;
      this.measurements.add(measurement);
      if (this.measurements.size > MAX_MEASUREMENTS_FOR_DISTINCT) this.distinct = false;
    }
  }

  /** True when no two series parsed so far have equal label sets (the proof in `distinct`). */
  distinctLabelSets(): boolean {
    if (!this.distinct) return false;
    const ms = [...this.measurements];
    for (const a of ms) for (const b of ms) if (a !== b && b.startsWith(a + '_')) return false;
    return true;
  }

  /** Reads a measurement, tag key/value or field key up to an unescaped separator, unescaping `\,` `\=` `\ `. */
  private readToken(measurement: boolean): string {
    const s = this.s;
    const start = this.i;
    let out: string | undefined;
    let chunk = start;
    while (this.i < this.end) {
      const c = s.charCodeAt(this.i);
      if (c === BACKSLASH) this.sawBackslash = true;
      if (c === BACKSLASH && this.i + 1 < this.end) {
        const next = s.charCodeAt(this.i + 1);
        if (next === COMMA || next === SPACE || (next === EQ && !measurement) || next === BACKSLASH) {
          out = (out ?? '') + s.slice(chunk, this.i) + s[this.i + 1];
          this.i += 2;
          chunk = this.i;
          continue;
        }
      }
      if (c === COMMA || c === SPACE || (c === EQ && !measurement)) break;
      this.i++;
    }
    return out === undefined ? s.slice(start, this.i) : out + s.slice(chunk, this.i);
  }

  private skipString(): string | undefined {
    const s = this.s;
    this.i++;
    while (this.i < this.end) {
      const c = s.charCodeAt(this.i);
      if (c === BACKSLASH) {
        this.i += 2;
        continue;
      }
      if (c === QUOTE) {
        this.i++;
        return undefined;
      }
      this.i++;
    }
    return 'unterminated string field value';
  }
}
