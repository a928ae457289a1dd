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
 * and the options. Every rule problem is reported with its path through `fail`. `at` is where the section
 * is: `stream_aggregation` (global) or `remote_write[i].stream_aggregation` (one destination's).
 */
export function readStreamAggregationSection(raw: unknown, fail: (path: string, reason: string) => void, readDoc?: (path: string) => unknown, at = 'stream_aggregation'): StreamAggregationSection | undefined {
  if (raw === undefined || raw === null) return undefined;
  let opts: Record<string, unknown> = {};
  let rules: unknown = raw;
  let path = at;
  if (!Array.isArray(raw)) {
    if (typeof raw !== 'object') return undefined; // the schema reported it
    opts = raw as Record<string, unknown>;
    const file = opts.config_file;
    if (opts.rules != null && file != null) {
      fail(`${at}.config_file`, 'give rules or config_file, not both');
      return undefined;
    }
    if (typeof file === 'string') {
      if (!readDoc) {
        fail(`${at}.config_file`, 'cannot be read here (the config was not loaded from a file)');
        return undefined;
      }
      try {
        rules = readDoc(file);
      } catch (err) {
        fail(`${at}.config_file`, `cannot read ${JSON.stringify(file)}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        return undefined;
      }
      path = `${at}.config_file ${file}`;
    } else {
      rules = opts.rules;
      path = `${at}.rules`;
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

/** Prefix of a destination's section name: `rw.<destination name>`. */
export const DESTINATION_SECTION_PREFIX = 'rw.';
/** Section names are at most 64 characters (shard-store.ts): longer destination names end in a hash of the name. */
const MAX_SECTION_NAME = 64;

/**
 * The section name of `remote_write[i].stream_aggregation` for the destination `name` (state under
 * state/aggregation/rw.<name>/, FIFO groups agg.rw.<name>.<shard>). Destination names match
 * [A-Za-z0-9_.-]+ and are unique, so the name is used as is; one too long for a section name keeps its
 * head and a hash of the whole name, which keeps distinct names distinct.
 */
export function destinationSection(name: string): string {
  const full = DESTINATION_SECTION_PREFIX + name;
  if (full.length <= MAX_SECTION_NAME) return full;
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  const tail = `-${h.toString(16).padStart(8, '0')}`;
  return full.slice(0, MAX_SECTION_NAME - tail.length) + tail;
}

const parsed = new WeakMap<StreamAggregationSection, AggregationRule[]>();

/** The section's rules, parsed once per section object (the config was validated: this does not throw for a loaded config). */
export function aggregationRules(section: StreamAggregationSection): AggregationRule[] {
  let rules = parsed.get(section);
  if (rules === undefined) parsed.set(section, (rules = parseAggregationConfigs(section.rules, section.path, { keepInput: section.keepInput })));
  return rules;
}
