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
  /**
   * Delta temporality converted to cumulative in durable shards (docs/otlp-datadog.md), as Prometheus'
   * `otlp-deltatocumulative`; present only when enabled. Without it delta points are rejected.
   */
  deltaToCumulative?: DeltaToCumulativeOptions;
}

/** `otlp.delta_to_cumulative` as read (durations in ms); lib/aggregation/delta/section.ts applies it. */
export interface DeltaToCumulativeOptions {
  /** A stream not updated for this long is forgotten; its next point starts afresh (`max_stale`, default 5m). */
  maxStaleMs: number;
  /** Streams one shard holds at most; a new stream past it is dropped, counted (`max_streams_per_shard`). */
  maxStreamsPerShard: number;
  /** Shards (FIFO message groups, one state object each), 1..1000 (`shards`, default 10). */
  shards: number;
}

const OPTION_KEYS = new Set(['translationStrategy', 'promoteResourceAttributes', 'promoteAllResourceAttributes', 'targetInfo', 'deltaToCumulative']);

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
  const d = r.deltaToCumulative as Partial<Record<keyof DeltaToCumulativeOptions, unknown>> | undefined;
  if (d !== undefined) {
    if (typeof d !== 'object' || d === null) problems.push('otlp.deltaToCumulative: must be a mapping');
    else {
      if (!(typeof d.maxStaleMs === 'number' && d.maxStaleMs > 0)) problems.push('otlp.deltaToCumulative.maxStaleMs: must be a positive number of milliseconds');
      if (!(Number.isInteger(d.maxStreamsPerShard) && (d.maxStreamsPerShard as number) > 0)) problems.push('otlp.deltaToCumulative.maxStreamsPerShard: must be a positive whole number');
      if (!(Number.isInteger(d.shards) && (d.shards as number) >= 1 && (d.shards as number) <= 1000)) problems.push('otlp.deltaToCumulative.shards: must be a whole number in 1..1000');
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return r as OtlpOptions;
}
