import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { relabelOne } from './helpers.ts';

// vmagent's extra actions and options (lib/promrelabel in VictoriaMetrics). `want` is the exact output.
const cases: { name: string; rules: string; input: string; want: string }[] = [
  {
    name: 'replace_all replaces every match',
    rules: `[{action: replace_all, source_labels: [path], target_label: path, regex: "/", replacement: "_"}]`,
    input: 'req{path="/a/b/c"}',
    want: 'req{path="_a_b_c"}',
  },
  {
    name: 'replace_all with groups, Go ReplaceAllString semantics',
    rules: `[{action: replace_all, source_labels: [a], target_label: b, regex: "(a)(b)?", replacement: "[$1$2]"}]`,
    input: '{a="xaab"}',
    want: '{a="xaab",b="x[a][ab]"}',
  },
  {
    name: 'replace_all: an empty match right after a match is not replaced',
    rules: `[{action: replace_all, source_labels: [a], target_label: b, regex: "a*", replacement: "-"}]`,
    input: '{a="baaac"}',
    want: '{a="baaac",b="-b-c-"}',
  },
  {
    name: 'replace_all: no match leaves target_label alone',
    rules: `[{action: replace_all, source_labels: [a], target_label: b, regex: "-", replacement: "_"}]`,
    input: '{a="abc",b="keep"}',
    want: '{a="abc",b="keep"}',
  },
  {
    name: 'replace_all regex is unanchored and dot does not match newline (as vmagent compiles it)',
    rules: `[{action: replace_all, source_labels: [a], target_label: b, regex: "x.", replacement: "Y"}]`,
    input: '{a="x\\nxa"}',
    want: '{a="x\\nxa",b="x\\nY"}',
  },
  {
    name: 'labelmap_all renames every match in names',
    rules: `[{action: labelmap_all, regex: "foo_", replacement: "bar_"}]`,
    input: '{foo_a="1",x_foo_b="2",y="3"}',
    want: '{bar_a="1",x_bar_b="2",y="3"}',
  },
  {
    name: 'labelmap_all renames all labels at once',
    rules: `[{action: labelmap_all, regex: "x", replacement: "xx"}]`,
    input: '{x="1",xx="2"}',
    want: '{xx="1",xxxx="2"}',
  },
  {
    name: 'keep_if_equal keeps equal values',
    rules: `[{action: keep_if_equal, source_labels: [a, b, c]}]`,
    input: '{a="1",b="1",c="1"}',
    want: '{a="1",b="1",c="1"}',
  },
  { name: 'keep_if_equal drops different values', rules: `[{action: keep_if_equal, source_labels: [a, b]}]`, input: '{a="1",b="2"}', want: 'DROPPED' },
  { name: 'drop_if_equal drops equal values', rules: `[{action: drop_if_equal, source_labels: [a, b]}]`, input: '{a="1",b="1"}', want: 'DROPPED' },
  {
    name: 'drop_if_equal: absent labels are equal empty strings',
    rules: `[{action: drop_if_equal, source_labels: [x, y]}]`,
    input: '{a="1"}',
    want: 'DROPPED',
  },
  {
    name: 'keep_if_contains keeps when target contains every source value',
    rules: `[{action: keep_if_contains, target_label: __meta_consul_tags, source_labels: [__meta_required_tag1, __meta_required_tag2]}]`,
    input: '{__meta_consul_tags=",a,b,c,",__meta_required_tag1="a",__meta_required_tag2="c"}',
    want: '{__meta_consul_tags=",a,b,c,",__meta_required_tag1="a",__meta_required_tag2="c"}',
  },
  {
    name: 'keep_if_contains drops otherwise',
    rules: `[{action: keep_if_contains, target_label: tags, source_labels: [t]}]`,
    input: '{t="z",tags="a,b"}',
    want: 'DROPPED',
  },
  {
    name: 'drop_if_contains drops when contained',
    rules: `[{action: drop_if_contains, target_label: tags, source_labels: [t]}]`,
    input: '{t="b",tags="a,b"}',
    want: 'DROPPED',
  },
  {
    name: 'keep_metrics with a regex list (joined with |)',
    rules: `[{action: keep_metrics, regex: [up, "go_.*"]}]`,
    input: 'process_cpu_seconds_total',
    want: 'DROPPED',
  },
  {
    name: 'keep_metrics keeps a listed name',
    rules: `[{action: keep_metrics, regex: [up, "go_.*"]}]`,
    input: 'go_goroutines{job="a"}',
    want: 'go_goroutines{job="a"}',
  },
  { name: 'drop_metrics', rules: `[{action: drop_metrics, regex: "go_.*|up"}]`, input: 'up', want: 'DROPPED' },
  {
    name: 'graphite extracts labels from a dotted name',
    rules: `
- action: graphite
  match: "*.app.*.*"
  labels:
    __name__: "\${3}_total"
    job: "$1"
    instance: "\${2}:8080"`,
    input: '{__name__="foo.app.bar.baz"}',
    want: 'baz_total{instance="bar:8080",job="foo"}',
  },
  {
    name: 'graphite: * does not match dots',
    rules: `[{action: graphite, match: "*.app.*", labels: {job: "$1"}}]`,
    input: '{__name__="foo.app.bar.baz"}',
    want: '{__name__="foo.app.bar.baz"}',
  },
  {
    name: 'graphite: an out-of-range $N stays literal',
    rules: `[{action: graphite, match: "a.*", labels: {x: "$1-$7-\${x}"}}]`,
    input: '{__name__="a.b"}',
    want: '{__name__="a.b",x="b-$7-${x}"}',
  },
  {
    name: 'if: the rule applies only to matching series',
    rules: `[{if: 'up{job=~"node.*"}', target_label: team, replacement: infra}]`,
    input: 'up{job="node-exporter"}',
    want: 'up{job="node-exporter",team="infra"}',
  },
  {
    name: 'if: a non-matching series is left alone',
    rules: `[{if: 'up{job=~"node.*"}', target_label: team, replacement: infra}]`,
    input: 'up{job="api"}',
    want: 'up{job="api"}',
  },
  { name: 'if with action keep: a non-matching series is dropped', rules: `[{if: '{job="a"}', action: keep}]`, input: 'up{job="b"}', want: 'DROPPED' },
  { name: 'if with action keep: a matching series is kept', rules: `[{if: '{job="a"}', action: keep}]`, input: 'up{job="a"}', want: 'up{job="a"}' },
  { name: 'if with action drop and no source_labels drops matches', rules: `[{if: 'up', action: drop}]`, input: 'up{job="a"}', want: 'DROPPED' },
  { name: 'if with action drop leaves others', rules: `[{if: 'up', action: drop}]`, input: 'down{job="a"}', want: 'down{job="a"}' },
  {
    name: 'if with keep_metrics: a non-matching series is dropped (vmagent turns it into keep)',
    rules: `[{if: '{job="a"}', action: keep_metrics}]`,
    input: 'up{job="b"}',
    want: 'DROPPED',
  },
  {
    name: 'if with keep_if_equal: a non-matching series is kept unchecked',
    rules: `[{if: '{job="a"}', action: keep_if_equal, source_labels: [x, y]}]`,
    input: 'up{job="b",x="1"}',
    want: 'up{job="b",x="1"}',
  },
  {
    name: 'if as a list: any selector may match',
    rules: `[{if: ['{job="a"}', 'up{__name__!="x",job!="c"}'], action: drop}]`,
    input: 'up{job="b"}',
    want: 'DROPPED',
  },
  {
    name: 'if with or inside braces',
    rules: `[{if: '{a="1" or b="2"}', action: drop}]`,
    input: 'm{b="2"}',
    want: 'DROPPED',
  },
  {
    name: 'if: {x=""} matches a series without x',
    rules: `[{if: '{x=""}', target_label: nox, replacement: "1"}]`,
    input: 'm{a="1"}',
    want: 'm{a="1",nox="1"}',
  },
  {
    name: 'if: =~ regexes are anchored',
    rules: `[{if: '{a=~"b"}', action: drop}]`,
    input: 'm{a="abc"}',
    want: 'm{a="abc"}',
  },
  {
    name: '{{label}} references in replacement',
    rules: `[{source_labels: [instance], regex: "([^:]+):.*", target_label: id, replacement: "{{job}}/$1"}]`,
    input: 'up{instance="db1:9100",job="node"}',
    want: 'up{id="node/db1",instance="db1:9100",job="node"}',
  },
  {
    name: '{{label}} values are inserted literally',
    rules: `[{target_label: copy, replacement: "{{a}}"}]`,
    input: 'm{a="$1 {{b}}",b="x"}',
    want: 'm{a="$1 {{b}}",b="x",copy="$1 {{b}}"}',
  },
  {
    name: 'regex list in keep',
    rules: `[{source_labels: [job], regex: [a, b], action: keep}]`,
    input: 'm{job="b"}',
    want: 'm{job="b"}',
  },
];

describe('relabel: vmagent actions and options', () => {
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(relabelOne(c.rules, c.input), c.want);
    });
  }
});
