import type { GenericSchema } from 'valibot';
import type { IngestLimits } from '../config/schema.ts';
import type { IngestRequest, ProtocolRoute, RouteOutcome } from './types.ts';

/** A route's address: all the router needs to match a request, and to answer 404 and 405, with no protocol code loaded. */
export interface RouteSpec {
  /** Exact paths, or a prefix ending in `/*` (the rest is in params['*']). */
  paths: readonly string[];
  methods: readonly string[];
  /** The Content-Encoding a request without one is read with (remote_write: snappy, as VictoriaMetrics does). */
  defaultEncoding?: 'snappy';
}

/** What a protocol's code is built from: the ingest limits and its own section of gateway.yaml, if it has one. */
export interface ProtocolSetup {
  limits: IngestLimits;
  /** `config[optionsKey]`; undefined when the protocol has no section or the file leaves it out. */
  options?: unknown;
}

/** The code of a protocol (its route.ts), loaded with the first request to any of its routes. */
export interface ProtocolCode {
  /** One route per entry of the protocol's `routes`, in the same order (bindRoutes builds them so). Throws ConfigError for bad options. */
  createRoutes(setup: ProtocolSetup): ProtocolRoute[];
}

/**
 * One protocol, described by static data only (lib/ingest/<protocol>/index.ts): importing it loads no parser.
 * lib/ingest/protocols.ts lists every one; the router, cold-start laziness and the config read that list.
 */
export interface Protocol<R extends Record<string, RouteSpec> = Record<string, RouteSpec>> {
  /** Used in error messages, logs and the `protocol` label of counters: `influx`, `remote_write`, ... */
  name: string;
  /** The routes by a name local to the protocol; served in this order. Names must not look like integers (key order). */
  routes: R;
  /** The top-level key of gateway.yaml whose (validated) value is this protocol's options, if it has any. */
  optionsKey?: string;
  /** Its code, as a separate chunk in a bundle: `() => import('./route.ts')`. */
  load(): Promise<ProtocolCode>;
}

/**
 * The config side of a protocol with an `optionsKey` (its lib/ingest/<protocol>/config-schema.ts): the valibot
 * schema of its gateway.yaml section and the reader from the validated section to the options its code takes.
 * Kept out of index.ts so the schema library never loads at a cold start; lib/ingest/protocol-options.ts lists them.
 */
export interface ProtocolOptionsSection<O = unknown> {
  schema: GenericSchema;
  /** The validated section (undefined when absent) to the options object; `fail` records a problem at a path. */
  read(raw: Record<string, unknown> | undefined, fail: (path: string, msg: string) => void): O;
}

/** A handler for every route a protocol declares, and for nothing else (tsc checks both). */
export type RouteHandlers<P extends Protocol> = { [K in keyof P['routes']]: (req: IngestRequest) => RouteOutcome };

/** The protocol's routes: each declared address with its handler, in the declared order. */
export function bindRoutes<P extends Protocol>(protocol: P, handlers: RouteHandlers<P>): ProtocolRoute[] {
  return Object.entries(protocol.routes).map(([key, spec]) => ({ protocol: protocol.name, ...spec, handle: handlers[key as keyof P['routes']] }));
}
