import * as v from 'valibot';
import { deprecated, mapping, opt } from '../../config/shape/kit.ts';
import { TRANSLATION_STRATEGIES } from './naming.ts';
import type { ProtocolOptionsSection } from '../protocol.ts';
import type { OtlpOptions } from './options.ts';

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
    translationStrategy: opt(deprecated(strategy, 'translation_strategy')),
    promoteResourceAttributes: opt(deprecated(names, 'promote_resource_attributes')),
    promoteAllResourceAttributes: opt(deprecated(flag, 'promote_all_resource_attributes')),
    targetInfo: opt(deprecated(flag, 'target_info')),
  },
  { unknown: 'option', description: 'OTLP ingestion (docs/otlp-datadog.md).' },
);

/** The section as validated (either spelling) to OtlpOptions; reports both spellings of one option. */
export function readOtlpSection(raw: Record<string, unknown> | undefined, fail: (path: string, msg: string) => void): OtlpOptions {
  return renamed(raw, OTLP_RENAMED, 'otlp', fail) as OtlpOptions;
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
