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
 * same metric and tags become one TimeSeries, samples in timestamp order. Duplicate keys: the first wins
 * (fastjson Get), tags included.
 * The body is scanned once without building a tree: only each item's offsets are kept, and an item is
 * parsed again only when a `?details` response asks for it (datapoint()).
 */
import { BadRequestError, excerpt } from '../../errors.ts';
import { METRIC_NAME_LABEL, normalizeLabels } from '../../model/labels.ts';
import type { Label, TimeSeries } from '../../model/types.ts';
import { JsonScanner, JsonSyntaxError, parseJson } from '../jsonline/json-scan.ts';
import { JsonNumber, jsonTypeName, toPlainJson, type JsonValue } from '../jsonline/json-value.ts';
import { parseVmFloat } from '../jsonline/vm-float.ts';
import type { ParseResult } from '../types.ts';
import { LineErrorCollector } from '../common/line-errors.ts';

export interface OpenTsdbOptions {
  /** Unix milliseconds for datapoints without a timestamp (or with 0). */
  now: number;
}

export interface OpenTsdbParseResult extends ParseResult {
  /** How many datapoints the body holds. */
  total: number;
  /** Datapoint `line` (item index + 1) as sent, as plain JSON, for `?details` responses; undefined if none. */
  datapoint(line: number): unknown;
}

/** OpenTSDB's SECOND_MASK: timestamps with none of these bits set are seconds. */
const SECONDS_LIMIT = 2 ** 32;

const decoder = new TextDecoder('utf-8');

/** The `tags` field: an object's pairs in order, or any other value (an error). */
type Tags = { pairs: Array<[string, JsonValue]> } | { other: JsonValue };

interface Ctx {
  now: number;
  bySeries: Map<string, TimeSeries>;
  unsorted: Set<TimeSeries>;
}

export function parseOpenTsdbPut(body: Uint8Array, opts: OpenTsdbOptions): OpenTsdbParseResult {
  const text = decoder.decode(body);
  const ctx: Ctx = { now: opts.now, bySeries: new Map(), unsorted: new Set() };
  const errors = new LineErrorCollector();
  const spans: number[] = [];
  const sc = new JsonScanner(text);
  const item = () => {
    const start = sc.pos;
    const reason = readDatapoint(sc, ctx);
    spans.push(start, sc.pos);
    if (reason !== undefined) {
      const line = spans.length / 2;
      errors.add(() => ({ line, reason, excerpt: excerpt(text.slice(start, Math.min(sc.pos, start + 400))) }));
    }
  };
  try {
    sc.skipWs();
    const c = sc.peek();
    if (c === 123) {
      item();
    } else if (c === 91) {
      sc.pos++;
      sc.skipWs();
      if (sc.peek() === 93) sc.pos++;
      else {
        for (;;) {
          sc.skipWs();
          item();
          if (sc.itemEnd(93)) break;
        }
      }
    } else {
      const v = sc.readValue();
      sc.expectEnd();
      throw new BadRequestError(`opentsdb: OpenTSDB JSON must be either object or array; got ${jsonTypeName(v)}`);
    }
    sc.expectEnd();
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new BadRequestError(`opentsdb: cannot parse HTTP OpenTSDB json: ${e.message}`);
    throw e;
  }
  for (const ts of ctx.unsorted) ts.samples.sort((a, b) => a.timestamp - b.timestamp);
  return {
    series: [...ctx.bySeries.values()],
    ...errors.result(),
    total: spans.length / 2,
    datapoint(line: number): unknown {
      const i = (line - 1) * 2;
      if (!Number.isInteger(line) || i < 0 || i >= spans.length) return undefined;
      return toPlainJson(parseJson(text, spans[i]!, spans[i + 1]!));
    },
  };
}

/** A field value; a number token that converts is kept as its number (no intermediate object). */
type Field = number | JsonValue;

