import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../lib/errors.ts';
import { compileRelabelConfigs } from '../../../lib/relabel/index.ts';
import { configProblems } from './helpers.ts';

// Each case: YAML rules and the exact, complete list of problems.
const cases: { name: string; rules: string; want: string[] }[] = [
  { name: 'bad regex, with its path', rules: `[{action: keep, source_labels: [a]}, {}, {source_labels: [a], regex: "(", target_label: x}]`, want: [
    'relabel_configs[1].target_label: required for action=replace',
    'relabel_configs[2].regex: "(" : missing closing )',
  ] },
  { name: 'regex error names the offending part', rules: `[{source_labels: [a], regex: "ab{1001}", action: drop}]`, want: [
    'relabel_configs[0].regex: "ab{1001}" : invalid repeat count in "{1001}"',
  ] },
  { name: 'unknown keys are rejected', rules: `[{source_label: [a], target_label: b}]`, want: [
    'relabel_configs[0].source_label: unknown field (allowed: source_labels, separator, regex, modulus, target_label, replacement, action, if, match, labels)',
  ] },
  { name: 'unknown action', rules: `[{action: rename}]`, want: [
    'relabel_configs[0].action: unknown action "rename" (one of replace, keep, drop, keepequal, dropequal, hashmod, labelmap, labeldrop, labelkeep, lowercase, uppercase, replace_all, labelmap_all, keep_if_equal, drop_if_equal, keep_if_contains, drop_if_contains, keep_metrics, drop_metrics, graphite)',
  ] },
  { name: 'types', rules: `[{source_labels: a, target_label: [x], modulus: -1, action: hashmod}]`, want: [
    'relabel_configs[0].source_labels: must be a list of label names, got "a"',
    'relabel_configs[0].modulus: must be an integer from 1 to 2^64-1, got bigint -1',
    'relabel_configs[0].target_label: must be a string, got a list',
  ] },
  { name: 'modulus above 2^64-1', rules: `[{action: hashmod, source_labels: [a], target_label: b, modulus: 18446744073709551616}]`, want: [
    'relabel_configs[0].modulus: must be an integer from 1 to 2^64-1, got bigint 18446744073709551616',
  ] },
  { name: 'hashmod requirements', rules: `[{action: hashmod}, {action: hashmod, source_labels: [a], target_label: b, modulus: 0}]`, want: [
    'relabel_configs[0].source_labels: required for action=hashmod',
    'relabel_configs[0].target_label: required for action=hashmod',
    'relabel_configs[0].modulus: required for action=hashmod (a positive integer)',
    'relabel_configs[1].modulus: must be greater than 0',
  ] },
  { name: 'replace target_label must be a label name or a template', rules: `[{target_label: "foo-bar"}, {target_label: "-\${1}"}, {target_label: "\${1}_x"}]`, want: [
    'relabel_configs[0].target_label: "foo-bar" is not a valid label name',
    'relabel_configs[1].target_label: "-${1}" is not a valid label name template',
  ] },
  { name: 'keep/drop need source_labels or if', rules: `[{action: keep}, {action: drop, if: up}]`, want: [
    'relabel_configs[0].source_labels: required for action=keep (or set if)',
  ] },
  { name: 'keepequal takes only source_labels and target_label', rules: `[{action: keepequal, target_label: a, regex: x, separator: ",", replacement: y}]`, want: [
    'relabel_configs[0].regex: not allowed for action=keepequal',
    'relabel_configs[0].separator: not allowed for action=keepequal',
    'relabel_configs[0].replacement: not allowed for action=keepequal',
  ] },
  { name: 'labeldrop takes only regex', rules: `[{action: labeldrop, regex: a, source_labels: [], target_label: b}]`, want: [
    'relabel_configs[0].source_labels: not allowed for action=labeldrop',
    'relabel_configs[0].target_label: not allowed for action=labeldrop',
  ] },
  { name: 'labelmap replacement must be a label name template', rules: `[{action: labelmap, regex: "(.*)", replacement: "a-$1"}]`, want: [
    'relabel_configs[0].replacement: "a-$1" is not a valid label name template',
  ] },
  { name: 'lowercase', rules: `[{action: lowercase, replacement: x}]`, want: [
    'relabel_configs[0].source_labels: required for action=lowercase',
    'relabel_configs[0].target_label: required for action=lowercase',
    'relabel_configs[0].replacement: not allowed for action=lowercase',
  ] },
  { name: 'keep_if_equal', rules: `[{action: keep_if_equal, source_labels: [a], target_label: b, regex: c}]`, want: [
    'relabel_configs[0].source_labels: at least two labels required for action=keep_if_equal',
    'relabel_configs[0].target_label: not allowed for action=keep_if_equal',
    'relabel_configs[0].regex: not allowed for action=keep_if_equal',
  ] },
  { name: 'drop_if_contains', rules: `[{action: drop_if_contains}]`, want: [
    'relabel_configs[0].target_label: required for action=drop_if_contains',
    'relabel_configs[0].source_labels: required for action=drop_if_contains',
  ] },
  { name: 'keep_metrics', rules: `[{action: keep_metrics, source_labels: [a]}]`, want: [
    'relabel_configs[0].regex: required for action=keep_metrics (or set if)',
    'relabel_configs[0].source_labels: not allowed for action=keep_metrics',
  ] },
  { name: 'graphite', rules: `[{action: graphite, regex: x}, {match: "a.*", labels: {a: b}, target_label: x}]`, want: [
    'relabel_configs[0].match: required for action=graphite',
    'relabel_configs[0].labels: required for action=graphite',
    'relabel_configs[0].regex: not allowed for action=graphite',
    'relabel_configs[1].match: not allowed for action=replace',
    'relabel_configs[1].labels: not allowed for action=replace',
  ] },
  { name: 'if selectors', rules: `[{action: drop, if: 'up{'}, {action: drop, if: ['up', '{a=~"("}', '{a~"x"}']}]`, want: [
    'relabel_configs[0].if: cannot parse series selector "up{": expected a label name, found end of input at position 3',
    'relabel_configs[1].if[1]: bad regex in "{a=~\\"(\\"}": missing closing )',
    'relabel_configs[1].if[2]: cannot parse series selector "{a~\\"x\\"}": expected one of =, !=, =~, !~, found "~" at position 2',
  ] },
  { name: 'a rule that is not a mapping', rules: `[keep, [a]]`, want: [
    'relabel_configs[0]: must be a mapping (a relabel rule), got "keep"',
    'relabel_configs[1]: must be a mapping (a relabel rule), got a list',
  ] },
];

