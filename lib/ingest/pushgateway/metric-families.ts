import { excerpt } from '../../errors.ts';
import { histogramProblem } from '../../model/histogram-check.ts';
import { isValidLabelName, isValidMetricName, METRIC_NAME_LABEL, normalizeLabels } from '../../model/labels.ts';
import type { BucketSpan, Exemplar, Histogram, Label, TimeSeries } from '../../model/types.ts';
import { formatGoFloat } from '../prometheus/go-float.ts';
import { checkLabelNames } from '../prometheus/parse.ts';
import type { ParseResult } from '../types.ts';
import { LineErrorCollector } from '../common/line-errors.ts';
import { METRIC_TYPE, type ExemplarMessage, type HistogramMessage, type MetricFamilyMessage, type MetricMessage, type SpanMessage, type TimestampMessage } from './client-model.ts';

export { decodeMetricFamilies, METRIC_TYPE, type MetricFamilyMessage } from './client-model.ts';

/**
 * Length-delimited `io.prometheus.client.MetricFamily` messages (prometheus/client_model metrics.proto, the
 * Pushgateway's protobuf body), mapped to series exactly as the text format shows them (expfmt's
 * MetricFamilyToText): counter, gauge and untyped as `<name>`; summary as `<name>{quantile="q"}`, `<name>_sum`,
 * `<name>_count`; histogram and gauge histogram as `<name>_bucket{le="b"}` (cumulative), a `le="+Inf"` bucket
 * holding the count when none is sent, `<name>_sum`, `<name>_count`. `le` and `quantile` values are formatted
 * like Go's strconv.FormatFloat(f, 'g', -1, 64) (`1e+06`), as the text format writes them.
 * Native histograms (schema, zero bucket, spans with deltas or counts) become a `Histogram` on `<name>`;
 * exemplars (counter, bucket and histogram exemplars) become `Exemplar`s; `created_timestamp` becomes the
 * start timestamp of every sample and histogram of the metric (see `HistogramOptions` for which parts of a
 * histogram are kept). A `timestamp_ms` of 0 reads as absent (proto3-style decoding). The bytes are read by
 * client-model.ts.
 */
/**
 * Which parts of a histogram become series, with Prometheus 3's scrape options as names. A histogram is
 * native when it has spans, a zero threshold or a zero count (client_golang sends an empty span for a native
 * histogram without observations); it is classic when it has buckets.
 * - `nativeHistograms` (scrape_native_histograms): a native histogram becomes a `Histogram` sample of
 *   `<name>`; when false its native part is ignored and it is read as a classic one.
 * - `alwaysClassic` (always_scrape_classic_histograms): the classic series (`_bucket`, `_count`, `_sum`) of a
 *   histogram kept as native too, when it has classic buckets; otherwise a histogram kept as native has no
 *   classic series.
 * A histogram that is not kept as native is always written as its classic series (a `+Inf` bucket holding
 * the count when none is sent), as before native histograms.
 */
export interface HistogramOptions {
  nativeHistograms: boolean;
  alwaysClassic: boolean;
}

/** What the Pushgateway routes keep: every part (the gateway forwards, it does not choose for its receivers). */
export const PUSH_HISTOGRAM_OPTIONS: HistogramOptions = { nativeHistograms: true, alwaysClassic: true };

/**
 * Series of the decoded families, every sample at `now` unless the metric has its own timestamp. A bad family
 * or metric (invalid name, value missing for the declared type, repeated label name) is one LineError whose
 * `line` is the 1-based family index.
 */
export function metricFamiliesToSeries(families: readonly MetricFamilyMessage[], now: number, opts: HistogramOptions = PUSH_HISTOGRAM_OPTIONS): ParseResult {
  const series: TimeSeries[] = [];
  const errors = new LineErrorCollector();
  families.forEach((family, index) => {
    const problem = addFamily(series, family, now, opts);
    if (problem !== undefined) errors.add(() => ({ line: index + 1, reason: problem, excerpt: excerpt(family.name ?? '') }));
  });
  return { series, ...errors.result() };
}

/** Appends the family's series; returns why the family is invalid (nothing of it is appended then). */
function addFamily(out: TimeSeries[], family: MetricFamilyMessage, now: number, opts: HistogramOptions): string | undefined {
  const name = family.name;
  if (!isValidMetricName(name)) return `invalid metric family name ${excerpt(name, 64)}`;
  const added: TimeSeries[] = [];
  for (let i = 0; i < family.metric.length; i++) {
    const m = family.metric[i]!;
    const problem = addMetric(added, name, family.type, m, now, opts);
    if (problem !== undefined) return `metric family "${name}": metric ${i + 1}: ${problem}`;
  }
  for (const s of added) out.push(s);
  return undefined;
}

