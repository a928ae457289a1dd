import { BadRequestError } from '../../errors.ts';
import { formatAttributeDouble, goJsonString, nanosHalvesToMillis } from './format.ts';
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
import { exemplarIdHex } from './format.ts';
import { ExportMetricsServiceRequest } from './proto-descriptor.ts';

/** The protobufjs Long shape (the `long` package): two signed 32-bit halves. */
interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
  toString(): string;
}
type Int64 = LongLike | number;

interface PbAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: Int64;
  doubleValue?: number;
  arrayValue?: { values: PbAnyValue[] } | null;
  kvlistValue?: { values: PbKeyValue[] } | null;
  bytesValue?: Uint8Array;
}
interface PbKeyValue {
  key: string;
  value?: PbAnyValue | null;
}
interface PbExemplar {
  filteredAttributes: PbKeyValue[];
  timeUnixNano: Int64;
  asDouble?: number;
  asInt?: Int64;
  spanId: Uint8Array;
  traceId: Uint8Array;
}
interface PbPointBase {
  attributes: PbKeyValue[];
  timeUnixNano: Int64;
  startTimeUnixNano: Int64;
  flags: number;
  exemplars?: PbExemplar[];
}
interface PbNumberPoint extends PbPointBase {
  asDouble?: number;
  asInt?: Int64;
}
interface PbHistogramPoint extends PbPointBase {
  count: Int64;
  sum?: number;
  bucketCounts: Int64[];
  explicitBounds: number[];
}
interface PbExponentialHistogramPoint extends PbPointBase {
  count: Int64;
  sum?: number;
  scale: number;
  zeroCount: Int64;
  positive?: { offset: number; bucketCounts: Int64[] } | null;
  negative?: { offset: number; bucketCounts: Int64[] } | null;
}
interface PbSummaryPoint extends PbPointBase {
  count: Int64;
  sum: number;
  quantileValues: { quantile: number; value: number }[];
}
interface PbMetric {
  name: string;
  unit: string;
  gauge?: { dataPoints: PbNumberPoint[] } | null;
  sum?: { dataPoints: PbNumberPoint[]; aggregationTemporality: number; isMonotonic: boolean } | null;
  histogram?: { dataPoints: PbHistogramPoint[]; aggregationTemporality: number } | null;
  exponentialHistogram?: { dataPoints: PbExponentialHistogramPoint[]; aggregationTemporality: number } | null;
  summary?: { dataPoints: PbSummaryPoint[] } | null;
}
interface PbRequest {
  resourceMetrics: {
    resource?: { attributes: PbKeyValue[] } | null;
    scopeMetrics: { metrics: PbMetric[] }[];
  }[];
}

/** Nesting limit for array/kvlist attribute values; deeper values reject the body (they are never labels anyway). */
export const MAX_ATTRIBUTE_DEPTH = 32;

const has = Object.prototype.hasOwnProperty;

function int64ToNumber(v: Int64): number {
  if (typeof v === 'number') return v;
  const low = v.low >>> 0;
  const high = v.unsigned ? v.high >>> 0 : v.high;
  return high * 4294967296 + low;
}

function nanosToMillis(v: Int64): number {
  if (typeof v === 'number') return Math.floor(v / 1e6);
  return nanosHalvesToMillis(v.high >>> 0, v.low >>> 0);
}

function int64ToString(v: Int64): string {
  return typeof v === 'number' ? String(v) : v.toString();
}

function anyValueJson(v: PbAnyValue | null | undefined, depth: number): string {
  if (depth > MAX_ATTRIBUTE_DEPTH) {
    throw new BadRequestError(`otlp: attribute value nested deeper than ${MAX_ATTRIBUTE_DEPTH} levels`);
  }
  if (v == null) return 'null';
  if (has.call(v, 'stringValue')) return goJsonString(v.stringValue!);
  if (has.call(v, 'boolValue')) return v.boolValue ? 'true' : 'false';
  if (has.call(v, 'intValue')) return int64ToString(v.intValue!);
  if (has.call(v, 'doubleValue')) return Number.isFinite(v.doubleValue) ? String(v.doubleValue) : 'null';
  if (has.call(v, 'bytesValue')) return goJsonString(Buffer.from(v.bytesValue!).toString('base64'));
  if (has.call(v, 'arrayValue')) return '[' + (v.arrayValue?.values ?? []).map((x) => anyValueJson(x, depth + 1)).join(',') + ']';
  if (has.call(v, 'kvlistValue')) return kvlistJson(v.kvlistValue?.values ?? [], depth + 1);
  return 'null';
}

