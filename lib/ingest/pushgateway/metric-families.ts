import protobuf from 'protobufjs';
import { BadRequestError, excerpt } from '../../errors.ts';
import { isValidLabelName, isValidMetricName, METRIC_NAME_LABEL, normalizeLabels } from '../../model/labels.ts';
import type { Label, TimeSeries } from '../../model/types.ts';
import { formatGoFloat } from '../prometheus/go-float.ts';
import { checkLabelNames } from '../prometheus/parse.ts';
import type { ParseResult } from '../types.ts';
import { LineErrorCollector } from '../common/line-errors.ts';

/**
 * Length-delimited `io.prometheus.client.MetricFamily` messages (prometheus/client_model metrics.proto, the
 * Pushgateway's protobuf body), mapped to series exactly as the text format shows them (expfmt's
 * MetricFamilyToText): counter, gauge and untyped as `<name>`; summary as `<name>{quantile="q"}`, `<name>_sum`,
 * `<name>_count`; histogram and gauge histogram as `<name>_bucket{le="b"}` (cumulative), a `le="+Inf"` bucket
 * holding the count when none is sent, `<name>_sum`, `<name>_count`. `le` and `quantile` values are formatted
 * like Go's strconv.FormatFloat(f, 'g', -1, 64) (`1e+06`), as the text format writes them.
 * Native histogram fields, exemplars and created timestamps are ignored (remote_write 1.0 cannot carry them).
 * A `timestamp_ms` of 0 reads as absent (proto3-style decoding).
 */
const METRICS_PROTO = {
  nested: {
    LabelPair: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
    MetricType: {
      values: { COUNTER: 0, GAUGE: 1, SUMMARY: 2, UNTYPED: 3, HISTOGRAM: 4, GAUGE_HISTOGRAM: 5 },
    },
    Gauge: { fields: { value: { type: 'double', id: 1 } } },
    Counter: { fields: { value: { type: 'double', id: 1 } } },
    Quantile: { fields: { quantile: { type: 'double', id: 1 }, value: { type: 'double', id: 2 } } },
    Summary: {
      fields: {
        sampleCount: { type: 'uint64', id: 1 },
        sampleSum: { type: 'double', id: 2 },
        quantile: { rule: 'repeated', type: 'Quantile', id: 3 },
      },
    },
    Untyped: { fields: { value: { type: 'double', id: 1 } } },
    Bucket: {
      fields: {
        cumulativeCount: { type: 'uint64', id: 1 },
        cumulativeCountFloat: { type: 'double', id: 4 },
        upperBound: { type: 'double', id: 2 },
      },
    },
    Histogram: {
      fields: {
        sampleCount: { type: 'uint64', id: 1 },
        sampleCountFloat: { type: 'double', id: 4 },
        sampleSum: { type: 'double', id: 2 },
        bucket: { rule: 'repeated', type: 'Bucket', id: 3 },
      },
    },
    Metric: {
      fields: {
        label: { rule: 'repeated', type: 'LabelPair', id: 1 },
        gauge: { type: 'Gauge', id: 2 },
        counter: { type: 'Counter', id: 3 },
        summary: { type: 'Summary', id: 4 },
        untyped: { type: 'Untyped', id: 5 },
        histogram: { type: 'Histogram', id: 7 },
        timestampMs: { type: 'int64', id: 6 },
      },
    },
    MetricFamily: {
      fields: {
        name: { type: 'string', id: 1 },
        help: { type: 'string', id: 2 },
        type: { type: 'MetricType', id: 3 },
        metric: { rule: 'repeated', type: 'Metric', id: 4 },
        unit: { type: 'string', id: 5 },
      },
    },
  },
};

/** The protobufjs type of `io.prometheus.client.MetricFamily` (also used by tests to encode bodies). */
export const MetricFamilyType = protobuf.Root.fromJSON({
  nested: { io: { nested: { prometheus: { nested: { client: METRICS_PROTO } } } } },
}).lookupType('io.prometheus.client.MetricFamily');

export const METRIC_TYPE = { COUNTER: 0, GAUGE: 1, SUMMARY: 2, UNTYPED: 3, HISTOGRAM: 4, GAUGE_HISTOGRAM: 5 } as const;

/** A 64-bit integer as protobufjs decodes it: a number, or a Long when the long package is installed. */
type Int64 = number | { toNumber(): number };

interface LabelPairMessage {
  name: string;
  value: string;
}
interface MetricMessage {
  label: LabelPairMessage[];
  gauge: { value: number } | null;
  counter: { value: number } | null;
  untyped: { value: number } | null;
  summary: { sampleCount: Int64; sampleSum: number; quantile: { quantile: number; value: number }[] } | null;
  histogram: {
    sampleCount: Int64;
    sampleCountFloat: number;
    sampleSum: number;
    bucket: { cumulativeCount: Int64; cumulativeCountFloat: number; upperBound: number }[];
  } | null;
  timestampMs: Int64;
}
export interface MetricFamilyMessage {
  name: string;
  help: string;
  type: number;
  metric: MetricMessage[];
}

