import * as v from 'valibot';
import { deprecated, mapping, opt } from '../../config/shape/kit.ts';
import { renamed } from '../otlp/config-schema.ts';
import type { ProtocolOptionsSection } from '../protocol.ts';
import type { DatadogOptions } from './options.ts';

/**
 * The `datadog:` section of gateway.yaml (valibot), snake_case like the rest of the file; the camelCase
 * spellings of earlier releases are accepted with a deprecation warning. Apart from options.ts so the
 * ingest function's cold start does not load the schema library.
 */
const flag = v.boolean('must be true or false');

export const DATADOG_RENAMED = {
  sanitizeMetricName: 'sanitize_metric_name',
  prometheusNaming: 'prometheus_naming',
} as const;

export const datadogOptionsSchema = mapping(
  {
    sanitize_metric_name: opt(v.pipe(flag, v.description("DataDog metric-name sanitising as VictoriaMetrics' -datadog.sanitizeMetricName. Default true."))),
    prometheus_naming: opt(v.pipe(flag, v.description('Make metric and label names Prometheus-legal (dots to _). Default false.'))),
    sanitizeMetricName: opt(deprecated(flag, 'sanitize_metric_name')),
    prometheusNaming: opt(deprecated(flag, 'prometheus_naming')),
  },
  { unknown: 'option', description: 'DataDog ingestion (docs/otlp-datadog.md).' },
);

export function readDatadogSection(raw: Record<string, unknown> | undefined, fail: (path: string, msg: string) => void): DatadogOptions {
  return renamed(raw, DATADOG_RENAMED, 'datadog', fail) as DatadogOptions;
}

/** The `datadog:` section for the config schema (lib/ingest/protocol-options.ts). */
export const datadogSection: ProtocolOptionsSection<DatadogOptions> = { schema: datadogOptionsSchema, read: readDatadogSection };