function addMetric(out: TimeSeries[], name: string, type: number, m: MetricMessage, now: number, opts: HistogramOptions): string | undefined {
  const base: Label[] = [];
  for (const lp of m.label) {
    if (!isValidLabelName(lp.name)) return `invalid label name ${excerpt(lp.name, 64)}`;
    if (lp.name === METRIC_NAME_LABEL) return `label name "${METRIC_NAME_LABEL}" is reserved`;
    base.push({ name: lp.name, value: lp.value });
  }
  const repeated = checkLabelNames(base);
  if (repeated !== undefined) return repeated;
  const timestamp = m.timestampMs || now;
  let start: number | undefined;
  const labelsOf = (metric: string, extra?: Label): Label[] => {
    const labels = [...base, { name: METRIC_NAME_LABEL, value: metric }];
    if (extra !== undefined) labels.push(extra);
    return normalizeLabels(labels);
  };
  const emit = (metric: string, value: number, extra?: Label, exemplars?: Exemplar[]): void => {
    const s: TimeSeries = { labels: labelsOf(metric, extra), samples: [start === undefined ? { value, timestamp } : { value, timestamp, startTimestamp: start }] };
    if (start !== undefined) s.withStartTimestamps = true;
    if (exemplars?.length) s.exemplars = exemplars;
    out.push(s);
  };
  const reserved = type === METRIC_TYPE.SUMMARY ? 'quantile' : isHistogram(type) ? 'le' : undefined;
  if (reserved !== undefined && base.some((l) => l.name === reserved)) return `label name "${reserved}" is reserved`;
  switch (type) {
    case METRIC_TYPE.COUNTER: {
      const c = m.counter;
      if (c === null) return 'counter type without a counter value';
      start = timestampMs(c.createdTimestamp);
      const e = c.exemplar ? toExemplar(c.exemplar, timestamp) : undefined;
      if (typeof e === 'string') return e;
      emit(name, c.value, undefined, e ? [e] : undefined);
      return undefined;
    }
    case METRIC_TYPE.GAUGE:
      if (m.gauge === null) return 'gauge type without a gauge value';
      emit(name, m.gauge.value);
      return undefined;
    case METRIC_TYPE.UNTYPED:
      if (m.untyped === null) return 'untyped type without an untyped value';
      emit(name, m.untyped.value);
      return undefined;
    case METRIC_TYPE.SUMMARY: {
      const s = m.summary;
      if (s === null) return 'summary type without a summary value';
      start = timestampMs(s.createdTimestamp);
      for (const q of s.quantile) emit(name, q.value, { name: 'quantile', value: formatGoFloat(q.quantile) });
      emit(name + '_sum', s.sampleSum);
      emit(name + '_count', s.sampleCount);
      return undefined;
    }
    case METRIC_TYPE.HISTOGRAM:
    case METRIC_TYPE.GAUGE_HISTOGRAM: {
      const h = m.histogram;
      if (h === null) return 'histogram type without a histogram value';
      start = timestampMs(h.createdTimestamp);
      const count = h.sampleCountFloat > 0 ? h.sampleCountFloat : h.sampleCount;
      const asNative = opts.nativeHistograms && isNativeHistogram(h);
      const bucketExemplars: Exemplar[][] = [];
      for (const b of h.bucket) {
        const e = b.exemplar ? toExemplar(b.exemplar, timestamp) : undefined;
        if (typeof e === 'string') return e;
        bucketExemplars.push(e ? [e] : []);
      }
      if (asNative) {
        const exemplars: Exemplar[] = [];
        // Prometheus 3 drops exemplars without a timestamp from native histograms (their dedup needs one).
        for (const x of h.exemplars) {
          const e = toExemplar(x, timestamp);
          if (typeof e === 'string') return e;
          if (timestampMs(x.timestamp) !== undefined) exemplars.push(e);
        }
        // Prometheus takes the bucket exemplars when the histogram has no exemplars of its own.
        if (!h.exemplars.length) h.bucket.forEach((b, i) => b.exemplar && timestampMs(b.exemplar.timestamp) !== undefined && exemplars.push(...bucketExemplars[i]!));
        const native = toNativeHistogram(h, timestamp, type === METRIC_TYPE.GAUGE_HISTOGRAM, start);
        // Refused here, not later by finalize: a push is all or nothing, and a scrape fails as a whole.
        const invalid = histogramProblem(native);
        if (invalid !== undefined) return `invalid native histogram: ${invalid}`;
        const s: TimeSeries = { labels: labelsOf(name), samples: [], histograms: [native] };
        if (exemplars.length) s.exemplars = sortByTimestamp(exemplars);
        out.push(s);
        // Prometheus 3 writes classic series next to a native histogram only for classic buckets it was sent.
        if (!opts.alwaysClassic || h.bucket.length === 0) return undefined;
      }
      let sawInf = false;
      h.bucket.forEach((b, i) => {
        const cumulative = b.cumulativeCountFloat > 0 ? b.cumulativeCountFloat : b.cumulativeCount;
        if (b.upperBound === Infinity) sawInf = true;
        emit(name + '_bucket', cumulative, { name: 'le', value: formatGoFloat(b.upperBound) }, bucketExemplars[i]);
      });
      if (!sawInf) emit(name + '_bucket', count, { name: 'le', value: '+Inf' });
      emit(name + '_sum', h.sampleSum);
      emit(name + '_count', count);
      return undefined;
    }
    default:
      return `unknown metric type ${type}`;
  }
}

