import type { MetricType } from '../model/types.ts';

/** prometheus.MetricMetadata.MetricType enum values, by wire number. */
export const METRIC_TYPES: readonly MetricType[] = [
  'UNKNOWN',
  'COUNTER',
  'GAUGE',
  'HISTOGRAM',
  'GAUGEHISTOGRAM',
  'SUMMARY',
  'INFO',
  'STATESET',
];