function toNumber(v: Int64): number {
  return typeof v === 'number' ? v : v.toNumber();
}

/** Decodes every delimited MetricFamily of the body; a malformed message is a BadRequestError (400). */
export function decodeMetricFamilies(body: Uint8Array): MetricFamilyMessage[] {
  const reader = protobuf.Reader.create(body);
  const families: MetricFamilyMessage[] = [];
  while (reader.pos < reader.len) {
    try {
      families.push(MetricFamilyType.decodeDelimited(reader) as unknown as MetricFamilyMessage);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new BadRequestError(
        `pushgateway: invalid protobuf body: delimited MetricFamily message ${families.length + 1}: ${reason}`,
      );
    }
  }
  return families;
}

/**
 * Series of the decoded families, every sample at `now` unless the metric has its own timestamp. A bad family
 * or metric (invalid name, value missing for the declared type, repeated label name) is one LineError whose
 * `line` is the 1-based family index.
 */
export function metricFamiliesToSeries(families: readonly MetricFamilyMessage[], now: number): ParseResult {
  const series: TimeSeries[] = [];
  const errors = new LineErrorCollector();
  families.forEach((family, index) => {
    const problem = addFamily(series, family, now);
    if (problem !== undefined) errors.add(() => ({ line: index + 1, reason: problem, excerpt: excerpt(family.name ?? '') }));
  });
  return { series, ...errors.result() };
}

/** Appends the family's series; returns why the family is invalid (nothing of it is appended then). */
function addFamily(out: TimeSeries[], family: MetricFamilyMessage, now: number): string | undefined {
  const name = family.name;
  if (!isValidMetricName(name)) return `invalid metric family name ${excerpt(name, 64)}`;
  const added: TimeSeries[] = [];
  for (let i = 0; i < family.metric.length; i++) {
    const m = family.metric[i]!;
    const problem = addMetric(added, name, family.type, m, now);
    if (problem !== undefined) return `metric family "${name}": metric ${i + 1}: ${problem}`;
  }
  for (const s of added) out.push(s);
  return undefined;
}

function addMetric(out: TimeSeries[], name: string, type: number, m: MetricMessage, now: number): string | undefined {
  const base: Label[] = [];
  for (const lp of m.label) {
    if (!isValidLabelName(lp.name)) return `invalid label name ${excerpt(lp.name, 64)}`;
    if (lp.name === METRIC_NAME_LABEL) return `label name "${METRIC_NAME_LABEL}" is reserved`;
    base.push({ name: lp.name, value: lp.value });
  }
  const repeated = checkLabelNames(base);
  if (repeated !== undefined) return repeated;
  const timestamp = toNumber(m.timestampMs) || now;
  const emit = (metric: string, value: number, extra?: Label): void => {
    const labels = [...base, { name: METRIC_NAME_LABEL, value: metric }];
    if (extra !== undefined) labels.push(extra);
    out.push({ labels: normalizeLabels(labels), samples: [{ value, timestamp }] });
  };
  const reserved = type === METRIC_TYPE.SUMMARY ? 'quantile' : isHistogram(type) ? 'le' : undefined;
  if (reserved !== undefined && base.some((l) => l.name === reserved)) return `label name "${reserved}" is reserved`;
  switch (type) {
    case METRIC_TYPE.COUNTER:
      if (m.counter === null) return 'counter type without a counter value';
      emit(name, m.counter.value);
      return undefined;
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
      for (const q of s.quantile) emit(name, q.value, { name: 'quantile', value: formatGoFloat(q.quantile) });
      emit(name + '_sum', s.sampleSum);
      emit(name + '_count', toNumber(s.sampleCount));
      return undefined;
    }
    case METRIC_TYPE.HISTOGRAM:
    case METRIC_TYPE.GAUGE_HISTOGRAM: {
      const h = m.histogram;
      if (h === null) return 'histogram type without a histogram value';
      const count = h.sampleCountFloat > 0 ? h.sampleCountFloat : toNumber(h.sampleCount);
      let sawInf = false;
      for (const b of h.bucket) {
        const cumulative = b.cumulativeCountFloat > 0 ? b.cumulativeCountFloat : toNumber(b.cumulativeCount);
        if (b.upperBound === Infinity) sawInf = true;
        emit(name + '_bucket', cumulative, { name: 'le', value: formatGoFloat(b.upperBound) });
      }
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
