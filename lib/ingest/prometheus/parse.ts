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
import type { FloatBatch } from '../../model/batch.ts';
import { takeBatch } from '../batch-pool.ts';
import { normalizeLabels } from '../../model/labels.ts';
import { addFramedLabels } from '../../model/batch-text.ts';
import type { MetricMetadata, TimeSeries } from '../../model/types.ts';
import type { BatchParseResult, ParseResult } from '../types.ts';
import { ExpositionScanner, type SampleSink } from './scanner.ts';
import { ByteLines } from './byte-lines.ts';
import { SeriesKeys } from './series-keys.ts';

export { checkLabelNames } from './label-set.ts';

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

/** A text sample line is rarely under 48 characters (name, a label or two, value, timestamp): the batch's first size. */
const TEXT_SAMPLE_CHARS = 48;
/** The same guess for a byte body (parseTextBytesBatch): see there. */
const BYTE_SAMPLE_CHARS = 96;
/**
 * Arena bytes per body byte: a line's frame (batch-text.ts) is about a fifth longer than its text (header,
 * `__name__` entry, 6 bytes per label instead of 4 characters, a 20-byte sample), so an arena of the body's size
 * would grow (a copy of all written so far) in every request that takes a new batch. The entry count stays the
 * same (the per-sample guess scales alike).
 */
const FRAME_GROWTH = 1.25;

/**
 * Parses an exposition body into one single-sample TimeSeries per sample line (labels sorted, `__name__` set,
 * empty label values dropped), the family metadata, and one LineError per bad line. Never throws.
 */
export function parseExposition(body: Uint8Array | string, opts: ExpositionOptions): ExpositionResult {
  const text = typeof body === 'string' ? body : utf8.decode(body);
  const series: TimeSeries[] = [];
  const scanner = new ExpositionScanner(text, opts, seriesSink(series));
  scanner.run();
  return {
    series,
    ...scanner.errors.result(),
    metadata: [...scanner.comments.metadata.values()],
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

/**
 * parsePrometheusTextForPush into a FloatBatch (lib/model/batch.ts): the same lines accepted and refused with
 * the same reasons, and batchToSeries(batch) gives the same series. The import route's parser. A byte body in
 * text 0.0.4 is read by byte-lines.ts (its common lines without decoding it); the same batch comes out.
 */
export function parsePrometheusTextBatch(
  body: Uint8Array | string,
  opts: { defaultTimestamp: number; openMetrics?: boolean; maxLineLength?: number },
): BatchParseResult {
  // Text 0.0.4 bytes (the route's case): the common lines read from the bytes (byte-lines.ts).
  if (typeof body !== 'string' && opts.openMetrics !== true) return parseTextBytesBatch(body, opts);
  const text = typeof body === 'string' ? body : utf8.decode(body);
  const batch = takeBatch(text.length * FRAME_GROWTH, TEXT_SAMPLE_CHARS * FRAME_GROWTH);
  // Every line is written as a frame (batch-text.ts); a label before `__name__` clears it.
  batch.framed = true;
  const scanner = new ExpositionScanner(text, { ...opts, collectMetadata: false, proveDistinct: true }, batchSink(batch), batch);
  scanner.run();
  batch.distinct = scanner.distinct;
  return { batch, ...scanner.errors.result() };
}

/**
 * parsePrometheusTextBatch of a text 0.0.4 byte body: its common lines read from the bytes (byte-lines.ts),
 * the others by the ordinary scanner over the body decoded once; `slowLines` counts the latter.
 */
export function parseTextBytesBatch(body: Uint8Array, opts: { defaultTimestamp: number; maxLineLength?: number }): BatchParseResult & { slowLines: number } {
  // Sized for lines of about 96 bytes (a name, a few labels, value and timestamp; comment lines between them
  // count too), not 48: the batch's arrays and the key set are most of what a request allocates outside the
  // heap, and such allocations bring the young-generation collections forward. Shorter lines grow the arrays.
  // The batch from the pool (the pipeline gives it back once packed: lib/ingest/batch-pool.ts) and the key set
  // reused, cleared: the same storage serves request after request.
  const batch = takeBatch(body.length * FRAME_GROWTH, BYTE_SAMPLE_CHARS * FRAME_GROWTH);
  batch.framed = true;
  const keys = byteKeys;
  keys.reset(body.length / BYTE_SAMPLE_CHARS);
  const scanOpts: ExpositionOptions = { ...opts, collectMetadata: false, proveDistinct: true };
  const lines = new ByteLines(body, batch, keys, opts, (s) => new ExpositionScanner(s, scanOpts, batchSink(batch), batch, keys));
  lines.run();
  batch.distinct = lines.distinct;
  return { batch, ...lines.errors(), slowLines: lines.slowLines };
}

/**
 * The distinct proof's key set of parseTextBytesBatch, reused by every call (cleared first): a call is
 * synchronous and nothing keeps the set past it.
 */
const byteKeys = new SeriesKeys();

/** One single-sample TimeSeries per line, empty label values dropped. */
function seriesSink(out: TimeSeries[]): SampleSink {
  return (labels, _name, value, timestamp, exemplar) => {
    const series: TimeSeries = { labels: normalizeLabels(labels), samples: [{ value, timestamp }] };
    if (exemplar !== undefined) series.exemplars = [exemplar];
    out.push(series);
  };
}

/** The same labels as seriesSink, as one batch label set and sample per line (exemplars are not asked for on this path). */
function batchSink(batch: FloatBatch): SampleSink {
  return (labels, name, value, timestamp) => {
    normalizeLabels(labels);
    let k = 0;
    while (labels[k]!.name !== '__name__') k++;
    addFramedLabels(batch, labels, k, name, value, timestamp);
  };
}
