/**
 * The in-memory shape of remote_write 1.0 data. Every protocol parser produces these and every sender
 * consumes them.
 *
 * Staleness markers: a JavaScript number cannot carry a NaN payload reliably (V8 quiets or canonicalises NaN
 * when it is stored in a double array), so a staleness marker is a sample with `stale: true`. The codec
 * writes such a sample as the exact bit pattern 0x7ff0000000000002 and sets the flag when it reads that
 * pattern; its `value` is NaN and is never looked at.
 */
export interface Label {
  name: string;
  value: string;
}

export interface Sample {
  /** The value; NaN for a staleness marker (see `stale`). */
  value: number;
  /** Milliseconds since the Unix epoch, an integer. */
  timestamp: number;
  /** True for a Prometheus staleness marker. Absent or false otherwise. */
  stale?: boolean;
}

export interface TimeSeries {
  /** Sorted by name, unique names, no empty names or values, `__name__` present (see labels.ts). */
  labels: Label[];
  /** In timestamp order. */
  samples: Sample[];
}

export type MetricType =
  | 'UNKNOWN'
  | 'COUNTER'
  | 'GAUGE'
  | 'HISTOGRAM'
  | 'GAUGEHISTOGRAM'
  | 'SUMMARY'
  | 'INFO'
  | 'STATESET';

export interface MetricMetadata {
  type: MetricType;
  metricFamilyName: string;
  help: string;
  unit: string;
}

export interface WriteRequest {
  timeseries: TimeSeries[];
  metadata: MetricMetadata[];
}

export function countSamples(series: readonly TimeSeries[]): number {
  let n = 0;
  for (const s of series) n += s.samples.length;
  return n;
}
