import { BadRequestError, UnsupportedMediaTypeError } from '../../errors.ts';
import { formatSeries, labelsKey, METRIC_NAME_LABEL, seriesName, setLabel } from '../../model/labels.ts';
import type { Label, MetricType, TimeSeries } from '../../model/types.ts';
import { parseMediaType } from '../prometheus/media-type.ts';
import { describeLineErrors } from '../prometheus/messages.ts';
import { parseExposition } from '../prometheus/parse.ts';
import { decodeMetricFamilies, METRIC_TYPE, metricFamiliesToSeries } from './metric-families.ts';

export const PROTOCOL = 'pushgateway';

/** The gauge the Pushgateway keeps per group: the time of the last successful push, in seconds. */
export const PUSH_TIME_METRIC = 'push_time_seconds';

const PROTOBUF_TYPE = 'application/vnd.google.protobuf';
const PROTOBUF_PROTO = 'io.prometheus.client.MetricFamily';
const PROTOBUF_CONTENT_TYPE = `${PROTOBUF_TYPE}; proto=${PROTOBUF_PROTO}; encoding=delimited`;

/**
 * The series of a push body, all or nothing (a push is atomic in the Pushgateway): any bad line or metric
 * family rejects the whole body with a 400 that lists the first errors.
 * - `application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited`: protobuf
 *   (another proto or encoding is a 415);
 * - `application/openmetrics-text`: OpenMetrics; anything else, or no Content-Type: text 0.0.4 (the Pushgateway
 *   falls back to text the same way). HELP/TYPE lines are checked.
 * Samples without a timestamp get `now`; samples with one keep it (see docs/pushgateway.md).
 */
export function parsePushBody(body: Uint8Array, contentType: string | undefined, now: number, maxLineLength?: number): TimeSeries[] {
  return parseTypedPushBody(body, contentType, now, maxLineLength).series;
}

/**
 * parsePushBody with the metric types the body declares (family name -> type: text TYPE lines, protobuf
 * family types), which the aggregation mode needs to tell counters (summed) from gauges (last value).
 */
export function parseTypedPushBody(body: Uint8Array, contentType: string | undefined, now: number, maxLineLength?: number): { series: TimeSeries[]; types: Map<string, MetricType> } {
  const mt = parseMediaType(contentType);
  const types = new Map<string, MetricType>();
  if (mt?.type === PROTOBUF_TYPE) {
    if (mt.params['proto'] !== PROTOBUF_PROTO || mt.params['encoding'] !== 'delimited') {
      throw new UnsupportedMediaTypeError(
        `${PROTOCOL}: unsupported protobuf body ${JSON.stringify(contentType ?? '')}: want "${PROTOBUF_CONTENT_TYPE}"`,
      );
    }
    const families = decodeMetricFamilies(body);
    const { series, errors, errorCount } = metricFamiliesToSeries(families, now);
    if (errors.length > 0) {
      throw new BadRequestError(describeLineErrors(PROTOCOL, errors, 'nothing was accepted', 'metric family', errorCount));
    }
    for (const f of families) {
      const t = FAMILY_TYPES[f.type];
      if (t !== undefined && f.name) types.set(f.name, t);
    }
    return { series, types };
  }
  const openMetrics = mt?.type === 'application/openmetrics-text';
  const { series, errors, errorCount, metadata } = parseExposition(body, { defaultTimestamp: now, openMetrics, exemplars: true, ...(maxLineLength !== undefined ? { maxLineLength } : {}) });
  if (errors.length > 0) throw new BadRequestError(describeLineErrors(PROTOCOL, errors, 'nothing was accepted', 'line', errorCount));
  for (const m of metadata) if (m.type !== 'UNKNOWN') types.set(m.metricFamilyName, m.type);
  return { series, types };
}

/** client_model's MetricType numbers as remote_write metadata types. */
const FAMILY_TYPES: Record<number, MetricType> = {
  [METRIC_TYPE.COUNTER]: 'COUNTER',
  [METRIC_TYPE.GAUGE]: 'GAUGE',
  [METRIC_TYPE.SUMMARY]: 'SUMMARY',
  [METRIC_TYPE.HISTOGRAM]: 'HISTOGRAM',
  [METRIC_TYPE.GAUGE_HISTOGRAM]: 'GAUGEHISTOGRAM',
};

/**
 * Applies the grouping key the Pushgateway way: every grouping label is set on every series, replacing a body
 * label of the same name (an empty grouping value removes it); other body labels, `instance` included, stay.
 * Pushed `push_time_seconds` series are dropped (the gateway writes its own, as the Pushgateway does).
 * Two series with the same labels after this are a 400 (the Pushgateway's consistency check rejects them too).
 * Mutates and returns the series.
 */
export function applyGroupingKey(series: TimeSeries[], grouping: readonly Label[]): TimeSeries[] {
  const out: TimeSeries[] = [];
  const seen = new Set<string>();
  for (const s of series) {
    if (seriesName(s) === PUSH_TIME_METRIC) continue;
    for (const g of grouping) setLabel(s.labels, g.name, g.value);
    const key = labelsKey(s.labels);
    if (seen.has(key)) {
      throw new BadRequestError(
        `${PROTOCOL}: series ${formatSeries(s.labels)} is pushed twice (after applying the grouping key); nothing was accepted`,
      );
    }
    seen.add(key);
    out.push(s);
  }
  return out;
}

/**
 * `push_time_seconds{<grouping key>}` at `now`: the push time in seconds, or, with `stale`, a staleness marker
 * (DELETE: the group is gone, so is its push time).
 */
export function pushTimeSeries(grouping: readonly Label[], now: number, stale = false): TimeSeries {
  const labels: Label[] = [];
  for (const g of grouping) if (g.value !== '') labels.push({ name: g.name, value: g.value });
  setLabel(labels, METRIC_NAME_LABEL, PUSH_TIME_METRIC);
  const sample = stale ? { value: NaN, timestamp: now, stale: true } : { value: now / 1000, timestamp: now };
  return { labels, samples: [sample] };
}
