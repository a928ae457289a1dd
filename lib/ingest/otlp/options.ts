import { ConfigError } from '../../errors.ts';
import { TRANSLATION_STRATEGIES, type OtlpTranslationStrategy } from './naming.ts';

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