describe('relabel config validation', () => {
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(configProblems(c.rules), c.want);
    });
  }
  it('the ConfigError message lists every problem', () => {
    assert.throws(
      () => compileRelabelConfigs([{ action: 'keep' }, { regex: '(' }], 'remote_write[1].write_relabel_configs'),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message ===
          '3 problems:\n  remote_write[1].write_relabel_configs[0].source_labels: required for action=keep (or set if)\n' +
            '  remote_write[1].write_relabel_configs[1].target_label: required for action=replace\n' +
            '  remote_write[1].write_relabel_configs[1].regex: "(" : missing closing )',
    );
  });
  it('rejects a non-list', () => {
    assert.throws(() => compileRelabelConfigs({ action: 'keep' }, 'relabel_configs'), {
      message: 'relabel_configs: must be a list of relabel rules, got a mapping',
    });
  });
  it('null and undefined are an empty rule list', () => {
    assert.equal(compileRelabelConfigs(null, 'x').rules.length, 0);
    assert.equal(compileRelabelConfigs(undefined, 'x').rules.length, 0);
  });
  it('accepts unquoted scalars for string fields and null as unset', () => {
    const c = compileRelabelConfigs([{ source_labels: ['code'], regex: 200, action: 'keep', separator: null }], 'r');
    assert.equal(c.rules.length, 1);
  });
  it('accepts every example rule of the Prometheus docs', () => {
    const c = compileRelabelConfigs(
      [
        { source_labels: ['job', '__meta_dns_name'], regex: '(.*)some-[regex]', target_label: 'job', replacement: 'foo-${1}' },
        { source_labels: ['abc'], target_label: 'cde' },
        { replacement: 'static', target_label: 'abc' },
        { regex: '', replacement: 'static', target_label: 'abc' },
        { source_labels: ['foo'], target_label: 'abc', action: 'keepequal' },
        { source_labels: ['foo'], target_label: 'abc', action: 'dropequal' },
        { source_labels: ['__address__'], modulus: 8, target_label: '__tmp_hash', action: 'hashmod' },
        { regex: '__meta_kubernetes_node_label_(.+)', action: 'labelmap' },
        { regex: 'label_should_drop_(.*)', action: 'labeldrop' },
      ],
      'relabel_configs',
    );
    assert.equal(c.rules.length, 9);
  });
});
