import type { IngestLimits } from '../config/schema.ts';
import type { DatadogOptions } from './datadog/options.ts';
import type { OtlpOptions } from './otlp/options.ts';
import { Router } from './router.ts';
import type { DispatchRoute, IngestRequest, ProtocolRoute, RouteOutcome } from './types.ts';

/** Protocol options from gateway.yaml (sections `otlp`, `datadog`), already validated. */
export interface ProtocolOptions {
  otlp?: OtlpOptions;
  datadog?: DatadogOptions;
}

/** A route's address without its code: what the router needs to match a request. */
export type RouteShape = Pick<ProtocolRoute, 'protocol' | 'paths' | 'methods' | 'defaultEncoding'>;

/**
 * One protocol folder's routes, loaded on first use. The shapes repeat what its route.ts declares, in the
 * same order (test/unit/ingest/routes.test.ts holds the two equal), so matching a request, 404 and 405 need
 * no protocol code: a Lambda cold start compiles none of it, and each protocol arrives as a chunk with the
 * first request for it (bench/bundles.ts measures both).
 */
export interface RouteGroup {
  shapes: readonly RouteShape[];
  load(limits: IngestLimits, protocols: ProtocolOptions): Promise<ProtocolRoute[]>;
}

const POST = ['POST'];
const datadog = (path: string, methods: string[]): RouteShape => ({ protocol: 'datadog', paths: [path, path + '/'], methods });
const influx = (paths: string[], methods: string[]): RouteShape => ({ protocol: 'influx', paths, methods });
const PUSHGATEWAY_PATHS = ['/metrics/job/*', '/metrics/job@base64/*', '/api/v1/import/prometheus/metrics/job/*', '/api/v1/import/prometheus/metrics/job@base64/*'];

export const ROUTE_GROUPS: readonly RouteGroup[] = [
  {
    shapes: [{ protocol: 'remote_write', paths: ['/api/v1/write', '/api/v1/push', '/prometheus/api/v1/write'], methods: POST, defaultEncoding: 'snappy' }],
    load: async () => (await import('./remote-write/route.ts')).remoteWriteRoutes,
  },
  {
    shapes: [
      influx(['/write', '/influx/write'], POST),
      influx(['/api/v2/write', '/influx/api/v2/write'], POST),
      influx(['/ping', '/influx/ping'], ['GET', 'HEAD']),
      influx(['/health', '/influx/health'], ['GET']),
      influx(['/query', '/influx/query'], ['GET', 'POST']),
    ],
    load: async (l) => (await import('./influx/route.ts')).influxRoutes(l.maxLineLength),
  },
  {
    shapes: [{ protocol: 'otlp', paths: ['/opentelemetry/v1/metrics', '/opentelemetry/api/v1/push'], methods: POST }],
    load: async (_, p) => (await import('./otlp/route.ts')).createOtlpRoutes(p.otlp),
  },
  {
    shapes: [
      datadog('/datadog/api/v1/series', POST),
      datadog('/datadog/api/v2/series', POST),
      datadog('/datadog/api/v1/validate', ['GET', 'POST']),
      datadog('/datadog/intake', POST),
      datadog('/datadog/api/v1/check_run', POST),
      datadog('/datadog/api/v1/metadata', POST),
    ],
    load: async (_, p) => (await import('./datadog/route.ts')).createDatadogRoutes(p.datadog),
  },
  { shapes: [{ protocol: 'jsonline', paths: ['/api/v1/import'], methods: POST }], load: async (l) => (await import('./jsonline/route.ts')).jsonlineRoutes(l.maxLineLength) },
  { shapes: [{ protocol: 'csv', paths: ['/api/v1/import/csv'], methods: POST }], load: async (l) => (await import('./csv/route.ts')).csvRoutes(l.maxLineLength) },
  { shapes: [{ protocol: 'opentsdb', paths: ['/api/put'], methods: POST }], load: async () => (await import('./opentsdb/route.ts')).routes },
  { shapes: [{ protocol: 'graphite', paths: ['/graphite'], methods: POST }], load: async (l) => (await import('./graphite/route.ts')).graphiteRoutes(l.maxLineLength) },
  { shapes: [{ protocol: 'prometheus', paths: ['/api/v1/import/prometheus'], methods: POST }], load: async (l) => (await import('./prometheus/route.ts')).prometheusRoutes(l.maxLineLength) },
  { shapes: [{ protocol: 'pushgateway', paths: PUSHGATEWAY_PATHS, methods: ['PUT', 'POST', 'DELETE'] }], load: async (l) => (await import('./pushgateway/route.ts')).pushgatewayRoutes(l.maxLineLength) },
];

/** Stand-ins for a group's routes: the first request to any of them loads the group (once; again after a failed load). */
export function deferredRoutes(group: RouteGroup, limits: IngestLimits, protocols: ProtocolOptions): DispatchRoute[] {
  let loading: Promise<ProtocolRoute[]> | undefined;
  const load = (): Promise<ProtocolRoute[]> =>
    (loading ??= group.load(limits, protocols).catch((err: unknown) => {
      loading = undefined;
      throw err;
    }));
  return group.shapes.map((shape, i) => ({
    ...shape,
    handle: async (req: IngestRequest): Promise<RouteOutcome> => (await load())[i]!.handle(req),
  }));
}

/** Every push route, each protocol's code loaded on first use. A new protocol adds a group here. */
export function allRoutes(limits: IngestLimits, protocols: ProtocolOptions = {}): DispatchRoute[] {
  return ROUTE_GROUPS.flatMap((g) => deferredRoutes(g, limits, protocols));
}

/** Every push route with its code loaded (the route table test compares these with the shapes). */
export async function loadAllRoutes(limits: IngestLimits, protocols: ProtocolOptions = {}): Promise<ProtocolRoute[]> {
  const groups = await Promise.all(ROUTE_GROUPS.map((g) => g.load(limits, protocols)));
  return groups.flat();
}

/** extra: routes served beside the push routes (the scrape status pages). */
export function createRouter(limits: IngestLimits, protocols: ProtocolOptions = {}, extra: readonly DispatchRoute[] = []): Router {
  return new Router([...allRoutes(limits, protocols), ...extra]);
}
