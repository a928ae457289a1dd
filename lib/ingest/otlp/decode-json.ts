import { BadRequestError } from '../../errors.ts';
import { MAX_ATTRIBUTE_DEPTH } from './decode-protobuf.ts';
import { checkJsonNesting, OTLP_MAX_JSON_DEPTH } from '../common/json-depth.ts';
import { exemplarIdHex, formatAttributeDouble, goJsonString, nanosStringToMillis } from './format.ts';
import type {
  Attribute,
  ExponentialBuckets,
  ExponentialHistogramPoint,
  HistogramPoint,
  MetricData,
  MetricModel,
  NumberPoint,
  OtlpExemplar,
  ResourceModel,
  SummaryPoint,
} from './model.ts';

/**
 * OTLP/JSON (the protobuf JSON mapping as OTLP specifies it): lowerCamelCase keys (the original snake_case
 * names are accepted too, as every proto3 JSON parser must), 64-bit integers as decimal strings or numbers,
 * enums as integers or their names, doubles as numbers or "NaN"/"Infinity"/"-Infinity", bytes as base64.
 * Unknown keys are ignored (OTLP receivers MUST ignore them). A value of the wrong JSON type rejects the whole
 * body, like a malformed protobuf body, with a BadRequestError naming the path.
 */
type Obj = Record<string, unknown>;

function fail(path: string, want: string, got: unknown): never {
  let shown: string;
  try {
    shown = JSON.stringify(got) ?? String(got);
  } catch {
    shown = typeof got;
  }
  if (shown.length > 80) shown = shown.slice(0, 80) + '…';
  throw new BadRequestError(`otlp: JSON body: ${path}: expected ${want}, got ${shown}`);
}

function field(o: Obj, camel: string, snake?: string): unknown {
  const v = o[camel];
  if (v !== undefined || snake === undefined) return v;
  return o[snake];
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, path: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) fail(path, 'an object', v);
  return v;
}

function arr(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(path, 'an array', v);
  return v;
}

function str(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') fail(path, 'a string', v);
  return v;
}

function bool(v: unknown, path: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') fail(path, 'true or false', v);
  return v;
}

/** 2^64 - 1 as the nearest double: larger JSON numbers are not uint64 nanoseconds. */
const MAX_UINT64 = 18446744073709551615;

const INT_STRING = /^-?[0-9]{1,20}$/;

/** int64/uint64/fixed64 as a number (precision beyond 2^53 is lost, as for any count in a float sample). */
function int64(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && INT_STRING.test(v)) return Number(v);
  return fail(path, 'an integer (number or decimal string)', v);
}

function uint32(v: unknown, path: string): number {
  const n = int64(v, path);
  if (n < 0 || n > 0xffffffff) fail(path, 'a uint32', v);
  return n;
}

function int64String(v: unknown, path: string): string {
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (typeof v === 'string' && INT_STRING.test(v)) return v.replace(/^(-?)0+(?=\d)/, '$1');
  return fail(path, 'an integer (number or decimal string)', v);
}

function nanosToMillis(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_UINT64) return Math.floor(v / 1e6);
  if (typeof v === 'string') {
    const ms = nanosStringToMillis(v);
    if (ms !== undefined) return ms;
  }
  return fail(path, 'unsigned nanoseconds (number or decimal string)', v);
}

function double(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = v.trim() === '' ? NaN : Number(v);
    if (!Number.isNaN(n)) return n;
  }
  return fail(path, 'a number', v);
}

const TEMPORALITY_NAMES: Readonly<Record<string, number>> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};

function temporality(v: unknown, path: string): number {
  if (typeof v === 'string' && v in TEMPORALITY_NAMES) return TEMPORALITY_NAMES[v]!;
  return int64(v, path);
}

