import { METRIC_NAME_LABEL, normalizeLabels } from '../../model/labels.ts';
import type { Label } from '../../model/types.ts';

/** One DataDog series before it becomes labels: the fields of v1 and v2 (JSON or protobuf) that name it. */
export interface DatadogSeriesIdentity {
  metric: string;
  /** v1 `host`. */
  host?: string;
  /** v1 `device` (the Agent moves a `device:` tag here). */
  device?: string;
  /** v2 `resources`: each becomes the label `<type>="<name>"` (the Agent sends `{type:"host"}`). */
  resources?: readonly { type: string; name: string }[];
  tags: readonly string[];
  /** v2 `source_type_name`. */
  sourceTypeName?: string;
}

export interface DatadogNamingOptions {
  /** DataDog's own metric-name rules, as VictoriaMetrics' `-datadog.sanitizeMetricName` (default true). */
  sanitizeMetricName: boolean;
  /** Also make names Prometheus-legal: `.` and other invalid characters become `_` (default false, as VM). */
  prometheusNaming: boolean;
}

/** The value VictoriaMetrics gives a tag without `:` (`env` -> env="no_label_value"). */
export const NO_LABEL_VALUE = 'no_label_value';

/** Splits `name:value` at the first colon; a tag without a colon gets NO_LABEL_VALUE, as in VictoriaMetrics. */
export function splitTag(tag: string): [string, string] {
  const i = tag.indexOf(':');
  return i < 0 ? [tag, NO_LABEL_VALUE] : [tag.slice(0, i), tag.slice(i + 1)];
}

/**
 * DataDog's metric-name rules (https://docs.datadoghq.com/metrics/custom_metrics/#naming-custom-metrics) as
 * VictoriaMetrics applies them: runs of characters other than `[0-9a-zA-Z_.]` become `_`, runs of `_` collapse,
 * and `_` next to a `.` is removed. Dots stay.
 */
export function sanitizeDatadogMetricName(name: string): string {
  return name.replace(/[^0-9a-zA-Z_.]+/g, '_').replace(/_+/g, '_').replace(/_?\._?/g, '.');
}

function prometheusMetricName(name: string): string {
  const n = name.replace(/[^a-zA-Z0-9_:]/gu, '_');
  return n[0] !== undefined && n[0] >= '0' && n[0] <= '9' ? '_' + n : n;
}

function prometheusLabelName(name: string): string {
  const n = name.replace(/[^a-zA-Z0-9_]/gu, '_');
  return n[0] !== undefined && n[0] >= '0' && n[0] <= '9' ? '_' + n : n;
}

/** The metric name after the configured sanitising; may be empty (the caller rejects the series). */
export function datadogMetricName(metric: string, opts: DatadogNamingOptions): string {
  let n = opts.sanitizeMetricName ? sanitizeDatadogMetricName(metric) : metric;
  if (opts.prometheusNaming) n = prometheusMetricName(n);
  return n;
}

/**
 * Labels for a series, in VictoriaMetrics' order: `__name__`, then v1 host/device or v2 resources, then tags
 * (a tag named `host` becomes `exported_host` so it cannot shadow the series' host), then v2
 * `source_type_name`. When a name repeats, the first occurrence wins. Empty names and values are dropped.
 * Returns sorted labels.
 */
export function datadogLabels(s: DatadogSeriesIdentity, name: string, opts: DatadogNamingOptions): Label[] {
  const m = new Map<string, string>();
  const put = (n: string, v: string): void => {
    const ln = opts.prometheusNaming ? prometheusLabelName(n) : n;
    if (ln === '' || v === '' || m.has(ln)) return;
    m.set(ln, v);
  };
  m.set(METRIC_NAME_LABEL, name);
  if (s.host !== undefined) put('host', s.host);
  if (s.device !== undefined) put('device', s.device);
  if (s.resources !== undefined) for (const r of s.resources) put(r.type, r.name);
  for (const tag of s.tags) {
    const [n, v] = splitTag(tag);
    put(n === 'host' ? 'exported_host' : n, v);
  }
  if (s.sourceTypeName !== undefined) put('source_type_name', s.sourceTypeName);
  const labels: Label[] = [];
  for (const [n, v] of m) labels.push({ name: n, value: v });
  return normalizeLabels(labels);
}
