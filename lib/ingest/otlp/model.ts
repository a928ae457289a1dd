/**
 * The decoded OTLP request in the shape the translator needs, produced by both decoders (protobuf and JSON):
 * scopes are flattened away (scope name, version and attributes do not become labels), attribute values are
 * already strings, timestamps are milliseconds (0 when the point carries none), 64-bit counts are numbers.
 */
export interface Attribute {
  key: string;
  value: string;
}

/** An OTLP exemplar; trace/span ids as lowercase hex, '' when absent or all zero (pdata's IsEmpty). */
export interface OtlpExemplar {
  /** Undefined when neither as_double nor as_int is present. */
  value: number | undefined;
  /** Milliseconds since the epoch; 0 when absent. */
  timestamp: number;
  traceId: string;
  spanId: string;
  filteredAttributes: Attribute[];
}

export interface PointBase {
  attributes: Attribute[];
  /** Milliseconds since the epoch; 0 when time_unix_nano was 0 or absent. */
  timestamp: number;
  /** start_time_unix_nano in milliseconds; 0 when 0 or absent. */
  startTimestamp: number;
  /** DataPointFlags: bit 0 is FLAG_NO_RECORDED_VALUE. */
  flags: number;
  /** Empty for summaries (they have none). */
  exemplars: OtlpExemplar[];
}

export interface NumberPoint extends PointBase {
  /** Undefined when neither as_double nor as_int is present. */
  value: number | undefined;
}

export interface HistogramPoint extends PointBase {
  count: number;
  /** Undefined when the optional sum is absent. */
  sum: number | undefined;
  bucketCounts: number[];
  explicitBounds: number[];
}

/** One side of an exponential histogram: bucket_counts[i] counts (base^(offset+i), base^(offset+i+1)]. */
export interface ExponentialBuckets {
  offset: number;
  bucketCounts: number[];
}

export interface ExponentialHistogramPoint extends PointBase {
  count: number;
  /** Undefined when the optional sum is absent. */
  sum: number | undefined;
  scale: number;
  zeroCount: number;
  positive: ExponentialBuckets;
  negative: ExponentialBuckets;
}

export interface SummaryPoint extends PointBase {
  count: number;
  sum: number;
  quantiles: { quantile: number; value: number }[];
}

/** OTLP AggregationTemporality values the conversion tests for (0, UNSPECIFIED, is neither). */
export const TEMPORALITY_DELTA = 1;
export const TEMPORALITY_CUMULATIVE = 2;
export const FLAG_NO_RECORDED_VALUE = 1;

export type MetricData =
  | { kind: 'gauge'; points: NumberPoint[] }
  | { kind: 'sum'; temporality: number; monotonic: boolean; points: NumberPoint[] }
  | { kind: 'histogram'; temporality: number; points: HistogramPoint[] }
  | { kind: 'exponentialHistogram'; temporality: number; points: ExponentialHistogramPoint[] }
  | { kind: 'summary'; points: SummaryPoint[] }
  | { kind: 'none' };

export interface MetricModel {
  name: string;
  unit: string;
  data: MetricData;
  /** Where it sits in the request, for error messages: `resourceMetrics[0].scopeMetrics[1].metrics[2]`. */
  path: string;
}

export interface ResourceModel {
  attributes: Attribute[];
  metrics: MetricModel[];
}
