import { ConfigError } from '../errors.ts';
import { parseAggregationConfigs, type AggregationRule } from './config.ts';

/**
 * gateway.yaml's `stream_aggregation:` as the config carries it (docs/stream-aggregation.md, "Config"): the
 * rules as written (so a prepared config, which is JSON, carries them unchanged) and the section's options.
 * Present in a GatewayConfig only when the section has at least one rule.
 */
export interface StreamAggregationSection {
  /** vmagent's -streamAggr.config rule list, as written (inline, or read from config_file). */
  rules: unknown[];
  /** Where the rules were written, for messages: `stream_aggregation`, `stream_aggregation.rules` or the file. */
  path: string;
  /** vmagent's -streamAggr.keepInput: matched series are forwarded too. */
  keepInput: boolean;
  /** vmagent's -streamAggr.dropInput: series no rule matches are dropped too. */
  dropInput: boolean;
  /** Shards (FIFO message groups), 1..1000. */
  shards: number;
}

export const DEFAULT_AGGREGATION_SHARDS = 10;
/** The section name of the global rules (state/aggregation/global/<shard>, message group agg.global.<shard>). */
export const GLOBAL_SECTION = 'global';

/**
 * Reads the section (its shape already checked by lib/config/shape/stream-aggregation.ts). A bare list is
 * the rule list; a mapping takes `rules` or `config_file` (read with readDoc, as scrape_config_files are)
 * and the options. Every rule problem is reported with its path through `fail`.
 */
export function readStreamAggregationSection(raw: unknown, fail: (path: string, reason: string) => void, readDoc?: (path: string) => unknown): StreamAggregationSection | undefined {
  if (raw === undefined || raw === null) return undefined;
  let opts: Record<string, unknown> = {};
  let rules: unknown = raw;
  let path = 'stream_aggregation';
  if (!Array.isArray(raw)) {
    if (typeof raw !== 'object') return undefined; // the schema reported it
    opts = raw as Record<string, unknown>;
    const file = opts.config_file;
    if (opts.rules != null && file != null) {
      fail('stream_aggregation.config_file', 'give rules or config_file, not both');
      return undefined;
    }
    if (typeof file === 'string') {
      if (!readDoc) {
        fail('stream_aggregation.config_file', 'cannot be read here (the config was not loaded from a file)');
        return undefined;
      }
      try {
        rules = readDoc(file);
      } catch (err) {
        fail('stream_aggregation.config_file', `cannot read ${JSON.stringify(file)}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        return undefined;
      }
      path = `stream_aggregation.config_file ${file}`;
    } else {
      rules = opts.rules;
      path = 'stream_aggregation.rules';
    }
  }
  const keepInput = opts.keep_input === true;
  try {
    parseAggregationConfigs(rules, path, { keepInput });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const p of err.problems) {
      const at = p.indexOf(': ');
      fail(p.slice(0, at), p.slice(at + 2));
    }
    return undefined;
  }
  if (!Array.isArray(rules) || rules.length === 0) return undefined;
  return { rules, path, keepInput, dropInput: opts.drop_input === true, shards: typeof opts.shards === 'number' ? opts.shards : DEFAULT_AGGREGATION_SHARDS };
}

const parsed = new WeakMap<StreamAggregationSection, AggregationRule[]>();

/** The section's rules, parsed once per section object (the config was validated: this does not throw for a loaded config). */
export function aggregationRules(section: StreamAggregationSection): AggregationRule[] {
  let rules = parsed.get(section);
  if (rules === undefined) parsed.set(section, (rules = parseAggregationConfigs(section.rules, section.path, { keepInput: section.keepInput })));
  return rules;
}
