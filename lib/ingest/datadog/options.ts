import { ConfigError } from '../../errors.ts';

/** Gateway-level settings for DataDog ingestion (config section `datadog`); all optional. */
export interface DatadogOptions {
  /** DataDog metric-name sanitising as VictoriaMetrics' `-datadog.sanitizeMetricName`. Default true. */
  sanitizeMetricName?: boolean;
  /** Make metric and label names Prometheus-legal (dots to `_`). Default false: names keep dots, as in VM. */
  prometheusNaming?: boolean;
}

const OPTION_KEYS = new Set(['sanitizeMetricName', 'prometheusNaming']);

/** Validates DatadogOptions from configuration; throws ConfigError naming every problem. */
export function validateDatadogOptions(o: unknown): DatadogOptions {
  if (o === undefined) return {};
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ConfigError(['datadog: must be a mapping']);
  const problems: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (!OPTION_KEYS.has(k)) problems.push(`datadog.${k}: unknown option`);
    else if (v !== undefined && typeof v !== 'boolean') problems.push(`datadog.${k}: must be true or false`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return o as DatadogOptions;
}
