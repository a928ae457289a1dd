import type { Checker } from './check.ts';

/**
 * The gateway's own counters as gateway_* series (top-level `self_metrics:`), forwarded to every
 * destination through the queue like pushed data. See lib/observability/self-series.ts.
 */
export interface SelfMetricsConfig {
  enabled: boolean;
  /** At most one snapshot per process (Lambda container) per interval. Default 1m. */
  intervalMs: number;
  /** Added to every gateway_* series (after global.external_labels, which also apply). Default job="metrics-gateway". */
  labels: Record<string, string>;
}

export const DEFAULT_SELF_METRICS: SelfMetricsConfig = { enabled: true, intervalMs: 60_000, labels: { job: 'metrics-gateway' } };

export function parseSelfMetricsConfig(c: Checker, raw: unknown, path: string): SelfMetricsConfig {
  const o = c.object(raw, path) ?? {};
  const d = DEFAULT_SELF_METRICS;
  const intervalMs = c.duration(o.interval, `${path}.interval`, d.intervalMs);
  if (intervalMs < 1000) c.fail(`${path}.interval`, 'must be at least 1s');
  const labels = o.labels === undefined || o.labels === null ? d.labels : c.stringMap(o.labels, `${path}.labels`);
  for (const name of Object.keys(labels)) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) || name.startsWith('__')) c.fail(`${path}.labels.${name}`, 'must be a label name matching [a-zA-Z_][a-zA-Z0-9_]* not starting with __');
    if (name === 'instance' || name === 'function') c.fail(`${path}.labels.${name}`, 'is set by the gateway (the process and the function it counts for)');
  }
  return { enabled: c.bool(o.enabled, `${path}.enabled`, d.enabled), intervalMs: intervalMs >= 1000 ? intervalMs : d.intervalMs, labels };
}
