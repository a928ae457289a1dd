import type { ProtocolOptionsSection } from './protocol.ts';
import type * as protocols from './protocols.ts';
import { datadogSection } from './datadog/config-schema.ts';
import { otlpSection } from './otlp/config-schema.ts';
import { pushgatewaySection } from './pushgateway/config-schema.ts';

/**
 * The config side of lib/ingest/protocols.ts: for every protocol that declares an `optionsKey`, its section of
 * gateway.yaml (schema and reader, from its config-schema.ts), by that key. lib/config/shape/gateway.ts and
 * lib/config/schema.ts build the protocol sections from this and name no protocol. A separate list because
 * protocols.ts is loaded at the ingest function's cold start and this one loads the schema library (valibot);
 * tsc refuses it unless it has exactly one entry per optionsKey declared in protocols.ts.
 */
export const PROTOCOL_OPTIONS = {
  otlp: otlpSection,
  datadog: datadogSection,
  pushgateway: pushgatewaySection,
} satisfies { [K in OptionsKey]: ProtocolOptionsSection };

/** The optionsKey of every protocol in protocols.ts that has one (declared `as const` in its index.ts). */
export type OptionsKey = { [K in keyof typeof protocols]: (typeof protocols)[K] extends { optionsKey: infer O extends string } ? O : never }[keyof typeof protocols];

/** The options of every protocol section, as GatewayConfig holds them (`otlp: OtlpOptions`, ...). */
export type ProtocolOptionsConfig = { [K in keyof typeof PROTOCOL_OPTIONS]: ReturnType<(typeof PROTOCOL_OPTIONS)[K]['read']> };