/** VictoriaMetrics getFloat64: a number token, or a string holding a number. */
function getFloat(v: Field): number | string {
  if (typeof v === 'number') return v;
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

/** Reads a scalar field value without building containers for the common cases. */
function readField(sc: JsonScanner): Field {
  const c = sc.peek();
  if ((c >= 48 && c <= 57) || c === 45) {
    const raw = sc.readNumberToken();
    return parseVmFloat(raw) ?? new JsonNumber(raw);
  }
  if (c === 34) return sc.readString();
  return sc.readValue(2);
}

/** Reads one datapoint (cursor on its first character) and adds its sample; returns the reason if it is bad. */
function readDatapoint(sc: JsonScanner, ctx: Ctx): string | undefined {
  if (sc.peek() !== 123) return `datapoint must be an object; got ${jsonTypeName(sc.readValue(1))}`;
  let metric: Field | undefined;
  let rawTs: Field | undefined;
  let rawValue: Field | undefined;
  let tags: Tags | undefined;
  sc.pos++;
  sc.skipWs();
  if (sc.peek() === 125) sc.pos++;
  else {
    for (;;) {
      const key = sc.readKey();
      if (key === 'metric' && metric === undefined) metric = readField(sc);
      else if (key === 'timestamp' && rawTs === undefined) rawTs = readField(sc);
      else if (key === 'value' && rawValue === undefined) rawValue = readField(sc);
      else if (key === 'tags' && tags === undefined) tags = sc.peek() === 123 ? { pairs: sc.readObjectPairs(2) } : { other: sc.readValue(2) };
      else sc.readValue(2);
      if (sc.itemEnd(125)) break;
    }
  }
  return addDatapoint(metric, rawTs, rawValue, tags, ctx);
}

function addDatapoint(
  metric: Field | undefined,
  rawTs: Field | undefined,
  rawValue: Field | undefined,
  tags: Tags | undefined,
  ctx: Ctx,
): string | undefined {
  if (typeof metric !== 'string' || metric === '') return 'missing `metric`';

  let timestamp = ctx.now;
  if (rawTs !== undefined) {
    const t = getFloat(rawTs);
    if (typeof t === 'string') return `invalid \`timestamp\`: ${t}`;
    if (!Number.isFinite(t)) return `invalid \`timestamp\`: not finite`;
    const n = Math.trunc(t);
    if (n < 0) return `invalid \`timestamp\`: negative timestamp ${n}`;
    if (n !== 0) timestamp = n < SECONDS_LIMIT ? n * 1000 : n;
    if (!Number.isSafeInteger(timestamp)) return `invalid \`timestamp\`: out of range`;
  }

  if (rawValue === undefined) return 'missing `value`';
  const value = getFloat(rawValue);
  if (typeof value === 'string') return `invalid \`value\`: ${value}`;

  let key = metric;
  if (tags !== undefined) {
    if ('other' in tags) return `invalid \`tags\`: must be an object; got ${jsonTypeName(tags.other)}`;
    for (const [k, v] of tags.pairs) {
      if (typeof v !== 'string') return `invalid \`tags\`: tag value must be string; got ${jsonTypeName(v)} for tag ${JSON.stringify(k)}`;
      key += '\u0000' + k + '\u0001' + v;
    }
  }

  let ts = ctx.bySeries.get(key);
  if (ts === undefined) {
    const labels: Label[] = [{ name: METRIC_NAME_LABEL, value: metric }];
    if (tags !== undefined && 'pairs' in tags) {
      for (const [k, v] of tags.pairs) {
        if (k !== '' && typeof v === 'string' && v !== '' && !hasLabel(labels, k)) labels.push({ name: k, value: v });
      }
    }
    ts = { labels: normalizeLabels(labels), samples: [] };
    ctx.bySeries.set(key, ts);
  } else if (ts.samples[ts.samples.length - 1]!.timestamp > timestamp) {
    ctx.unsorted.add(ts);
  }
  ts.samples.push({ value, timestamp });
  return undefined;
}

function hasLabel(labels: readonly Label[], name: string): boolean {
  for (const l of labels) if (l.name === name) return true;
  return false;
}
