/**
 * CSV bodies of VictoriaMetrics `/api/v1/import/csv`, described by parseCsvFormat(). Behaviour follows
 * VictoriaMetrics lib/protoparser/csvimport:
 *   - lines split on \n, a trailing \r dropped, empty lines skipped; a quoted field cannot span lines;
 *   - a field starting with `"` is quoted, `""` inside it is a quote, and a comma (or the line end) must
 *     follow the closing quote; other fields run to the next comma (quotes inside them are literal);
 *   - a comma at the end of the line yields an empty last column (VictoriaMetrics issue 4048);
 *   - columns beyond the format are ignored; an empty metric value skips that metric only; a line whose
 *     metric values are all empty yields nothing; a line with too few columns is an error only when no
 *     metric value was found in it;
 *   - a timestamp of 0, an empty time field, or no time column means `now` (VictoriaMetrics fills zero
 *     timestamps, and its best-effort integer parsing turns an empty field into 0);
 *   - the first line is taken as a header and skipped, without error, when a metric or time column of it
 *     does not parse (VictoriaMetrics issue 10666, header detection);
 *   - one bad value or timestamp rejects the whole line (LineError).
 * Rows with the same metric and label values become one TimeSeries, samples in timestamp order.
 * Never throws.
 */
import { forEachLine, indexOfIn, lineError, lineTooLong } from '../lines.ts';
import { LineErrorCollector } from '../common/line-errors.ts';
import { METRIC_NAME_LABEL, normalizeLabels } from '../../model/labels.ts';
import type { Label, TimeSeries } from '../../model/types.ts';
import { parseVmFloat } from '../jsonline/vm-float.ts';
import type { ParseResult } from '../types.ts';
import type { CsvColumns } from './format.ts';

export interface CsvOptions {
  columns: CsvColumns;
  /** Unix milliseconds used for rows without a timestamp (or with 0). */
  now: number;
  /** Lines longer than this many characters are rejected (limit `ingest.max_line_length`); default no limit. */
  maxLineLength?: number;
}

const decoder = new TextDecoder('utf-8');

interface Row {
  /** Metric names and values found in the row, in column order. */
  names: string[];
  values: number[];
  labelValues: string[];
  labelNames: string[];
  timestamp: number;
}

class RowFailure {
  readonly reason: string;
  /** True when a metric or time column failed to parse (what makes a first line a header). */
  readonly valueFailure: boolean;
  constructor(reason: string, valueFailure: boolean) {
    this.reason = reason;
    this.valueFailure = valueFailure;
  }
}

export function parseCsv(body: Uint8Array, opts: CsvOptions): ParseResult {
  const text = decoder.decode(body);
  const { columns, now } = opts;
  const errors = new LineErrorCollector();
  const bySeries = new Map<string, TimeSeries>();
  const unsorted = new Set<TimeSeries>();
  let firstLine = true;
  forEachLine(text, (start, end, line) => {
    const tooLong = lineTooLong(start, end, opts.maxLineLength);
    const row = tooLong !== undefined ? new RowFailure(tooLong, false) : parseRow(text, start, end, columns);
    if (row instanceof RowFailure) {
      if (!(firstLine && row.valueFailure)) errors.add(() => lineError(text, start, end, line, row.reason));
    } else {
      addRow(row, now, bySeries, unsorted);
    }
    firstLine = false;
  });
  for (const ts of unsorted) ts.samples.sort((a, b) => a.timestamp - b.timestamp);
  return { series: [...bySeries.values()], ...errors.result() };
}

function addRow(row: Row, now: number, bySeries: Map<string, TimeSeries>, unsorted: Set<TimeSeries>): void {
  const timestamp = row.timestamp === 0 ? now : row.timestamp;
  const labelKey = row.labelValues.join('\u0001');
  for (let i = 0; i < row.names.length; i++) {
    const name = row.names[i]!;
    const key = name + '\u0000' + labelKey;
    let ts = bySeries.get(key);
    if (ts === undefined) {
      const labels: Label[] = [{ name: METRIC_NAME_LABEL, value: name }];
      for (let j = 0; j < row.labelNames.length; j++) labels.push({ name: row.labelNames[j]!, value: row.labelValues[j]! });
      ts = { labels: normalizeLabels(labels), samples: [] };
      bySeries.set(key, ts);
    } else if (ts.samples[ts.samples.length - 1]!.timestamp > timestamp) {
      unsorted.add(ts);
    }
    ts.samples.push({ value: row.values[i]!, timestamp });
  }
}

function parseRow(text: string, start: number, end: number, columns: CsvColumns): Row | RowFailure {
  const row: Row = { names: [], values: [], labelValues: [], labelNames: [], timestamp: 0 };
  let col = 0;
  let p = start;
  let more = true; // whether another column starts at p
  while (more) {
    let field: string;
    if (p < end && text.charCodeAt(p) === 34) {
      // Quoted field.
      let q = p + 1;
      let hasEscapedQuote = false;
      for (;;) {
        const c = indexOfIn(text, 34, q, end);
        if (c < 0) return new RowFailure(`missing closing quote in column ${col + 1}`, false);
        if (c + 1 < end && text.charCodeAt(c + 1) === 34) {
          hasEscapedQuote = true;
          q = c + 2;
          continue;
        }
        field = text.slice(p + 1, c);
        if (hasEscapedQuote) field = field.replaceAll('""', '"');
        if (c + 1 === end) {
          more = false;
          p = end;
        } else if (text.charCodeAt(c + 1) === 44) {
          p = c + 2;
        } else {
          return new RowFailure(`missing comma after quoted field in column ${col + 1}`, false);
        }
        break;
      }
    } else {
      let c = indexOfIn(text, 44, p, end);
      if (c < 0) {
        c = end;
        more = false;
      }
      field = text.slice(p, c);
      p = c + 1;
    }
    if (col >= columns.length) {
      col++;
      continue; // superfluous column
    }
    const cd = columns[col];
    col++;
    if (cd === undefined) continue;
    switch (cd.kind) {
      case 'time': {
        if (field === '') break; // empty timestamp: now, like 0
        const t = cd.parse(field);
        if (typeof t === 'string') return new RowFailure(`cannot parse timestamp from ${JSON.stringify(field)}: ${t}`, true);
        row.timestamp = t;
        break;
      }
      case 'label':
        row.labelNames.push(cd.name);
        row.labelValues.push(field);
        break;
      case 'metric': {
        if (field === '') break; // empty value: this metric is skipped
        const v = parseVmFloat(field);
        if (v === undefined) {
          return new RowFailure(`cannot parse metric value for ${JSON.stringify(cd.name)} from ${JSON.stringify(field)}`, true);
        }
        row.names.push(cd.name);
        row.values.push(v);
        break;
      }
    }
  }
  if (col < columns.length && row.names.length === 0) {
    return new RowFailure(`missing columns in the csv line; got ${col} columns; want at least ${columns.length} columns`, false);
  }
  return row;
}
