import type { IngestLimits } from '../config/schema.ts';
import type { Protocol, RouteSpec } from './protocol.ts';
import * as protocols from './protocols.ts';
import { Router } from './router.ts';
import type { DispatchRoute, IngestRequest, ProtocolRoute, RouteOutcome } from './types.ts';

/** Every protocol of lib/ingest/protocols.ts: the one list the router, the config and the tests read. */
export const PROTOCOLS: readonly Protocol[] = Object.values(protocols);

/** Each protocol's options by its `optionsKey` (its section of gateway.yaml), as the config holds them. */
export type ProtocolOptions = Readonly<Record<string, unknown>>;

/** The sections of `config` that protocols take their options from (those with an `optionsKey`). */
export function protocolOptions(config: object): ProtocolOptions {
  const sections = config as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const p of PROTOCOLS) if (p.optionsKey !== undefined && sections[p.optionsKey] !== undefined) out[p.optionsKey] = sections[p.optionsKey];
  return out;
}

/**
 * Stand-ins for a protocol's routes, built from its static data: matching a request, 404 and 405 need no
 * protocol code, so a Lambda cold start compiles none of it; the first request to any of its routes loads
 * the code (its own chunk in a bundle: bench/bundles.ts measures both), once, and again after a failed load.
 */
export function deferredRoutes(protocol: Protocol, limits: IngestLimits, options: ProtocolOptions = {}): DispatchRoute[] {
  let loading: Promise<ProtocolRoute[]> | undefined;
  const setup = { limits, options: protocol.optionsKey === undefined ? undefined : options[protocol.optionsKey] };
  const load = (): Promise<ProtocolRoute[]> =>
    (loading ??= protocol
      .load()
      .then((code) => code.createRoutes(setup))
      .catch((err: unknown) => {
        loading = undefined;
        throw err;
      }));
  return Object.values<RouteSpec>(protocol.routes).map((spec, i) => ({
    protocol: protocol.name,
    ...spec,
    handle: async (req: IngestRequest): Promise<RouteOutcome> => (await load())[i]!.handle(req),
  }));
}

/** Every push route, each protocol's code loaded on first use. */
function allRoutes(limits: IngestLimits, options: ProtocolOptions = {}): DispatchRoute[] {
  return PROTOCOLS.flatMap((p) => deferredRoutes(p, limits, options));
}

/** extra: routes served beside the push routes (the scrape status pages). */
export function createRouter(limits: IngestLimits, options: ProtocolOptions = {}, extra: readonly DispatchRoute[] = []): Router {
  return new Router([...allRoutes(limits, options), ...extra]);
}
