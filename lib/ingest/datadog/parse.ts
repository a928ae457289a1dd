import { BadRequestError, excerpt } from '../../errors.ts';
import type { Sample, TimeSeries } from '../../model/types.ts';
import type { ParseResult } from '../types.ts';
import { LineErrorCollector } from '../common/line-errors.ts';
import { datadogLabels, datadogMetricName, type DatadogNamingOptions, type DatadogSeriesIdentity } from './labels.ts';
import { decodeDatadogProtobuf } from './protobuf.ts';
import { checkJsonNesting, DATADOG_MAX_JSON_DEPTH } from '../common/json-depth.ts';
import { datadogMillis, type DatadogSeries } from './series.ts';
import type { DatadogOptions } from './options.ts';

export { validateDatadogOptions, type DatadogOptions } from './options.ts';

export interface DatadogParseOptions extends DatadogOptions {
  /** Milliseconds since the epoch: the timestamp of points whose timestamp is missing or <= 0. */
  now: number;
}

function naming(opts: DatadogOptions): DatadogNamingOptions {
  return { sanitizeMetricName: opts.sanitizeMetricName ?? true, prometheusNaming: opts.prometheusNaming ?? false };
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? s.slice(0, 60) + '…' : s;
}

function parseJsonBody(body: Uint8Array, version: 'v1' | 'v2'): unknown[] {
  let doc: unknown;
  checkJsonNesting(body, DATADOG_MAX_JSON_DEPTH, `datadog: ${version} series JSON body`);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(body);
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new BadRequestError(`datadog: cannot parse ${version} series JSON body: ${(err as Error).message.slice(0, 200)}`);
  }
  if (!isObj(doc)) throw new BadRequestError(`datadog: ${version} series body must be a JSON object with a "series" array, got ${show(doc)}`);
  if (doc.series === undefined || doc.series === null) return [];
  if (!Array.isArray(doc.series)) throw new BadRequestError(`datadog: ${version} series body: "series" must be an array, got ${show(doc.series)}`);
  return doc.series;
}

/** Reads the identity fields shared by v1 and v2 JSON series; returns an error text for a wrong type. */
function readIdentity(o: Obj, version: 'v1' | 'v2'): DatadogSeriesIdentity | string {
  if (typeof o.metric !== 'string' || o.metric === '') return `"metric" must be a non-empty string, got ${show(o.metric)}`;
  const tags = o.tags ?? [];
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string')) return `"tags" must be an array of strings, got ${show(o.tags)}`;
  const id: DatadogSeriesIdentity = { metric: o.metric, tags: tags as string[] };
  const optionalString = (key: string): string | undefined | false => {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'string' ? v : false;
  };
  const keys = version === 'v1' ? (['host', 'device'] as const) : (['source_type_name'] as const);
  for (const key of keys) {
    const v = optionalString(key);
    if (v === false) return `"${key}" must be a string, got ${show(o[key])}`;
    if (v !== undefined) {
      if (key === 'source_type_name') id.sourceTypeName = v;
      else id[key] = v;
    }
  }
  if (version === 'v2' && o.resources !== undefined && o.resources !== null) {
    const rs = o.resources;
    if (!Array.isArray(rs) || rs.some((r) => !isObj(r) || typeof r.name !== 'string' || typeof r.type !== 'string')) {
      return `"resources" must be an array of {"name": string, "type": string}, got ${show(rs)}`;
    }
    id.resources = (rs as Obj[]).map((r) => ({ type: r.type as string, name: r.name as string }));
  }
  return id;
}

/** v1 point `[seconds, value]`; returns an error text when malformed. */
function readPointV1(p: unknown, now: number): Sample | string {
  if (!Array.isArray(p) || p.length < 2) return `expected [timestamp, value], got ${show(p)}`;
  const [ts, value] = p as unknown[];
  if (ts !== null && typeof ts !== 'number') return `timestamp must be a number of seconds, got ${show(ts)}`;
  if (typeof value !== 'number') return `value must be a number, got ${show(value)}`;
  const ms = datadogMillis(ts, now);
  return ms === undefined ? `timestamp ${show(ts)} is out of range` : { value, timestamp: ms };
}