function anyValueJson(v: unknown, path: string, depth: number): string {
  if (depth > MAX_ATTRIBUTE_DEPTH) throw new BadRequestError(`otlp: attribute value nested deeper than ${MAX_ATTRIBUTE_DEPTH} levels`);
  const o = obj(v, path);
  if (o === undefined) return 'null';
  if (o.stringValue !== undefined || o.string_value !== undefined) return goJsonString(str(field(o, 'stringValue', 'string_value'), path));
  if (o.boolValue !== undefined || o.bool_value !== undefined) return String(bool(field(o, 'boolValue', 'bool_value'), path));
  if (o.intValue !== undefined || o.int_value !== undefined) return int64String(field(o, 'intValue', 'int_value'), path);
  if (o.doubleValue !== undefined || o.double_value !== undefined) {
    const d = double(field(o, 'doubleValue', 'double_value'), path);
    return Number.isFinite(d) ? String(d) : 'null';
  }
  if (o.bytesValue !== undefined || o.bytes_value !== undefined) return goJsonString(str(field(o, 'bytesValue', 'bytes_value'), path));
  const av = field(o, 'arrayValue', 'array_value');
  if (av !== undefined && av !== null) {
    const values = arr(obj(av, path + '.arrayValue')?.values, path + '.arrayValue.values');
    return '[' + values.map((x, i) => anyValueJson(x, `${path}.arrayValue.values[${i}]`, depth + 1)).join(',') + ']';
  }
  const kv = field(o, 'kvlistValue', 'kvlist_value');
  if (kv !== undefined && kv !== null) {
    const values = arr(obj(kv, path + '.kvlistValue')?.values, path + '.kvlistValue.values');
    const pairs = values.map((x, i) => {
      const p = `${path}.kvlistValue.values[${i}]`;
      const e = obj(x, p) ?? {};
      return { key: str(e.key, p + '.key'), json: anyValueJson(e.value, p + '.value', depth + 1) };
    });
    pairs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return '{' + pairs.map((p) => goJsonString(p.key) + ':' + p.json).join(',') + '}';
  }
  return 'null';
}

function anyValueString(v: unknown, path: string): string {
  const o = obj(v, path);
  if (o === undefined) return '';
  if (o.stringValue !== undefined || o.string_value !== undefined) return str(field(o, 'stringValue', 'string_value'), path + '.stringValue');
  if (o.boolValue !== undefined || o.bool_value !== undefined) return String(bool(field(o, 'boolValue', 'bool_value'), path + '.boolValue'));
  if (o.intValue !== undefined || o.int_value !== undefined) return int64String(field(o, 'intValue', 'int_value'), path + '.intValue');
  if (o.doubleValue !== undefined || o.double_value !== undefined) {
    return formatAttributeDouble(double(field(o, 'doubleValue', 'double_value'), path + '.doubleValue'));
  }
  if (o.bytesValue !== undefined || o.bytes_value !== undefined) return str(field(o, 'bytesValue', 'bytes_value'), path + '.bytesValue');
  const composite = field(o, 'arrayValue', 'array_value') ?? field(o, 'kvlistValue', 'kvlist_value');
  if (composite !== undefined && composite !== null) return anyValueJson(o, path, 0);
  return '';
}

function attributes(v: unknown, path: string): Attribute[] {
  const list = arr(v, path);
  const out: Attribute[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const p = `${path}[${i}]`;
    const kv = obj(list[i], p) ?? {};
    out[i] = { key: str(kv.key, p + '.key'), value: anyValueString(kv.value, p + '.value') };
  }
  return out;
}

