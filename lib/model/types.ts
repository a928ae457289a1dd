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
  /**
   * Start (created) timestamp in ms (remote_write 2.0 `start_timestamp`, or the older per-series
   * `created_timestamp`); absent when unknown. Read only when the series has `withStartTimestamps`.
   */
  startTimestamp?: number;
}

/** A run of consecutive buckets: `offset` from the end of the previous span (or the start index), then `length` buckets. */
export interface BucketSpan {
  offset: number;
  length: number;
}

/** prometheus.Histogram.ResetHint: 0 unknown, 1 yes, 2 no, 3 gauge. */
export type ResetHint = 0 | 1 | 2 | 3;

/** Schema of a native histogram with custom bucket boundaries (`customValues`), as converted from a classic one. */
export const CUSTOM_BUCKETS_SCHEMA = -53;

/**
 * One native histogram sample, as remote_write 1.0 and 2.0 carry it (both messages share the field layout).
 * An integer histogram (`float: false`) has integer counts and its bucket arrays hold deltas (each bucket's
 * count minus the previous one's, the first against zero); a float histogram holds absolute counts. Counts
 * are JavaScript numbers: integer counts are exact up to 2^53.
 */
export interface Histogram {
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  /** true: count_float, zero_count_float and *_counts on the wire; false: count_int, zero_count_int and *_deltas. */
  float: boolean;
  count: number;
  sum: number;
  /** -4..8 exponential; -53 custom buckets (see customValues). */
  schema: number;
  zeroThreshold: number;
  zeroCount: number;
  negativeSpans: BucketSpan[];
  /** Deltas (integer histogram) or counts (float histogram). */
  negativeBuckets: number[];
  positiveSpans: BucketSpan[];
  positiveBuckets: number[];
  resetHint: ResetHint;
  /** Upper bounds of the custom buckets (schema -53); empty otherwise. */
  customValues: number[];
  startTimestamp?: number;
  /** A staleness marker: `sum` is written as 0x7ff0000000000002 (Prometheus' StaleNaN) and read back as this flag. */
  stale?: boolean;
}

export interface Exemplar {
  /** Sorted by name; may be empty (a trace_id label by convention). */
  labels: Label[];
  value: number;
  /** ms; 0 when the sender gave none. */
  timestamp: number;
}

/**
 * A series and its data. The float path (every text protocol) only ever sets `labels` and `samples`:
 * `histograms` and `exemplars` are absent unless a protocol that carries them (remote_write) filled them, so
 * a float sample costs no more than before they existed.
 */
export interface TimeSeries {
  /** Sorted by name, unique names, no empty names or values, `__name__` present (see labels.ts). */
  labels: Label[];
  /** In timestamp order. */
  samples: Sample[];
  /** Native histogram samples, in timestamp order; absent or empty when there are none. */
  histograms?: Histogram[];
  /** Exemplars attached to this series' samples or histograms; absent or empty when there are none. */
  exemplars?: Exemplar[];
  /**
   * True when some sample carries `startTimestamp`. Encoders read a sample's start timestamp only then:
   * looking up a property a float sample never has costs the float encode path ~15% (measured). Whoever
   * builds a series from another's samples copies it (withSamplesOf does).
   */
  withStartTimestamps?: boolean;
}

/** A new series with `labels` and `samples`, keeping `withStartTimestamps` of the series the samples come from. */
export function withSamplesOf(from: TimeSeries, labels: Label[], samples: Sample[]): TimeSeries {
  const s: TimeSeries = { labels, samples };
  if (from.withStartTimestamps) s.withStartTimestamps = true;
  return s;
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

/** Samples, native histograms and exemplars in a set of series. */
export interface KindCounts {
  samples: number;
  histograms: number;
  exemplars: number;
}

export function countKinds(series: readonly TimeSeries[]): KindCounts {
  let samples = 0;
  let histograms = 0;
  let exemplars = 0;
  for (const s of series) {
    samples += s.samples.length;
    if (s.histograms) histograms += s.histograms.length;
    if (s.exemplars) exemplars += s.exemplars.length;
  }
  return { samples, histograms, exemplars };
}

/** Samples plus histograms of one series: what max_samples_per_send and queue message sizing count. */
export function seriesPoints(s: TimeSeries): number {
  return s.histograms ? s.samples.length + s.histograms.length : s.samples.length;
}