function isHistogram(type: number): boolean {
  return type === METRIC_TYPE.HISTOGRAM || type === METRIC_TYPE.GAUGE_HISTOGRAM;
}

/** client_model's rule (and Prometheus'): spans, a zero threshold or a zero count make a histogram native. */
export function isNativeHistogram(h: HistogramMessage): boolean {
  return h.positiveSpan.length > 0 || h.negativeSpan.length > 0 || h.zeroThreshold > 0 || h.zeroCount > 0 || h.zeroCountFloat > 0;
}

/**
 * The native part of a client_model Histogram. A float histogram (sample_count_float or zero_count_float set,
 * or counts instead of deltas) keeps absolute counts; an integer one keeps its deltas, as remote_write does.
 * Its validity is checked by the caller (histogram-check.ts).
 */
function toNativeHistogram(h: HistogramMessage, timestamp: number, gauge: boolean, start: number | undefined): Histogram {
  const float = h.sampleCountFloat > 0 || h.zeroCountFloat > 0 || h.positiveCount.length > 0 || h.negativeCount.length > 0;
  const out: Histogram = {
    timestamp,
    float,
    count: float ? h.sampleCountFloat : h.sampleCount,
    sum: h.sampleSum,
    schema: h.schema,
    zeroThreshold: h.zeroThreshold,
    zeroCount: float ? h.zeroCountFloat : h.zeroCount,
    negativeSpans: h.negativeSpan.map(span),
    negativeBuckets: float ? [...h.negativeCount] : [...h.negativeDelta],
    positiveSpans: h.positiveSpan.map(span),
    positiveBuckets: float ? [...h.positiveCount] : [...h.positiveDelta],
    resetHint: gauge ? 3 : 0,
    customValues: [],
  };
  if (start !== undefined) out.startTimestamp = start;
  return out;
}

function span(s: SpanMessage): BucketSpan {
  return { offset: s.offset, length: s.length };
}

/** google.protobuf.Timestamp in ms (truncated), or undefined when absent or zero. */
function timestampMs(t: TimestampMessage | null): number | undefined {
  if (t === null) return undefined;
  const ms = t.seconds * 1000 + Math.trunc(t.nanos / 1e6);
  return ms === 0 ? undefined : ms;
}

/** An exemplar with its labels checked; without a timestamp it gets the sample's, as Prometheus' scrape does. */
function toExemplar(e: ExemplarMessage, sampleTimestamp: number): Exemplar | string {
  const labels: Label[] = [];
  for (const lp of e.label) {
    if (!isValidLabelName(lp.name)) return `exemplar: invalid label name ${excerpt(lp.name, 64)}`;
    labels.push({ name: lp.name, value: lp.value });
  }
  const repeated = checkLabelNames(labels);
  if (repeated !== undefined) return `exemplar: ${repeated}`;
  return { labels, value: e.value, timestamp: timestampMs(e.timestamp) ?? sampleTimestamp };
}

function sortByTimestamp(e: Exemplar[]): Exemplar[] {
  return e.sort((a, b) => a.timestamp - b.timestamp);
}
