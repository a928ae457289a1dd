/**
 * VictoriaMetrics JSON lines (`/api/v1/import`, the `/api/v1/export` format), one object per line:
 *   {"metric":{"__name__":"x","job":"y"},"values":[1,2.5,null,"NaN","Inf"],"timestamps":[1700000000000,...]}
 * Behaviour follows VictoriaMetrics lib/protoparser/vmimport:
 *   - lines split on \n, a trailing \r dropped, empty lines skipped;
 *   - values: JSON numbers, bare NaN/Inf/-Inf/+Inf (fastjson leniency), null -> NaN, and the strings
 *     "NaN" "nan" "null" "Null" (NaN), "Inf" "inf" "Infinity" "infinity" with an optional leading `-` (±Inf);
 *     any other string, booleans, arrays and objects are errors. NaN is a plain NaN sample, not a staleness
 *     marker (VictoriaMetrics stores it and ignores it in queries; Prometheus stores it as a value).
 *   - timestamps: integer milliseconds (no fraction, no exponent, as fastjson Int64()), required;
 *   - `values` and `timestamps` must be non-empty and of equal length;
 *   - a repeated label name keeps its last value (VictoriaMetrics stores the last one);
 *   - a label value that is not a string is an error (VictoriaMetrics means to refuse it but, through a bug,
 *     silently drops the label, which merges distinct series; we refuse the line instead).
 * Each bad line becomes a LineError; the other lines are kept. Lines whose `metric` object is written
 * identically share one TimeSeries; samples are sorted by timestamp.
 * Never throws.
 */
import { forEachLine, lineError, lineTooLong } from '../lines.ts';
import { LineErrorCollector } from '../common/line-errors.ts';
import { normalizeLabels } from '../../model/labels.ts';
import type { Label, Sample, TimeSeries } from '../../model/types.ts';
import type { ParseResult } from '../types.ts';
import { JsonScanner, JsonSyntaxError } from './json-scan.ts';
import { readTopObject, type LineParts } from './read-line.ts';

export interface JsonLinesOptions {
  /** Lines longer than this many characters are rejected (limit `ingest.max_line_length`); default no limit. */
  maxLineLength?: number;
}

class LineFailure {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

const decoder = new TextDecoder('utf-8');

export function parseJsonLines(body: Uint8Array, opts: JsonLinesOptions = {}): ParseResult {
  const text = decoder.decode(body);
  const bySeries = new Map<string, TimeSeries>();
  const unsorted = new Set<TimeSeries>();
  const errors = new LineErrorCollector();
  forEachLine(text, (start, end, line) => {
    const tooLong = lineTooLong(start, end, opts.maxLineLength);
    const r = tooLong !== undefined ? new LineFailure(tooLong) : parseLine(text, start, end);
    if (r instanceof LineFailure) {
      errors.add(() => lineError(text, start, end, line, r.reason));
      return;
    }
    const known = bySeries.get(r.key);
    if (known === undefined) {
      bySeries.set(r.key, r.series);
    } else {
      const last = known.samples[known.samples.length - 1]!.timestamp;
      if (r.series.samples[0]!.timestamp < last) unsorted.add(known);
      for (const x of r.series.samples) known.samples.push(x);
    }
  });
  for (const ts of unsorted) ts.samples.sort((a, b) => a.timestamp - b.timestamp);
  return { series: [...bySeries.values()], ...errors.result() };
}

/**
 * Whether JsonScanner.readValue could read a value starting with `c` (else it fails on that character):
 * `[ " t f n`, number characters, and `i I N` of inf/nan. -1 (nothing) is a different error.
 */
function canStartValue(c: number): boolean {
  return c === -1 || c === 91 || c === 34 || c === 116 || c === 102 || c === 110 || c === 78 || c === 105 || c === 73 || (c >= 48 && c <= 57) || c === 46 || c === 45 || c === 43 || c === 101 || c === 69;
}

function parseLine(text: string, start: number, end: number): { key: string; series: TimeSeries } | LineFailure {
  const sc = new JsonScanner(text, start, end);
  const parts: LineParts = {
    metric: undefined,
    metricText: '',
    labelError: undefined,
    metricSeen: false,
    values: undefined,
    valueError: undefined,
    timestamps: undefined,
    timestampError: undefined,
  };
  sc.skipWs();
  const first = sc.peek();
  if (first !== 123 && !canStartValue(first)) {
    // What the scanner would throw (readNumberToken), without the throw: a body in another format (`x\n`
    // lines) costs a throw per line otherwise, several times a good line's cost per byte (issue 12).
    return new LineFailure(`cannot parse json line: unexpected character ${JSON.stringify(text.charAt(sc.pos))} at offset ${sc.pos - start}`);
  }
  try {
    if (first === 123) readTopObject(sc, parts);
    else sc.readValue();
    sc.expectEnd();
  } catch (e) {
    if (e instanceof JsonSyntaxError) return new LineFailure(`cannot parse json line: ${e.message}`);
    throw e;
  }
  const series = buildSeries(parts);
  return series instanceof LineFailure ? series : { key: parts.metricText, series };
}

function buildSeries(parts: LineParts): TimeSeries | LineFailure {
  if (parts.metric === undefined) return new LineFailure('missing `metric` object');
  if (parts.labelError !== undefined) return new LineFailure(parts.labelError);
  const labels = parts.metric;
  if (labels.length === 0) return new LineFailure('`metric` object has no labels');
  const values = parts.values;
  if (values === undefined || (values.length === 0 && parts.valueError === undefined)) {
    return new LineFailure('missing `values` array');
  }
  if (parts.valueError !== undefined) return new LineFailure(parts.valueError);
  const timestamps = parts.timestamps;
  if (timestamps === undefined || (timestamps.length === 0 && parts.timestampError === undefined)) {
    return new LineFailure('missing `timestamps` array');
  }
  if (parts.timestampError !== undefined) return new LineFailure(parts.timestampError);
  if (timestamps.length !== values.length) {
    return new LineFailure(
      `\`timestamps\` array size must match \`values\` array size; got ${timestamps.length}; want ${values.length}`,
    );
  }
  const samples: Sample[] = new Array(values.length);
  let sorted = true;
  for (let i = 0; i < values.length; i++) {
    const timestamp = timestamps[i]!;
    samples[i] = { value: values[i]!, timestamp };
    if (i > 0 && timestamp < timestamps[i - 1]!) sorted = false;
  }
  if (!sorted) samples.sort((a, b) => a.timestamp - b.timestamp);
  return { labels: normalizeLabels(labels), samples };
}
