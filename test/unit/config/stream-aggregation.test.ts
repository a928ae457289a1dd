import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadGatewayConfig } from '../../../lib/config/load.ts';
import { prepareConfig, restorePreparedConfig } from '../../../lib/config/prepared.ts';
import { aggregationSections } from '../../../lib/compose/aggregate.ts';
import { ConfigError } from '../../../lib/errors.ts';
import type { AggregationRule } from '../../../lib/aggregation/config.ts';

/** gateway.yaml's `stream_aggregation:` (issue 15 item 1): vmagent's rule list as is, inline or in a file, with the section's options. */
const HEAD = 'auth: {mode: none}\n';
const RULE = '- match: jobs_total\n  interval: 1m\n  by: [job]\n  outputs: [total, count_samples]\n';
const indent = (s: string, n: number) => s.replace(/^/gm, ' '.repeat(n));
const files: Record<string, string> = { 'aggr.yaml': RULE, 'bad.yaml': '- interval: 1m\n  outputs: [nope]\n' };
const load = (yaml: string) => loadGatewayConfig(HEAD + yaml, 'gateway.yaml', (f) => {
  if (!(f in files)) throw new Error(`ENOENT: no such file ${f}`);
  return files[f]!;
});
const problems = (yaml: string): string[] => {
  try {
    load(yaml);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  assert.fail('expected a ConfigError');
};

describe('stream_aggregation section', () => {
  it('a bare list is the rule list: defaults keep_input false, drop_input false, 10 shards', () => {
    const c = load(`stream_aggregation:\n${indent(RULE, 2)}`);
    assert.deepEqual({ ...c.streamAggregation, rules: c.streamAggregation!.rules.length }, { rules: 1, path: 'stream_aggregation', keepInput: false, dropInput: false, shards: 10 });
    const rules = aggregationSections(c).get('global') as readonly AggregationRule[];
    assert.equal(rules.length, 1);
  });

  it('a mapping: rules or config_file (a vmagent file as is) with keep_input, drop_input, shards', () => {
    const inline = load(`stream_aggregation:\n  keep_input: true\n  shards: 3\n  rules:\n${indent(RULE, 4)}`).streamAggregation!;
    assert.deepEqual([inline.keepInput, inline.shards, inline.path], [true, 3, 'stream_aggregation.rules']);
    const file = load('stream_aggregation:\n  config_file: aggr.yaml\n  drop_input: true\n').streamAggregation!;
    assert.deepEqual([file.dropInput, file.rules, file.path], [true, [{ match: 'jobs_total', interval: '1m', by: ['job'], outputs: ['total', 'count_samples'] }], 'stream_aggregation.config_file aggr.yaml']);
  });

  it('an empty rule list is no section', () => {
    assert.equal(load('stream_aggregation: []\n').streamAggregation, undefined);
    assert.equal(aggregationSections(load('stream_aggregation: []\n')).size, 0);
  });

  it('problems name their path: a rule key, a file rule, the options, the section', () => {
    assert.deepEqual(problems('stream_aggregation:\n  - interval: 1m\n    outputs: [totl]\n').map((p) => p.split(' (')[0]), ['stream_aggregation[0].outputs[0]: unknown output "totl"']);
    assert.match(problems('stream_aggregation:\n  config_file: bad.yaml\n')[0]!, /^stream_aggregation\.config_file bad\.yaml\[0\]\.outputs\[0\]: unknown output "nope"/);
    assert.deepEqual(problems('stream_aggregation:\n  config_file: gone.yaml\n'), ['stream_aggregation.config_file: cannot read "gone.yaml": ENOENT: no such file gone.yaml']);
    assert.deepEqual(problems(`stream_aggregation:\n  config_file: aggr.yaml\n  rules:\n${indent(RULE, 4)}`), ['stream_aggregation.config_file: give rules or config_file, not both']);
    assert.deepEqual(problems('stream_aggregation:\n  keep: true\n'), ['stream_aggregation.keep: unknown field (allowed: rules, config_file, keep_input, drop_input, shards)']);
    assert.deepEqual(problems('stream_aggregation: 3\n'), ['stream_aggregation: must be a list of rules or a mapping (rules or config_file, keep_input, drop_input, shards), got number 3']);
    assert.deepEqual(problems('stream_aggregation:\n  - 5\n'), ['stream_aggregation[0]: must be a mapping (a stream aggregation rule), got number 5']);
  });

  it('shards: 1 and 1000 are accepted, 0 and 1001 are not', () => {
    for (const n of [1, 1000]) assert.equal(load(`stream_aggregation:\n  shards: ${n}\n  rules:\n${indent(RULE, 4)}`).streamAggregation!.shards, n);
    for (const n of [0, 1001]) assert.deepEqual(problems(`stream_aggregation:\n  shards: ${n}\n  rules:\n${indent(RULE, 4)}`), [`stream_aggregation.shards: must be between 1 and 1000, got ${n}`]);
  });

  it('survives a prepared config (JSON) unchanged, rules parsed again where used', async () => {
    const c = load(`stream_aggregation:\n  shards: 2\n  rules:\n${indent(RULE, 4)}`);
    const back = await restorePreparedConfig(JSON.parse(prepareConfig(c)));
    assert.deepEqual(back.streamAggregation, c.streamAggregation);
    assert.equal((aggregationSections(back).get('global') as readonly AggregationRule[])[0]!.fingerprint, (aggregationSections(c).get('global') as readonly AggregationRule[])[0]!.fingerprint);
  });
});
