import type { Label, TimeSeries } from '../../model/types.ts';
import { sortLabels } from '../../model/labels.ts';
import type { OutgoingMessage } from '../../ports/index.ts';
import { packSeries, type PackOptions } from '../../queue/envelope.ts';
import { labelSetHash, MAX_SHARDS } from '../../queue/shard.ts';
import { anySelectorMatches, applyRelabel } from '../../relabel/index.ts';
import type { AggregationRule } from '../config.ts';
import { aggregationGroupId } from './shard-store.ts';

/** Message attributes of an aggregation input message (beside the queue envelope's own). */
export const ATTR_SECTION = 'agg_section';
/** `<rule index>:<fingerprint hash>`: the rule the series are for (a series may feed several rules, in several shards). */
export const ATTR_RULE = 'agg_rule';
/** The producer's clock when it routed the series, ms: the `now` the shard owner pushes them with. */
export const ATTR_AT = 'agg_at';
/** Unique per routed request and part, so SQS FIFO content deduplication never merges two pushes that are alike. */
export const ATTR_NONCE = 'agg_nonce';

export interface RouteOptions {
  section: string;
  /** Shards of this section (FIFO message groups), 1..1000. */
  shards: number;
  /** The producer's clock. */
  now: number;
  /** Unique per call (an API Gateway request id, a UUID): two pushes of equal samples stay two increments. */
  nonce: string;
  pack: Omit<PackOptions, 'shards' | 'metadata'>;
}

export interface Routed {
  /** 1 where some rule's `match` selected the series (what passThrough() needs for keep_input). */
  matched: Uint8Array;
  messages: OutgoingMessage[];
  /** Claim-checked payloads: put in the blob store before sending the messages (as packSeries' spills). */
  spills: { key: string; body: Uint8Array }[];
}

/**
 * Splits the series a section's rules match into FIFO messages, one message group per shard: for each rule,
 * the shard is a hash of the series' output labels for that rule (after drop_input_labels and
 * input_relabel_configs, by/without applied), so every input series of one aggregation group lands in one
 * shard and one consumer owns its state at a time. A series matched by two rules travels once per rule.
 */
export function routeToShards(rules: readonly AggregationRule[], series: readonly TimeSeries[], opts: RouteOptions): Routed {
  if (!Number.isInteger(opts.shards) || opts.shards < 1 || opts.shards > MAX_SHARDS) throw new RangeError(`shards must be an integer in 1..${MAX_SHARDS}, got ${opts.shards}`);
  const matched = new Uint8Array(series.length);
  const out: Routed = { matched, messages: [], spills: [] };
  let part = 0;
  rules.forEach((rule, index) => {
    const byShard = new Map<number, TimeSeries[]>();
    for (let i = 0; i < series.length; i++) {
      const ts = series[i]!;
      const r = outputLabelsFor(rule, ts.labels);
      if (r === undefined) continue;
      matched[i] = 1;
      if (r === DROPPED) continue;
      const shard = opts.shards === 1 ? 0 : labelSetHash(r) % opts.shards;
      let list = byShard.get(shard);
      if (list === undefined) byShard.set(shard, (list = []));
      list.push(ts);
    }
    const ruleId = ruleRef(rule, index);
    for (const [shard, list] of [...byShard].sort((a, b) => a[0] - b[0])) {
      const packed = packSeries(list, opts.pack);
      for (const m of packed.messages) {
        out.messages.push({
          ...m,
          attributes: { ...m.attributes, [ATTR_SECTION]: opts.section, [ATTR_RULE]: ruleId, [ATTR_AT]: String(opts.now), [ATTR_NONCE]: `${opts.nonce}.${part++}` },
          groupId: aggregationGroupId(opts.section, shard),
        });
      }
      out.spills.push(...packed.spills);
    }
  });
  return out;
}

const DROPPED = 'dropped' as const;

/**
 * A rule's output label set for an input series, as the aggregator computes it; undefined when the rule's
 * `match` does not select it, DROPPED when it is selected but relabeled away (or left without labels).
 */
export function outputLabelsFor(rule: AggregationRule, input: readonly Label[]): Label[] | typeof DROPPED | undefined {
  if (rule.match !== undefined) {
    if (!anySelectorMatches(rule.match, input)) return undefined;
  }
  let labels: readonly Label[] = input;
  if (rule.dropInputLabels.length > 0) labels = labels.filter((l) => !rule.dropInputLabels.includes(l.name));
  if (rule.inputRelabel !== undefined) {
    const r = applyRelabel(rule.inputRelabel, labels);
    if (r === undefined || r.length === 0) return DROPPED;
    labels = r;
  }
  if (labels.length === 0) return DROPPED;
  if (rule.aggregateOnlyByTime) return sortLabels(labels.slice());
  const keep = rule.without.length === 0 ? (n: string) => rule.by.includes(n) : (n: string) => !rule.without.includes(n);
  return sortLabels(labels.filter((l) => keep(l.name)));
}

/** `<index>:<hash of the rule's fingerprint, 8 hex digits>`. */
export function ruleRef(rule: AggregationRule, index: number): string {
  return `${index}:${fingerprintHash(rule.fingerprint)}`;
}

export function fingerprintHash(fingerprint: string): string {
  return labelSetHash([{ name: 'fingerprint', value: fingerprint }]).toString(16).padStart(8, '0');
}

/** The index of the rule a message names, in the consumer's rule list (found by fingerprint if it moved). */
export function findRule(rules: readonly AggregationRule[], ref: string): number | undefined {
  const m = /^([0-9]{1,6}):([0-9a-f]{8})$/.exec(ref);
  if (!m) return undefined;
  const i = Number(m[1]);
  if (rules[i] !== undefined && fingerprintHash(rules[i]!.fingerprint) === m[2]) return i;
  const j = rules.findIndex((r) => fingerprintHash(r.fingerprint) === m[2]);
  return j >= 0 ? j : undefined;
}