/** v2 point `{"timestamp": seconds, "value": v}`. */
function readPointV2(p: unknown, now: number): Sample | string {
  if (!isObj(p)) return `expected {"timestamp": seconds, "value": number}, got ${show(p)}`;
  const ts = p.timestamp;
  if (ts !== undefined && ts !== null && typeof ts !== 'number') return `timestamp must be a number of seconds, got ${show(ts)}`;
  if (typeof p.value !== 'number') return `value must be a number, got ${show(p.value)}`;
  const ms = datadogMillis(ts as number | null | undefined, now);
  return ms === undefined ? `timestamp ${show(ts)} is out of range` : { value: p.value, timestamp: ms };
}

function readJsonSeries(items: unknown[], version: 'v1' | 'v2', now: number, errors: LineErrorCollector): DatadogSeries[] {
  const out: DatadogSeries[] = [];
  const readPoint = version === 'v1' ? readPointV1 : readPointV2;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const fail = (reason: string, what: unknown): void => {
      errors.add(() => ({ line: i + 1, reason: `series[${i}]: ${reason}`, excerpt: excerpt(JSON.stringify(what) ?? '') }));
    };
    if (!isObj(item)) {
      fail(`expected an object, got ${show(item)}`, item);
      continue;
    }
    const id = readIdentity(item, version);
    if (typeof id === 'string') {
      fail(id, item);
      continue;
    }
    const raw = item.points ?? [];
    if (!Array.isArray(raw)) {
      fail(`"points" must be an array, got ${show(raw)}`, item);
      continue;
    }
    const points: Sample[] = [];
    for (let j = 0; j < raw.length; j++) {
      const s = readPoint(raw[j], now);
      if (typeof s === 'string') fail(`${JSON.stringify(id.metric)}: points[${j}]: ${s}`, raw[j]);
      else points.push(s);
    }
    out.push({ ...id, index: i, points });
  }
  return out;
}

/** DataDog series (any version, decoded) -> time series, one per item with points; bad names are reported. */
export function datadogSeriesToTimeSeries(items: readonly DatadogSeries[], opts: DatadogOptions, errors: LineErrorCollector): TimeSeries[] {
  const n = naming(opts);
  const out: TimeSeries[] = [];
  for (let i = 0; i < items.length; i++) {
    const s = items[i]!;
    const at = s.index;
    if (s.points.length === 0) continue;
    const name = datadogMetricName(s.metric, n);
    if (name === '' || name === '.' || /^[._]+$/.test(name)) {
      errors.add(() => ({ line: at + 1, reason: `series[${at}]: metric name ${JSON.stringify(s.metric)} sanitises to the invalid name ${JSON.stringify(name)}`, excerpt: excerpt(s.metric) }));
      continue;
    }
    const samples = s.points;
    for (let j = 1; j < samples.length; j++) {
      if (samples[j - 1]!.timestamp > samples[j]!.timestamp) {
        samples.sort((a, b) => a.timestamp - b.timestamp);
        break;
      }
    }
    out.push({ labels: datadogLabels(s, name, n), samples });
  }
  return out;
}

/**
 * `POST /api/v1/series` JSON: `{"series":[{"metric","points":[[ts,value]],"tags","host","device",...}]}`.
 * Throws BadRequestError when the body is not such an object; bad series and points are reported in `errors`.
 */
export function parseDatadogV1Series(body: Uint8Array, opts: DatadogParseOptions): ParseResult {
  const errors = new LineErrorCollector();
  const items = readJsonSeries(parseJsonBody(body, 'v1'), 'v1', opts.now, errors);
  const series = datadogSeriesToTimeSeries(items, opts, errors);
  return { series, errors: errors.errors.sort((a, b) => a.line - b.line), errorCount: errors.count };
}

/**
 * `POST /api/v2/series`: JSON (`{"series":[{"metric","points":[{"timestamp","value"}],"resources","tags"}]}`)
 * or the Agent's protobuf MetricPayload. Throws BadRequestError when the body is neither.
 */
export function parseDatadogV2Series(body: Uint8Array, opts: DatadogParseOptions & { format: 'json' | 'protobuf' }): ParseResult {
  const errors = new LineErrorCollector();
  const items = opts.format === 'protobuf' ? decodeDatadogProtobuf(body, opts.now, errors) : readJsonSeries(parseJsonBody(body, 'v2'), 'v2', opts.now, errors);
  const series = datadogSeriesToTimeSeries(items, opts, errors);
  return { series, errors: errors.errors.sort((a, b) => a.line - b.line), errorCount: errors.count };
}
