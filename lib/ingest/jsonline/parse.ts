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
import { excerpt } from '../../errors.ts';
import { normalizeLabels } from '../../model/labels.ts';
import type { Label, Sample, TimeSeries } from '../../model/types.ts';
import type { LineError, ParseResult } from '../types.ts';
import { JsonNumber, JsonScanner, JsonSyntaxError, jsonTypeName } from './json-scan.ts';
import { parseVmFloat, parseVmInt } from './vm-float.ts';

export type JsonLinesOptions = Record<string, never>;

class LineFailure {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

const decoder = new TextDecoder('utf-8');

export function parseJsonLines(body: Uint8Array, _opts: JsonLinesOptions = {}): ParseResult {
  const text = decoder.decode(body);
  const bySeries = new Map<string, TimeSeries>();
  const unsorted = new Set<TimeSeries>();
  const errors: LineError[] = [];
  let lineNo = 0;
  let start = 0;
  while (start < text.length) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    lineNo++;
    let end = nl;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    if (end > start) {
      const r = parseLine(text, start, end);
      if (r instanceof LineFailure) {
        errors.push({ line: lineNo, reason: r.reason, excerpt: excerpt(text.slice(start, Math.min(end, start + 400))) });
      } else {
        const known = bySeries.get(r.key);
        if (known === undefined) {
          bySeries.set(r.key, r.series);
        } else {
          const last = known.samples[known.samples.length - 1]!.timestamp;
          if (r.series.samples[0]!.timestamp < last) unsorted.add(known);
          for (const x of r.series.samples) known.samples.push(x);
        }
      }
    }
    start = nl + 1;
  }
  for (const ts of unsorted) ts.samples.sort((a, b) => a.timestamp - b.timestamp);
  return { series: [...bySeries.values()], errors };
}

/** Value errors are kept aside until the whole line proved to be valid JSON (VictoriaMetrics parses first). */
interface LineParts {
  /** The `metric` labels, or undefined when `metric` is missing or not an object. */
  metric: Label[] | undefined;
  /** The `metric` object as written: lines with the same text share one TimeSeries. */
  metricText: string;
  labelError: string | undefined;
  metricSeen: boolean;
  values: number[] | undefined;
  valueError: string | undefined;
  timestamps: number[] | undefined;
  timestampError: string | undefined;
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
  try {
    sc.skipWs();
    if (sc.peek() === 123) readTopObject(sc, parts);
    else sc.readValue();
    sc.expectEnd();
  } catch (e) {
    if (e instanceof JsonSyntaxError) return new LineFailure(`cannot parse json line: ${e.message}`);
    throw e;
  }
  const series = buildSeries(parts);
  return series instanceof LineFailure ? series : { key: parts.metricText, series };
}

function readTopObject(sc: JsonScanner, parts: LineParts): void {
  sc.pos++; // {
  sc.skipWs();
  if (sc.peek() === 125) {
    sc.pos++;
    return;
  }
  let valuesSeen = false;
  let timestampsSeen = false;
  for (;;) {
    sc.skipWs();
    if (sc.peek() !== 34) sc.fail('expected string key in object');
    const key = sc.readString();
    sc.skipWs();
    sc.expectChar(58, ': after object key');
    sc.skipWs();
    const c = sc.peek();
    if (key === 'metric' && !parts.metricSeen) {
      parts.metricSeen = true;
      const metricStart = sc.pos;
      if (c === 123) {
        readMetric(sc, parts);
        parts.metricText = sc.s.slice(metricStart, sc.pos);
      }
      else sc.readValue();
    } else if (key === 'values' && !valuesSeen) {
      valuesSeen = true;
      if (c === 91) readValues(sc, parts);
      else sc.readValue();
    } else if (key === 'timestamps' && !timestampsSeen) {
      timestampsSeen = true;
      if (c === 91) readTimestamps(sc, parts);
      else sc.readValue();
    } else {
      sc.readValue(1);
    }
    sc.skipWs();
    const d = sc.peek();
    if (d === 44) {
      sc.pos++;
      continue;
    }
    if (d === 125) {
      sc.pos++;
      return;
    }
    sc.fail(d < 0 ? 'missing } at the end of object' : 'expected , or } in object');
  }
}

