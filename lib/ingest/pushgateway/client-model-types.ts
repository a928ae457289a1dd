/**
 * `io.prometheus.client.MetricFamily` (prometheus/client_model metrics.proto) as client-model.ts decodes it:
 * protobufjs' field names, 64-bit integers as numbers, an absent message as null, an absent scalar as its
 * zero value.
 */
export const METRIC_TYPE = { COUNTER: 0, GAUGE: 1, SUMMARY: 2, UNTYPED: 3, HISTOGRAM: 4, GAUGE_HISTOGRAM: 5 } as const;

export interface LabelPairMessage {
  name: string;
  value: string;
}
export interface TimestampMessage {
  seconds: number;
  nanos: number;
}
export interface ExemplarMessage {
  label: LabelPairMessage[];
  value: number;
  timestamp: TimestampMessage | null;
}
export interface SpanMessage {
  offset: number;
  length: number;
}
export interface BucketMessage {
  cumulativeCount: number;
  cumulativeCountFloat: number;
  upperBound: number;
  exemplar: ExemplarMessage | null;
}
export interface HistogramMessage {
  sampleCount: number;
  sampleCountFloat: number;
  sampleSum: number;
  bucket: BucketMessage[];
  createdTimestamp: TimestampMessage | null;
  schema: number;
  zeroThreshold: number;
  zeroCount: number;
  zeroCountFloat: number;
  negativeSpan: SpanMessage[];
  negativeDelta: number[];
  negativeCount: number[];
  positiveSpan: SpanMessage[];
  positiveDelta: number[];
  positiveCount: number[];
  exemplars: ExemplarMessage[];
}
export interface CounterMessage {
  value: number;
  exemplar: ExemplarMessage | null;
  createdTimestamp: TimestampMessage | null;
}
export interface SummaryMessage {
  sampleCount: number;
  sampleSum: number;
  quantile: { quantile: number; value: number }[];
  createdTimestamp: TimestampMessage | null;
}
export interface MetricMessage {
  label: LabelPairMessage[];
  gauge: { value: number } | null;
  counter: CounterMessage | null;
  untyped: { value: number } | null;
  summary: SummaryMessage | null;
  histogram: HistogramMessage | null;
  timestampMs: number;
}
export interface MetricFamilyMessage {
  name: string;
  type: number;
  metric: MetricMessage[];
}
