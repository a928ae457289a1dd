import type { AggregationRule } from '../config.ts';
import { AggregationEngine } from '../engine.ts';
import type { SectionSpec, ShardSection } from './machine.ts';
import { ATTR_RULE, findRule } from './route.ts';

/** A stream_aggregation section's rules as a shard kind: input pushed to the rule its message names, output at flushes. */
export function rulesSection(rules: readonly AggregationRule[]): ShardSection {
  return {
    refuse: (attributes) => (findRule(rules, attributes[ATTR_RULE] ?? '') === undefined ? 'rule_gone' : undefined),
    open(saved, at, purpose, { logger, key }) {
      // Input is applied to rules aligned at the boundary at or before it (the producer routed it in that interval).
      const engine = new AggregationEngine(rules, at, purpose === 'apply' ? { alignStart: true } : {});
      if (saved !== undefined) {
        const { reset } = engine.restore(saved);
        if (reset.length && purpose === 'apply') logger.warn('aggregation rules changed: their shard state starts afresh', { key, rules: reset });
      }
      return {
        apply(input, now) {
          engine.pushRule(findRule(rules, input.attributes[ATTR_RULE] ?? '')!, input.request.timeseries, now);
          return [];
        },
        flush: (now) => engine.flush(now),
        snapshot: () => engine.snapshot(),
      };
    },
  };
}

/** A configured section as a shard kind (a rule list is a stream_aggregation section). */
export function shardSection(spec: SectionSpec): ShardSection {
  return isRuleList(spec) ? rulesSection(spec) : spec;
}

function isRuleList(spec: SectionSpec): spec is readonly AggregationRule[] {
  return Array.isArray(spec);
}
