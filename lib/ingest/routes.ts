import type { IngestLimits } from '../config/schema.ts';
import { routes as csvRoutes } from './csv/route.ts';
import { routes as datadogRoutes } from './datadog/route.ts';
import { routes as graphiteRoutes } from './graphite/route.ts';
import { routes as jsonlineRoutes } from './jsonline/route.ts';
import { routes as opentsdbRoutes } from './opentsdb/route.ts';
import { influxRoutes } from './influx/route.ts';
import { routes as otlpRoutes } from './otlp/route.ts';
import { routes as prometheusRoutes } from './prometheus/route.ts';
import { routes as pushgatewayRoutes } from './pushgateway/route.ts';
import { remoteWriteRoutes } from './remote-write/route.ts';
import { Router } from './router.ts';
import type { ProtocolRoute } from './types.ts';

/** Every push route. A new protocol adds its folder's routes here. */
export function allRoutes(limits: IngestLimits): ProtocolRoute[] {
  return [...remoteWriteRoutes, ...influxRoutes(limits.maxLineLength), ...otlpRoutes, ...datadogRoutes, ...jsonlineRoutes, ...csvRoutes, ...opentsdbRoutes, ...graphiteRoutes, ...prometheusRoutes, ...pushgatewayRoutes];
}

/** extra: routes served beside the push routes (the scrape status pages). */
export function createRouter(limits: IngestLimits, extra: readonly ProtocolRoute[] = []): Router {
  return new Router([...allRoutes(limits), ...extra]);
}
