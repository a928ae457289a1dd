import type { GatewayConfig } from '../config/schema.ts';

/**
 * Whether the config has any durable aggregation section (lib/compose/aggregate.ts aggregationSections
 * lists them: the global stream_aggregation and each remote_write[i].stream_aggregation): then ingest loads
 * its hook, the local runner runs the aggregation queue, consumer and flush, and the CDK stack adds the
 * Aggregation construct. Light on purpose: ingest init reads it before deciding to import the aggregation code.
 */
export function aggregationConfigured(config: GatewayConfig): boolean {
  return config.streamAggregation !== undefined || config.otlp.deltaToCumulative !== undefined || config.pushgateway?.aggregation !== undefined || config.remoteWrite.some((rw) => rw.streamAggregation !== undefined);
}