function kvlistJson(kvs: PbKeyValue[], depth: number): string {
  const sorted = [...kvs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return '{' + sorted.map((kv) => goJsonString(kv.key) + ':' + anyValueJson(kv.value, depth)).join(',') + '}';
}

/** pdata's Value.AsString(): scalars as text, bytes as base64, arrays and maps as JSON. */
function anyValueString(v: PbAnyValue | null | undefined): string {
  if (v == null) return '';
  if (has.call(v, 'stringValue')) return v.stringValue!;
  if (has.call(v, 'boolValue')) return v.boolValue ? 'true' : 'false';
  if (has.call(v, 'intValue')) return int64ToString(v.intValue!);
  if (has.call(v, 'doubleValue')) return formatAttributeDouble(v.doubleValue!);
  if (has.call(v, 'bytesValue')) return Buffer.from(v.bytesValue!).toString('base64');
  if (has.call(v, 'arrayValue')) return anyValueJson(v, 0);
  if (has.call(v, 'kvlistValue')) return anyValueJson(v, 0);
  return '';
}

function attributes(kvs: PbKeyValue[]): Attribute[] {
  const out: Attribute[] = new Array(kvs.length);
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i]!;
    out[i] = { key: kv.key, value: anyValueString(kv.value) };
  }
  return out;
}

const NO_EXEMPLARS: readonly OtlpExemplar[] = Object.freeze([]) as readonly OtlpExemplar[];

function exemplars(es: PbExemplar[] | undefined): OtlpExemplar[] {
  if (es === undefined || es.length === 0) return NO_EXEMPLARS as OtlpExemplar[];
  return es.map((e) => {
    let value: number | undefined;
    if (has.call(e, 'asDouble')) value = e.asDouble;
    else if (has.call(e, 'asInt')) value = int64ToNumber(e.asInt!);
    return {
      value,
      timestamp: nanosToMillis(e.timeUnixNano),
      traceId: exemplarIdHex(e.traceId, 16, 'trace_id'),
      spanId: exemplarIdHex(e.spanId, 8, 'span_id'),
      filteredAttributes: attributes(e.filteredAttributes),
    };
  });
}

function numberPoints(pts: PbNumberPoint[]): NumberPoint[] {
  const out: NumberPoint[] = new Array(pts.length);
  for (let i = 0; i < pts.length; i++) {
    const p = pts[i]!;
    let value: number | undefined;
    if (has.call(p, 'asDouble')) value = p.asDouble;
    else if (has.call(p, 'asInt')) value = int64ToNumber(p.asInt!);
    out[i] = {
      attributes: attributes(p.attributes),
      timestamp: nanosToMillis(p.timeUnixNano),
      startTimestamp: nanosToMillis(p.startTimeUnixNano),
      flags: p.flags,
      exemplars: exemplars(p.exemplars),
      value,
    };
  }
  return out;
}

function expBuckets(b: { offset: number; bucketCounts: Int64[] } | null | undefined): ExponentialBuckets {
  if (b == null) return { offset: 0, bucketCounts: [] };
  return { offset: b.offset, bucketCounts: b.bucketCounts.map(int64ToNumber) };
}

