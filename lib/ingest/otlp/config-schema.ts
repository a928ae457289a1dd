import * as v from 'valibot';
import { bool, deprecated, duration, int, mapping, opt } from '../../config/shape/kit.ts';
import { parseDuration } from '../../config/duration.ts';
import { TRANSLATION_STRATEGIES } from './naming.ts';
import type { ProtocolOptionsSection } from '../protocol.ts';
import type { DeltaToCumulativeOptions, OtlpOptions } from './options.ts';

/**
 * The `otlp:` section of gateway.yaml (valibot), in Prometheus' snake_case (its `otlp:` block names
 * translation_strategy and promote_resource_attributes the same way). The camelCase spellings of earlier
 * releases are accepted with a deprecation warning; both spellings of one option is an error. Kept apart
 * from options.ts, which the ingest function loads at a cold start without the schema library.
 */
const strategy = v.picklist(TRANSLATION_STRATEGIES, `must be one of ${TRANSLATION_STRATEGIES.join(', ')}`);
const NAMES = 'must be a list of non-empty strings';
const names = v.array(v.pipe(v.string(NAMES), v.nonEmpty(NAMES)), NAMES);
const flag = v.boolean('must be true or false');
const entries = {
  translation_strategy: opt(v.pipe(strategy, v.description('Default UnderscoreEscapingWithoutSuffixes (docs/otlp-datadog.md).'))),
  promote_resource_attributes: opt(v.pipe(names, v.description('Resource attributes copied onto every series.'))),
  promote_all_resource_attributes: opt(v.pipe(flag, v.description("All resource attributes onto every series (VictoriaMetrics' behaviour). Default false."))),
  target_info: opt(v.pipe(flag, v.description('Emit target_info per resource. Default true.'))),
};

/** Defaults of `otlp.delta_to_cumulative`: max_stale as Prometheus' otlp-deltatocumulative (the Collector processor's). */
export const DELTA_DEFAULTS = { maxStaleMs: 5 * 60_000, maxStreamsPerShard: 10_000, shards: 10 } as const;
/** A shard's whole state is written on every applied batch: this bounds one write (about 300 bytes a stream). */
export const MAX_DELTA_STREAMS_PER_SHARD = 100_000;

const deltaToCumulative = mapping(
  {
    enabled: opt(bool('Accept delta sums and histograms and convert them to cumulative. Default false (delta is rejected).')),
    max_stale: opt(duration('A stream not updated for this long is forgotten; its next point starts afresh. Default 5m, more than 0.')),
    max_streams_per_shard: opt(int(1, MAX_DELTA_STREAMS_PER_SHARD, `Streams one shard holds; a new stream past it is dropped and counted. Default ${DELTA_DEFAULTS.maxStreamsPerShard}.`)),
    shards: opt(int(1, 1000, `Shards (FIFO message groups, one state object each). Default ${DELTA_DEFAULTS.shards}.`)),
  },
  { unknown: 'option', description: "OTLP delta temporality to cumulative, durable and exactly once (as Prometheus' otlp-deltatocumulative; docs/otlp-datadog.md)." },
);

/** Old spelling -> current one. */
export const OTLP_RENAMED = {
  translationStrategy: 'translation_strategy',
  promoteResourceAttributes: 'promote_resource_attributes',
  promoteAllResourceAttributes: 'promote_all_resource_attributes',
  targetInfo: 'target_info',
} as const;

export const otlpOptionsSchema = mapping(
  {
    ...entries,
    delta_to_cumulative: opt(deltaToCumulative),
    translationStrategy: opt(deprecated(strategy, 'translation_strategy')),
    promoteResourceAttributes: opt(deprecated(names, 'promote_resource_attributes')),
    promoteAllResourceAttributes: opt(deprecated(flag, 'promote_all_resource_attributes')),
    targetInfo: opt(deprecated(flag, 'target_info')),
  },
  { unknown: 'option', description: 'OTLP ingestion (docs/otlp-datadog.md).' },
);

/** The section as validated (either spelling) to OtlpOptions; reports both spellings of one option. */
export function readOtlpSection(raw: Record<string, unknown> | undefined, fail: (path: string, msg: string) => void): OtlpOptions {
  const out = renamed(raw, OTLP_RENAMED, 'otlp', fail) as OtlpOptions;
  const delta = readDeltaToCumulative(raw?.delta_to_cumulative, fail);
  if (delta !== undefined) out.deltaToCumulative = delta;
  return out;
}

/** `otlp.delta_to_cumulative` (shape-checked already) to its options; undefined unless `enabled: true`. */
function readDeltaToCumulative(raw: unknown, fail: (path: string, msg: string) => void): DeltaToCumulativeOptions | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const d = raw as Record<string, unknown>;
  if (d.enabled !== true) return undefined;
  const out: DeltaToCumulativeOptions = { ...DELTA_DEFAULTS };
  if (typeof d.max_stale === 'string') {
    const ms = parseDuration(d.max_stale);
    if (ms === 0) fail('otlp.delta_to_cumulative.max_stale', 'must be more than 0');
    else if (ms !== undefined) out.maxStaleMs = ms;
  }
  if (typeof d.max_streams_per_shard === 'number') out.maxStreamsPerShard = d.max_streams_per_shard;
  if (typeof d.shards === 'number') out.shards = d.shards;
  return out;
}

/** Shared by the protocol sections: the snake_case keys to the camelCase options object. */
export function renamed(raw: Record<string, unknown> | undefined, table: Record<string, string>, section: string, fail: (path: string, msg: string) => void): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!raw) return out;
  for (const [old, current] of Object.entries(table)) {
    const a = raw[old] ?? undefined;
    const b = raw[current] ?? undefined;
    if (a !== undefined && b !== undefined) fail(`${section}.${old}`, `set as both ${current} and ${old} (its deprecated spelling): keep ${current}`);
    const value = b ?? a;
    if (value !== undefined) out[old] = value;
  }
  return out;
}

/** The `otlp:` section for the config schema (lib/ingest/protocol-options.ts). */
export const otlpSection: ProtocolOptionsSection<OtlpOptions> = { schema: otlpOptionsSchema, read: readOtlpSection };