interface Base {
  attributes: Attribute[];
  timestamp: number;
  startTimestamp: number;
  flags: number;
  exemplars: OtlpExemplar[];
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;
/** Shared by every point without exemplars; never written to (the translator only reads exemplars). */
const NO_EXEMPLARS: OtlpExemplar[] = [];

/** OTLP/JSON writes trace and span ids as hex strings (not base64, unlike other bytes fields). */
function idHex(v: unknown, size: number, what: string, path: string): string {
  const s = str(v, path);
  if (!HEX.test(s)) fail(path, `a hex ${what}`, v);
  return exemplarIdHex(Buffer.from(s, 'hex'), size, what);
}

function exemplar(o: Obj, path: string): OtlpExemplar {
  const d = field(o, 'asDouble', 'as_double');
  const n = field(o, 'asInt', 'as_int');
  let value: number | undefined;
  if (d !== undefined && d !== null) value = double(d, path + '.asDouble');
  else if (n !== undefined && n !== null) value = int64(n, path + '.asInt');
  return {
    value,
    timestamp: nanosToMillis(field(o, 'timeUnixNano', 'time_unix_nano'), path + '.timeUnixNano'),
    traceId: idHex(field(o, 'traceId', 'trace_id'), 16, 'trace_id', path + '.traceId'),
    spanId: idHex(field(o, 'spanId', 'span_id'), 8, 'span_id', path + '.spanId'),
    filteredAttributes: attributes(field(o, 'filteredAttributes', 'filtered_attributes'), path + '.filteredAttributes'),
  };
}

/** `withExemplars` false for summary points, which have no exemplars field (an `exemplars` key is unknown there, so ignored). */
function pointBase(o: Obj, path: string, withExemplars = true): Base {
  return {
    attributes: attributes(o.attributes, path + '.attributes'),
    timestamp: nanosToMillis(field(o, 'timeUnixNano', 'time_unix_nano'), path + '.timeUnixNano'),
    startTimestamp: nanosToMillis(field(o, 'startTimeUnixNano', 'start_time_unix_nano'), path + '.startTimeUnixNano'),
    flags: uint32(o.flags, path + '.flags'),
    // Most points carry none: no array per point then.
    exemplars: !withExemplars || o.exemplars === undefined || o.exemplars === null ? NO_EXEMPLARS : points(o.exemplars, path + '.exemplars', exemplar),
  };
}

function points<T>(v: unknown, path: string, each: (o: Obj, p: string) => T): T[] {
  return arr(v, path).map((x, i) => {
    const p = `${path}[${i}]`;
    return each(obj(x, p) ?? {}, p);
  });
}

function numberPoint(o: Obj, path: string): NumberPoint {
  const b = pointBase(o, path) as NumberPoint;
  const d = field(o, 'asDouble', 'as_double');
  const n = field(o, 'asInt', 'as_int');
  if (d !== undefined && d !== null) b.value = double(d, path + '.asDouble');
  else if (n !== undefined && n !== null) b.value = int64(n, path + '.asInt');
  else b.value = undefined;
  return b;
}

function histogramPoint(o: Obj, path: string): HistogramPoint {
  const b = pointBase(o, path) as HistogramPoint;
  b.count = int64(o.count, path + '.count');
  b.sum = o.sum === undefined || o.sum === null ? undefined : double(o.sum, path + '.sum');
  b.bucketCounts = arr(field(o, 'bucketCounts', 'bucket_counts'), path + '.bucketCounts').map((c, i) => int64(c, `${path}.bucketCounts[${i}]`));
  b.explicitBounds = arr(field(o, 'explicitBounds', 'explicit_bounds'), path + '.explicitBounds').map((c, i) =>
    double(c, `${path}.explicitBounds[${i}]`),
  );
  return b;
}

function buckets(v: unknown, path: string): ExponentialBuckets {
  const o = obj(v, path);
  if (o === undefined) return { offset: 0, bucketCounts: [] };
  const offset = int64(o.offset, path + '.offset');
  if (offset < -0x80000000 || offset > 0x7fffffff) fail(path + '.offset', 'an int32', o.offset);
  return {
    offset,
    bucketCounts: arr(field(o, 'bucketCounts', 'bucket_counts'), path + '.bucketCounts').map((c, i) => int64(c, `${path}.bucketCounts[${i}]`)),
  };
}

function exponentialHistogramPoint(o: Obj, path: string): ExponentialHistogramPoint {
  const b = pointBase(o, path) as ExponentialHistogramPoint;
  b.count = int64(o.count, path + '.count');
  b.sum = o.sum === undefined || o.sum === null ? undefined : double(o.sum, path + '.sum');
  b.scale = int64(o.scale, path + '.scale');
  if (b.scale < -0x80000000 || b.scale > 0x7fffffff) fail(path + '.scale', 'an int32', o.scale);
  b.zeroCount = int64(field(o, 'zeroCount', 'zero_count'), path + '.zeroCount');
  b.positive = buckets(o.positive, path + '.positive');
  b.negative = buckets(o.negative, path + '.negative');
  return b;
}

function summaryPoint(o: Obj, path: string): SummaryPoint {
  const b = pointBase(o, path, false) as SummaryPoint;
  b.count = int64(o.count, path + '.count');
  b.sum = double(o.sum, path + '.sum');
  b.quantiles = points(field(o, 'quantileValues', 'quantile_values'), path + '.quantileValues', (q, p) => ({
    quantile: double(q.quantile, p + '.quantile'),
    value: double(q.value, p + '.value'),
  }));
  return b;
}

function metricData(m: Obj, path: string): MetricData {
  const gauge = obj(m.gauge, path + '.gauge');
  if (gauge) return { kind: 'gauge', points: points(field(gauge, 'dataPoints', 'data_points'), path + '.gauge.dataPoints', numberPoint) };
  const sum = obj(m.sum, path + '.sum');
  if (sum) {
    return {
      kind: 'sum',
      temporality: temporality(field(sum, 'aggregationTemporality', 'aggregation_temporality'), path + '.sum.aggregationTemporality'),
      monotonic: bool(field(sum, 'isMonotonic', 'is_monotonic'), path + '.sum.isMonotonic'),
      points: points(field(sum, 'dataPoints', 'data_points'), path + '.sum.dataPoints', numberPoint),
    };
  }
  const hist = obj(m.histogram, path + '.histogram');
  if (hist) {
    return {
      kind: 'histogram',
      temporality: temporality(field(hist, 'aggregationTemporality', 'aggregation_temporality'), path + '.histogram.aggregationTemporality'),
      points: points(field(hist, 'dataPoints', 'data_points'), path + '.histogram.dataPoints', histogramPoint),
    };
  }
  const ehPath = path + '.exponentialHistogram';
  const eh = obj(field(m, 'exponentialHistogram', 'exponential_histogram'), ehPath);
  if (eh) {
    return {
      kind: 'exponentialHistogram',
      temporality: temporality(field(eh, 'aggregationTemporality', 'aggregation_temporality'), ehPath + '.aggregationTemporality'),
      points: points(field(eh, 'dataPoints', 'data_points'), ehPath + '.dataPoints', exponentialHistogramPoint),
    };
  }
  const summary = obj(m.summary, path + '.summary');
  if (summary) return { kind: 'summary', points: points(field(summary, 'dataPoints', 'data_points'), path + '.summary.dataPoints', summaryPoint) };
  return { kind: 'none' };
}

/** Decodes an OTLP/JSON ExportMetricsServiceRequest. Throws BadRequestError for anything that is not one. */
export function decodeOtlpJson(body: Uint8Array): ResourceModel[] {
  let doc: unknown;
  checkJsonNesting(body, OTLP_MAX_JSON_DEPTH, 'otlp: JSON body');
  const text = new TextDecoder('utf-8', { fatal: false }).decode(body);
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new BadRequestError(`otlp: cannot parse JSON body: ${(err as Error).message.slice(0, 200)}`);
  }
  const root = obj(doc, '$') ?? fail('$', 'an object', doc);
  const out: ResourceModel[] = [];
  const rms = arr(field(root, 'resourceMetrics', 'resource_metrics'), 'resourceMetrics');
  for (let r = 0; r < rms.length; r++) {
    const rp = `resourceMetrics[${r}]`;
    const rm = obj(rms[r], rp) ?? {};
    const resource = obj(rm.resource, rp + '.resource');
    const metrics: MetricModel[] = [];
    const sms = arr(field(rm, 'scopeMetrics', 'scope_metrics'), rp + '.scopeMetrics');
    for (let s = 0; s < sms.length; s++) {
      const sp = `${rp}.scopeMetrics[${s}]`;
      const sm = obj(sms[s], sp) ?? {};
      const ms = arr(sm.metrics, sp + '.metrics');
      for (let i = 0; i < ms.length; i++) {
        const mp = `${sp}.metrics[${i}]`;
        const m = obj(ms[i], mp) ?? {};
        metrics.push({ name: str(m.name, mp + '.name'), unit: str(m.unit, mp + '.unit'), data: metricData(m, mp), path: mp });
      }
    }
    out.push({ attributes: attributes(resource?.attributes, rp + '.resource.attributes'), metrics });
  }
  return out;
}