function exponentialHistogramPoints(pts: PbExponentialHistogramPoint[]): ExponentialHistogramPoint[] {
  return pts.map((p) => ({
    attributes: attributes(p.attributes),
    timestamp: nanosToMillis(p.timeUnixNano),
    startTimestamp: nanosToMillis(p.startTimeUnixNano),
    flags: p.flags,
    exemplars: exemplars(p.exemplars),
    count: int64ToNumber(p.count),
    sum: has.call(p, 'sum') ? p.sum : undefined,
    scale: p.scale,
    zeroCount: int64ToNumber(p.zeroCount),
    positive: expBuckets(p.positive),
    negative: expBuckets(p.negative),
  }));
}

function histogramPoints(pts: PbHistogramPoint[]): HistogramPoint[] {
  return pts.map((p) => ({
    attributes: attributes(p.attributes),
    timestamp: nanosToMillis(p.timeUnixNano),
    startTimestamp: nanosToMillis(p.startTimeUnixNano),
    flags: p.flags,
    exemplars: exemplars(p.exemplars),
    count: int64ToNumber(p.count),
    sum: has.call(p, 'sum') ? p.sum : undefined,
    bucketCounts: p.bucketCounts.map(int64ToNumber),
    explicitBounds: p.explicitBounds,
  }));
}

function summaryPoints(pts: PbSummaryPoint[]): SummaryPoint[] {
  return pts.map((p) => ({
    attributes: attributes(p.attributes),
    timestamp: nanosToMillis(p.timeUnixNano),
    startTimestamp: nanosToMillis(p.startTimeUnixNano),
    flags: p.flags,
    exemplars: NO_EXEMPLARS as OtlpExemplar[],
    count: int64ToNumber(p.count),
    sum: p.sum,
    quantiles: p.quantileValues.map((q) => ({ quantile: q.quantile, value: q.value })),
  }));
}

function metricData(m: PbMetric): MetricData {
  if (has.call(m, 'gauge') && m.gauge) return { kind: 'gauge', points: numberPoints(m.gauge.dataPoints) };
  if (has.call(m, 'sum') && m.sum) {
    return {
      kind: 'sum',
      temporality: m.sum.aggregationTemporality,
      monotonic: m.sum.isMonotonic,
      points: numberPoints(m.sum.dataPoints),
    };
  }
  if (has.call(m, 'histogram') && m.histogram) {
    return { kind: 'histogram', temporality: m.histogram.aggregationTemporality, points: histogramPoints(m.histogram.dataPoints) };
  }
  if (has.call(m, 'exponentialHistogram') && m.exponentialHistogram) {
    const e = m.exponentialHistogram;
    return { kind: 'exponentialHistogram', temporality: e.aggregationTemporality, points: exponentialHistogramPoints(e.dataPoints) };
  }
  if (has.call(m, 'summary') && m.summary) return { kind: 'summary', points: summaryPoints(m.summary.dataPoints) };
  return { kind: 'none' };
}

/**
 * Decodes an ExportMetricsServiceRequest. Throws BadRequestError when the bytes are not one (truncated,
 * bad wire types, nesting too deep); never anything else.
 */
export function decodeOtlpProtobuf(body: Uint8Array): ResourceModel[] {
  let req: PbRequest;
  try {
    req = ExportMetricsServiceRequest.decode(body) as unknown as PbRequest;
  } catch (err) {
    throw new BadRequestError(`otlp: cannot decode protobuf ExportMetricsServiceRequest (${body.length} bytes): ${(err as Error).message}`);
  }
  const out: ResourceModel[] = [];
  for (let r = 0; r < req.resourceMetrics.length; r++) {
    const rm = req.resourceMetrics[r]!;
    const metrics: MetricModel[] = [];
    for (let s = 0; s < rm.scopeMetrics.length; s++) {
      const sm = rm.scopeMetrics[s]!;
      for (let i = 0; i < sm.metrics.length; i++) {
        const m = sm.metrics[i]!;
        metrics.push({
          name: m.name,
          unit: m.unit,
          data: metricData(m),
          path: `resourceMetrics[${r}].scopeMetrics[${s}].metrics[${i}]`,
        });
      }
    }
    out.push({ attributes: attributes(rm.resource?.attributes ?? []), metrics });
  }
  return out;
}
