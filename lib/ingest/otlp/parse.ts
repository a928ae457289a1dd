import { ConfigError } from '../../errors.ts';
import type { ParseResult } from '../types.ts';
import { decodeOtlpJson } from './decode-json.ts';
import { decodeOtlpProtobuf } from './decode-protobuf.ts';
import { TRANSLATION_STRATEGIES, type OtlpTranslationStrategy } from './naming.ts';
import { translateOtlp } from './translate.ts';

/** Gateway-level settings for OTLP ingestion (config section `otlp`); all optional. */
export interface OtlpOptions {
  /** Default `UnderscoreEscapingWithoutSuffixes` (see naming.ts and docs/otlp-datadog.md). */
  translationStrategy?: OtlpTranslationStrategy;
  /** Resource attributes copied onto every series, as Prometheus' `promote_resource_attributes`. */
  promoteResourceAttributes?: readonly string[];
  /** Copy all resource attributes onto every series (VictoriaMetrics' behaviour). Default false. */
  promoteAllResourceAttributes?: boolean;
  /** Emit `target_info` per resource (Prometheus' behaviour). Default true. */
  targetInfo?: boolean;
}

export interface OtlpParseOptions extends OtlpOptions {
  format: 'protobuf' | 'json';
  /** Milliseconds since the epoch: the timestamp of points whose time_unix_nano is 0. */
  now: number;
}

export interface OtlpParseResult extends ParseResult {
  /** Data points dropped; what partial_success.rejected_data_points reports. */
  rejectedPoints: number;
}

const OPTION_KEYS = new Set(['translationStrategy', 'promoteResourceAttributes', 'promoteAllResourceAttributes', 'targetInfo']);

/** Validates OtlpOptions from configuration; throws ConfigError naming every problem (path prefix `otlp.`). */
export function validateOtlpOptions(o: unknown): OtlpOptions {
  if (o === undefined) return {};
  const problems: string[] = [];
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ConfigError(['otlp: must be a mapping']);
  const r = o as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!OPTION_KEYS.has(k)) problems.push(`otlp.${k}: unknown option`);
  if (r.translationStrategy !== undefined && !TRANSLATION_STRATEGIES.includes(r.translationStrategy as OtlpTranslationStrategy)) {
    problems.push(`otlp.translationStrategy: must be one of ${TRANSLATION_STRATEGIES.join(', ')}`);
  }
  const pra = r.promoteResourceAttributes;
  if (pra !== undefined && (!Array.isArray(pra) || pra.some((x) => typeof x !== 'string' || x === ''))) {
    problems.push('otlp.promoteResourceAttributes: must be a list of non-empty strings');
  }
  for (const k of ['promoteAllResourceAttributes', 'targetInfo']) {
    if (r[k] !== undefined && typeof r[k] !== 'boolean') problems.push(`otlp.${k}: must be true or false`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return r as OtlpOptions;
}

/**
 * Parses an OTLP/HTTP ExportMetricsServiceRequest (protobuf or JSON) into Prometheus series.
 * Throws BadRequestError when the body is not a request at all; items it cannot map (delta temporality,
 * exponential histograms, bad names, points without a value) are reported in `errors` and counted in
 * `rejectedPoints`, and the rest is returned.
 */
export function parseOtlpMetrics(body: Uint8Array, opts: OtlpParseOptions): OtlpParseResult {
  const resources = opts.format === 'json' ? decodeOtlpJson(body) : decodeOtlpProtobuf(body);
  return translateOtlp(resources, {
    now: opts.now,
    strategy: opts.translationStrategy ?? 'UnderscoreEscapingWithoutSuffixes',
    promoteResourceAttributes: new Set(opts.promoteResourceAttributes ?? []),
    promoteAllResourceAttributes: opts.promoteAllResourceAttributes ?? false,
    targetInfo: opts.targetInfo ?? true,
  });
}
