/**
 * Graphite plaintext lines, `metric.path[;tag=value...] value [timestamp]`, as VictoriaMetrics parses them
 * (lib/protoparser/graphite):
 *   - lines split on \n, a trailing \r dropped, empty lines skipped;
 *   - fields separated by runs of spaces or tabs (carbon-c-relay accepts tabs); the metric must start the
 *     line (leading whitespace leaves an empty metric: an error); whitespace after the last field is ignored;
 *   - tags after `;` are `name=value`; a tag with an empty name or value (or without `=`) is dropped;
 *   - the value uses fastfloat syntax (see parseVmFloat): `-1.5`, `1e3`, `.5`, `inf`, `nan`; a leading `+`
 *     is refused;
 *   - the timestamp is Unix seconds, fractions truncated (Graphite's carbon accepts floats); a missing
 *     timestamp, 0 or -1 means `now`; anything after the timestamp is an error.
 * The metric name keeps its dots (`foo.bar.baz` is the `__name__`), as VictoriaMetrics does.
 * Lines with the same metric-and-tags text become one TimeSeries, samples in timestamp order.
 * Deviation: VictoriaMetrics refuses `metric value ` (trailing whitespace, no timestamp); we accept it.
 * Never throws.
 */
import { forEachLine, indexOfIn, lineError, lineTooLong } from '../lines.ts';
import { LineErrorCollector } from '../common/line-errors.ts';
import { METRIC_NAME_LABEL, normalizeLabels } from '../../model/labels.ts';
import type { Label, TimeSeries } from '../../model/types.ts';
import { parseVmFloat } from '../jsonline/vm-float.ts';
import type { ParseResult } from '../types.ts';

export interface GraphiteOptions {
  /** Unix milliseconds for lines without a timestamp (or with 0 or -1). */
  now: number;
  /** Lines longer than this many characters are rejected (limit `ingest.max_line_length`); default no limit. */
  maxLineLength?: number;
}

const decoder = new TextDecoder('utf-8');

function isSep(c: number): boolean {
  return c === 32 || c === 9;
}

export function parseGraphite(body: Uint8Array, opts: GraphiteOptions): ParseResult {
  const text = decoder.decode(body);
  const errors = new LineErrorCollector();
  const bySeries = new Map<string, TimeSeries>();
  const unsorted = new Set<TimeSeries>();
  forEachLine(text, (start, end, line) => {
    const reason = lineTooLong(start, end, opts.maxLineLength) ?? parseLine(text, start, end, opts.now, bySeries, unsorted);
    if (reason !== undefined) errors.add(() => lineError(text, start, end, line, reason));
  });
  for (const ts of unsorted) ts.samples.sort((a, b) => a.timestamp - b.timestamp);
  return { series: [...bySeries.values()], ...errors.result() };
}

/** Adds the line's sample; returns the reason when the line is bad. */
function parseLine(
  text: string,
  start: number,
  end: number,
  now: number,
  bySeries: Map<string, TimeSeries>,
  unsorted: Set<TimeSeries>,
): string | undefined {
  // Trailing whitespace is insignificant.
  while (end > start && isSep(text.charCodeAt(end - 1))) end--;
  let p = start;
  while (p < end && !isSep(text.charCodeAt(p))) p++;
  if (p >= end) return 'cannot find separator between metric and value';
  const metricAndTags = text.slice(start, p);
  while (p < end && isSep(text.charCodeAt(p))) p++;
  const valueStart = p;
  while (p < end && !isSep(text.charCodeAt(p))) p++;
  const valueText = text.slice(valueStart, p);
  while (p < end && isSep(text.charCodeAt(p))) p++;
  const tsText = text.slice(p, end);

  const semi = metricAndTags.indexOf(';');
  const metric = semi < 0 ? metricAndTags : metricAndTags.slice(0, semi);
  if (metric === '') return 'metric cannot be empty';
  const value = parseVmFloat(valueText);
  if (value === undefined) return `cannot unmarshal value from ${JSON.stringify(valueText)}`;
  let timestamp = now;
  if (tsText !== '') {
    const t = parseVmFloat(tsText);
    if (t === undefined || !Number.isFinite(t)) return `cannot unmarshal timestamp from ${JSON.stringify(tsText)}`;
    const secs = Math.trunc(t);
    if (secs !== 0 && secs !== -1) {
      timestamp = secs * 1000;
      if (!Number.isSafeInteger(timestamp)) return `timestamp out of range: ${JSON.stringify(tsText)}`;
    }
  }

  let ts = bySeries.get(metricAndTags);
  if (ts === undefined) {
    const labels: Label[] = [{ name: METRIC_NAME_LABEL, value: metric }];
    if (semi >= 0) addTags(labels, metricAndTags, semi + 1);
    ts = { labels: normalizeLabels(labels), samples: [] };
    bySeries.set(metricAndTags, ts);
  } else if (ts.samples[ts.samples.length - 1]!.timestamp > timestamp) {
    unsorted.add(ts);
  }
  ts.samples.push({ value, timestamp });
  return undefined;
}

function addTags(labels: Label[], s: string, from: number): void {
  let p = from;
  while (p <= s.length) {
    let q = indexOfIn(s, 59 /* ; */, p, s.length);
    if (q < 0) q = s.length;
    // Bounded by q: an indexOf to the end of the token per tag made `a;x;x;x...` quadratic (issue 12).
    const eq = indexOfIn(s, 61 /* = */, p, q);
    if (eq >= 0) {
      const name = s.slice(p, eq);
      const value = s.slice(eq + 1, q);
      if (name !== '' && value !== '') labels.push({ name, value });
    }
    p = q + 1;
  }
}
