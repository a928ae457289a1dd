import * as v from 'valibot';
import { bool, checkedElsewhere, describe, int, list, mapping, opt, str } from './kit.ts';

/**
 * `stream_aggregation:` (docs/stream-aggregation.md): vmagent's -streamAggr.config rule list, either inline
 * as the section itself, or in a mapping with the section's options. Each rule is read by
 * parseAggregationConfigs (lib/aggregation/config.ts), which names every problem with its path; the schema
 * here checks the section's own shape and describes a rule's keys for editors.
 */

const RULE_KEYS = [
  'name', 'match', 'interval', 'dedup_interval', 'staleness_interval', 'ignore_first_sample_interval', 'no_align_flush_to_interval',
  'flush_on_shutdown', 'by', 'without', 'outputs', 'keep_metric_names', 'ignore_old_samples', 'ignore_first_intervals',
  'drop_input_labels', 'input_relabel_configs', 'output_relabel_configs', 'enable_windows',
];

const rule = checkedElsewhere({
  type: 'object',
  description: "A vmagent -streamAggr.config rule, unchanged (docs/stream-aggregation.md lists the keys).",
  properties: Object.fromEntries(RULE_KEYS.map((k) => [k, {}])),
  required: ['interval', 'outputs'],
  additionalProperties: false,
});

const rules = list(rule, "vmagent's -streamAggr.config rule list.");

const options = mapping({
  rules: opt(rules),
  config_file: opt(str("A vmagent -streamAggr.config file (a YAML rule list), relative to gateway.yaml's folder. Not together with rules.")),
  keep_input: opt(bool("vmagent's -streamAggr.keepInput: matched series are also forwarded unaggregated. Default false.")),
  drop_input: opt(bool("vmagent's -streamAggr.dropInput: series no rule matches are dropped too. Default false.")),
  shards: opt(int(1, 1000, 'Aggregation shards (FIFO message groups, one state object each). Default 10.')),
});

/** The section: a rule list, or a mapping with `rules` or `config_file` and the options. */
const either = v.union([rules, options], (i) => `must be a list of rules or a mapping (rules or config_file, keep_input, drop_input, shards), got ${describe(i.input)}`);
// Checked by the input's kind, so a mapping's problem names its key (a union alone reports only itself).
export const streamAggregationSection = {
  ...either,
  '~run'(dataset: v.UnknownDataset, config: v.Config<v.BaseIssue<unknown>>) {
    if (Array.isArray(dataset.value)) return rules['~run'](dataset, config);
    if (typeof dataset.value === 'object' && dataset.value !== null) return options['~run'](dataset, config);
    return either['~run'](dataset, config);
  },
} as typeof either;
