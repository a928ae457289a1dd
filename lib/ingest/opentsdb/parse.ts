/**
 * OpenTSDB HTTP `/api/put` bodies: one datapoint object or an array of them,
 *   {"metric":"sys.cpu.nice","timestamp":1346846400,"value":18,"tags":{"host":"web01"}}
 * Behaviour follows VictoriaMetrics lib/protoparser/opentsdbhttp (fastjson leniencies, see json-scan.ts):
 *   - a body that is not JSON, or whose top level is neither object nor array, is a BadRequestError (400);
 *     OpenTSDB likewise discards the whole request when the content cannot be parsed;
 *   - metric: a non-empty string, kept as is (dots included: `sys.cpu.nice` is the `__name__`);
 *   - timestamp: optional; a number, or a string holding one; fractions truncated; missing or 0 means `now`;
 *     below 2^32 it is seconds, otherwise milliseconds (OpenTSDB's SECOND_MASK rule); negative is an error
 *     (OpenTSDB refuses it; VictoriaMetrics would take it as milliseconds);
 *   - value: required; a number (bare NaN/Inf accepted) or a string holding one (best-effort parse);
 *   - tags: optional object; values must be strings; a tag with an empty name or value is dropped
 *     (OpenTSDB requires at least one tag; VictoriaMetrics does not, nor do we).
 * Bad datapoints become LineErrors with line = item index + 1; the others are kept. Datapoints with the
 * same metric and tags become one TimeSeries, samples in timestamp order.
 */
import { BadRequestError, excerpt } from '../../errors.ts';
import { METRIC_NAME_LABEL, normalizeLabels } from '../../model/labels.ts';
import type { Label, TimeSeries } from '../../model/types.ts';
import { JsonNumber, JsonSyntaxError, jsonTypeName, parseJson, stringifyJsonValue, type JsonValue } from '../jsonline/json-scan.ts';
import { parseVmFloat } from '../jsonline/vm-float.ts';
import type { LineError, ParseResult } from '../types.ts';

export interface OpenTsdbOptions {
  /** Unix milliseconds for datapoints without a timestamp (or with 0). */
  now: number;
}

export interface OpenTsdbParseResult extends ParseResult {
  /** The datapoints as sent, in body order (line N is datapoints[N - 1]); for `?details` responses. */
  datapoints: readonly JsonValue[];
}

/** OpenTSDB's SECOND_MASK: timestamps with none of these bits set are seconds. */
const SECONDS_LIMIT = 2 ** 32;

const decoder = new TextDecoder('utf-8');

export function parseOpenTsdbPut(body: Uint8Array, opts: OpenTsdbOptions): OpenTsdbParseResult {
  let root: JsonValue;
  try {
    root = parseJson(decoder.decode(body));
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new BadRequestError(`opentsdb: cannot parse HTTP OpenTSDB json: ${e.message}`);
    throw e;
  }
  let datapoints: JsonValue[];
  if (root instanceof Map) datapoints = [root];
  else if (Array.isArray(root)) datapoints = root;
  else throw new BadRequestError(`opentsdb: OpenTSDB JSON must be either object or array; got ${jsonTypeName(root)}`);

  const errors: LineError[] = [];
  const bySeries = new Map<string, TimeSeries>();
  const unsorted = new Set<TimeSeries>();
  for (let i = 0; i < datapoints.length; i++) {
    const dp = datapoints[i]!;
    const reason = addDatapoint(dp, opts.now, bySeries, unsorted);
    if (reason !== undefined) errors.push({ line: i + 1, reason, excerpt: excerpt(stringifyJsonValue(dp)) });
  }
  for (const ts of unsorted) ts.samples.sort((a, b) => a.timestamp - b.timestamp);
  return { series: [...bySeries.values()], errors, datapoints };
}

/** VictoriaMetrics getFloat64: a number token, or a string parsed best-effort (0 only from "0" / "0.0"). */
function getFloat(v: JsonValue): number | string {
  if (v instanceof JsonNumber) {
    const f = parseVmFloat(v.raw);
    return f === undefined ? `invalid number ${JSON.stringify(v.raw)}` : f;
  }
  if (typeof v === 'string') {
    const f = parseVmFloat(v);
    if (f === undefined) return `invalid float64 value: ${JSON.stringify(v)}`;
    return f;
  }
  return `value doesn't contain float64; it contains ${jsonTypeName(v)}`;
}

function addDatapoint(dp: JsonValue, now: number, bySeries: Map<string, TimeSeries>, unsorted: Set<TimeSeries>): string | undefined {
  if (!(dp instanceof Map)) return `datapoint must be an object; got ${jsonTypeName(dp)}`;
  const metric = dp.get('metric');
  if (typeof metric !== 'string' || metric === '') return 'missing `metric`';

  let timestamp = now;
  const rawTs = dp.get('timestamp');
  if (rawTs !== undefined) {
    const t = getFloat(rawTs);
    if (typeof t === 'string') return `invalid \`timestamp\`: ${t}`;
    if (!Number.isFinite(t)) return `invalid \`timestamp\`: not finite`;
    const n = Math.trunc(t);
    if (n < 0) return `invalid \`timestamp\`: negative timestamp ${n}`;
    if (n !== 0) timestamp = n < SECONDS_LIMIT ? n * 1000 : n;
    if (!Number.isSafeInteger(timestamp)) return `invalid \`timestamp\`: out of range`;
  }

  const rawValue = dp.get('value');
  if (rawValue === undefined) return 'missing `value`';
  const value = getFloat(rawValue);
  if (typeof value === 'string') return `invalid \`value\`: ${value}`;

  const labels: Label[] = [{ name: METRIC_NAME_LABEL, value: metric }];
  let key = metric;
  const tags = dp.get('tags');
  if (tags !== undefined) {
    if (!(tags instanceof Map)) return `invalid \`tags\`: must be an object; got ${jsonTypeName(tags)}`;
    for (const [k, v] of tags) {
      if (typeof v !== 'string') return `invalid \`tags\`: tag value must be string; got ${jsonTypeName(v)} for tag ${JSON.stringify(k)}`;
      if (k === '' || v === '') continue;
      labels.push({ name: k, value: v });
      key += '\u0000' + k + '\u0001' + v;
    }
  }

  let ts = bySeries.get(key);
  if (ts === undefined) {
    ts = { labels: normalizeLabels(labels), samples: [] };
    bySeries.set(key, ts);
  } else if (ts.samples[ts.samples.length - 1]!.timestamp > timestamp) {
    unsorted.add(ts);
  }
  ts.samples.push({ value, timestamp });
  return undefined;
}
