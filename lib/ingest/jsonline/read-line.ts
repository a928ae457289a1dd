/**
 * Field readers for one `/api/v1/import` line (see parse.ts for the accepted forms). They consume JSON with
 * the scanner and record value/label problems in LineParts instead of stopping, so that a syntax error
 * anywhere in the line wins over them, as in VictoriaMetrics (which parses the whole line first).
 */
import type { Label } from '../../model/types.ts';
import { JsonScanner } from './json-scan.ts';
import { JsonNumber, jsonTypeName } from './json-value.ts';
import { parseVmFloat, parseVmInt } from './vm-float.ts';

/** Value errors are kept aside until the whole line proved to be valid JSON (VictoriaMetrics parses first). */
export interface LineParts {
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

export function readTopObject(sc: JsonScanner, parts: LineParts): void {
  sc.pos++; // {
  sc.skipWs();
  if (sc.peek() === 125) {
    sc.pos++;
    return;
  }
  let valuesSeen = false;
  let timestampsSeen = false;
  for (;;) {
    const key = sc.readKey();
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
    if (sc.itemEnd(125)) return;
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
      const name = sc.readKey();
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
      if (sc.itemEnd(125)) break;
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
    if (sc.itemEnd(93)) return;
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