/** Reads the `metric` object into labels; a repeated name keeps its last value (what VictoriaMetrics stores). */
function readMetric(sc: JsonScanner, parts: LineParts): void {
  const labels: Label[] = [];
  sc.pos++; // {
  sc.skipWs();
  if (sc.peek() === 125) sc.pos++;
  else {
    for (;;) {
      sc.skipWs();
      if (sc.peek() !== 34) sc.fail('expected string key in object');
      const name = sc.readString();
      sc.skipWs();
      sc.expectChar(58, ': after object key');
      sc.skipWs();
      if (sc.peek() === 34) {
        const value = sc.readString();
        for (let i = 0; i < labels.length; i++) {
          if (labels[i]!.name === name) {
            labels.splice(i, 1);
            break;
          }
        }
        labels.push({ name, value });
      } else {
        const v = sc.readValue(2);
        parts.labelError ??= `cannot unmarshal \`metric\`: value of label ${JSON.stringify(name)} must be a string; got ${jsonTypeName(v)}`;
      }
      sc.skipWs();
      const d = sc.peek();
      if (d === 44) {
        sc.pos++;
        continue;
      }
      if (d === 125) {
        sc.pos++;
        break;
      }
      sc.fail(d < 0 ? 'missing } at the end of object' : 'expected , or } in object');
    }
  }
  parts.metric = labels;
}

/** Reads `[...]` calling onItem for each element with the cursor on it; onItem must consume the element. */
function readArrayItems(sc: JsonScanner, onItem: (index: number) => void): void {
  sc.pos++; // [
  sc.skipWs();
  if (sc.peek() === 93) {
    sc.pos++;
    return;
  }
  for (let i = 0; ; i++) {
    sc.skipWs();
    onItem(i);
    sc.skipWs();
    const c = sc.peek();
    if (c === 44) {
      sc.pos++;
      continue;
    }
    if (c === 93) {
      sc.pos++;
      return;
    }
    sc.fail(c < 0 ? 'missing ] at the end of array' : 'expected , or ] in array');
  }
}

function readValues(sc: JsonScanner, parts: LineParts): void {
  const out: number[] = [];
  readArrayItems(sc, (i) => {
    const c = sc.peek();
    let v: number | undefined;
    let bad: string | undefined;
    if ((c >= 48 && c <= 57) || c === 45) {
      // Fast path for the common case: a number token, converted without an intermediate JsonNumber.
      const raw = sc.readNumberToken();
      v = parseVmFloat(raw);
      if (v === undefined) bad = `unsupported value type: number; value=${JSON.stringify(raw)}`;
    } else if (c === 34) {
      const s = sc.readString();
      v = specialFloatFromString(s);
      if (v === undefined) bad = `unsupported string: ${JSON.stringify(s)}`;
    } else if (c === 123 || c === 91 || c === 116 || c === 102) {
      const x = sc.readValue(2);
      bad = `unsupported value type: ${jsonTypeName(x)}`;
    } else {
      const x = sc.readValue(2);
      if (x === null) v = NaN;
      else if (x instanceof JsonNumber) {
        v = parseVmFloat(x.raw);
        if (v === undefined) bad = `unsupported value type: number; value=${JSON.stringify(x.raw)}`;
      }
    }
    if (bad !== undefined) {
      if (parts.valueError === undefined) parts.valueError = `cannot unmarshal value at position ${i}: ${bad}`;
    } else if (v !== undefined) {
      out.push(v);
    }
  });
  parts.values = out;
}

function readTimestamps(sc: JsonScanner, parts: LineParts): void {
  const out: number[] = [];
  readArrayItems(sc, (i) => {
    const c = sc.peek();
    const x = (c >= 48 && c <= 57) || c === 45 ? new JsonNumber(sc.readNumberToken()) : sc.readValue(2);
    let ts: number | undefined;
    let bad: string | undefined;
    if (x instanceof JsonNumber) {
      ts = parseVmInt(x.raw);
      if (ts === undefined) bad = `not an integer millisecond timestamp: ${JSON.stringify(x.raw)}`;
    } else {
      bad = `value doesn't contain number; it contains ${jsonTypeName(x)}`;
    }
    if (bad !== undefined) {
      if (parts.timestampError === undefined) parts.timestampError = `cannot unmarshal timestamp at position ${i}: ${bad}`;
    } else if (ts !== undefined) {
      out.push(ts);
    }
  });
  parts.timestamps = out;
}

/** VictoriaMetrics getSpecialFloat64FromString. */
function specialFloatFromString(s: string): number | undefined {
  let minus = false;
  let t = s;
  if (t.charCodeAt(0) === 45) {
    minus = true;
    t = t.slice(1);
  }
  switch (t) {
    case 'infinity':
    case 'Infinity':
    case 'Inf':
    case 'inf':
      return minus ? -Infinity : Infinity;
    case 'null':
    case 'Null':
    case 'nan':
    case 'NaN':
      return NaN;
    default:
      return undefined;
  }
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
