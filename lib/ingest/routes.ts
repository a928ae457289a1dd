import type { IngestLimits } from '../config/schema.ts';
import { csvRoutes } from './csv/route.ts';
import { createDatadogRoutes } from './datadog/route.ts';
import type { DatadogOptions } from './datadog/parse.ts';
import { graphiteRoutes } from './graphite/route.ts';
import { jsonlineRoutes } from './jsonline/route.ts';
import { routes as opentsdbRoutes } from './opentsdb/route.ts';
import { influxRoutes } from './influx/route.ts';
import { createOtlpRoutes } from './otlp/route.ts';
import type { OtlpOptions } from './otlp/parse.ts';
import { prometheusRoutes } from './prometheus/route.ts';
import { pushgatewayRoutes } from './pushgateway/route.ts';
import { remoteWriteRoutes } from './remote-write/route.ts';
import { Router } from './router.ts';
import type { ProtocolRoute } from './types.ts';

/** Protocol options from gateway.yaml (sections `otlp`, `datadog`), already validated. */
export interface ProtocolOptions {
  otlp?: OtlpOptions;
  datadog?: DatadogOptions;
}

/** Every push route. A new protocol adds its folder's routes here. */
export function allRoutes(limits: IngestLimits, protocols: ProtocolOptions = {}): ProtocolRoute[] {
  const maxLine = limits.maxLineLength;
  return [...remoteWriteRoutes, ...influxRoutes(maxLine), ...createOtlpRoutes(protocols.otlp), ...createDatadogRoutes(protocols.datadog), ...jsonlineRoutes(maxLine), ...csvRoutes(maxLine), ...opentsdbRoutes, ...graphiteRoutes(maxLine), ...prometheusRoutes(maxLine), ...pushgatewayRoutes(maxLine)];
}

/** extra: routes served beside the push routes (the scrape status pages). */
export function createRouter(limits: IngestLimits, protocols: ProtocolOptions = {}, extra: readonly ProtocolRoute[] = []): Router {
  return new Router([...allRoutes(limits, protocols), ...extra]);
}
