import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { relabelOne } from './helpers.ts';

// Cases from Prometheus's model/relabel/relabel_test.go (TestRelabel), written as YAML, plus edge cases of
// the same semantics. `want` is the exact output series, or DROPPED.
const cases: { name: string; rules: string; input: string; want: string }[] = [
  {
    name: 'replace with ${1} twice',
    rules: `[{source_labels: [a], regex: "f(.*)", target_label: d, replacement: "ch\${1}-ch\${1}"}]`,
    input: '{a="foo",b="bar",c="baz"}',
    want: '{a="foo",b="bar",c="baz",d="choo-choo"}',
  },
  {
    name: 'replace joins source labels with the separator and later rules see earlier results',
    rules: `
- {source_labels: [a, b], regex: "f(.*);(.*)r", target_label: a, replacement: "b\${1}\${2}m"}
- {source_labels: [c, a], regex: "(b).*b(.*)ba(.*)", target_label: d, replacement: "$1$2$2$3"}`,
    input: '{a="foo",b="bar",c="baz"}',
    want: '{a="boobam",b="bar",c="baz",d="boooom"}',
  },
  {
    name: 'drop stops processing',
    rules: `
- {source_labels: [a], regex: ".*o.*", action: drop}
- {source_labels: [a], regex: "f(.*)", target_label: d, replacement: "ch$1-ch$1"}`,
    input: '{a="foo"}',
    want: 'DROPPED',
  },
  {
    name: 'replace with a group in the middle',
    rules: `[{source_labels: [a], regex: ".*(b).*", target_label: d}]`,
    input: '{a="abc"}',
    want: '{a="abc",d="b"}',
  },
  { name: 'drop without match keeps', rules: `[{source_labels: [a], regex: no-match, action: drop}]`, input: '{a="foo"}', want: '{a="foo"}' },
  {
    name: 'regex is anchored: f|o does not match foo',
    rules: `[{source_labels: [a], regex: "f|o", action: drop}]`,
    input: '{a="foo"}',
    want: '{a="foo"}',
  },
  { name: 'keep without match drops', rules: `[{source_labels: [a], regex: no-match, action: keep}]`, input: '{a="foo"}', want: 'DROPPED' },
  { name: 'keep with match keeps', rules: `[{source_labels: [a], regex: "f.*", action: keep}]`, input: '{a="foo"}', want: '{a="foo"}' },
  {
    name: 'replace without match changes nothing',
    rules: `[{source_labels: [a], regex: f, target_label: b, replacement: bar}]`,
    input: '{a="boo"}',
    want: '{a="boo"}',
  },
  {
    name: 'hashmod (Prometheus test value)',
    rules: `[{source_labels: [c], target_label: d, action: hashmod, modulus: 1000}]`,
    input: '{a="foo",b="bar",c="baz"}',
    want: '{a="foo",b="bar",c="baz",d="976"}',
  },
  {
    name: 'hashmod of a value with a newline (Prometheus test value)',
    rules: `[{source_labels: [a], target_label: b, action: hashmod, modulus: 1000}]`,
    input: '{a="foo\\nbar"}',
    want: '{a="foo\\nbar",b="734"}',
  },
  {
    name: 'hashmod with modulus 2^64-1 (BigInt path)',
    rules: `[{source_labels: [instance], target_label: shard, action: hashmod, modulus: 18446744073709551615}]`,
    input: 'up{instance="10.0.0.1:9100"}',
    want: 'up{instance="10.0.0.1:9100",shard="5548061184049187645"}',
  },
  {
    name: 'hashmod with modulus 2^21-1 (split-math path)',
    rules: `[{source_labels: [instance], target_label: shard, action: hashmod, modulus: 2097151}]`,
    input: 'up{instance="10.0.0.1:9100"}',
    want: 'up{instance="10.0.0.1:9100",shard="1560323"}',
  },
  {
    name: 'hashmod with modulus 2^21',
    rules: `[{source_labels: [instance], target_label: shard, action: hashmod, modulus: 2097152}]`,
    input: 'up{instance="10.0.0.1:9100"}',
    want: 'up{instance="10.0.0.1:9100",shard="166717"}',
  },
  {
    name: 'hashmod hashes UTF-8 bytes of joined values',
    rules: `[{source_labels: [a, b], target_label: h, action: hashmod, modulus: 16}]`,
    input: '{a="a",b="b"}',
    want: '{a="a",b="b",h="10"}',
  },
  {
    name: 'labelmap copies matching labels',
    rules: `[{regex: "(b.*)", replacement: "bar_\${1}", action: labelmap}]`,
    input: '{a="foo",b1="bar",b2="baz"}',
    want: '{a="foo",b1="bar",b2="baz",bar_b1="bar",bar_b2="baz"}',
  },
  {
    name: 'labelmap of __meta labels',
    rules: `[{regex: "__meta_(my.*)", replacement: "\${1}", action: labelmap}]`,
    input: '{__meta_my_bar="aaa",__meta_my_baz="bbb",__meta_other="ccc",a="foo"}',
    want: '{__meta_my_bar="aaa",__meta_my_baz="bbb",__meta_other="ccc",a="foo",my_bar="aaa",my_baz="bbb"}',
  },
  {
    name: 'labelmap collision: the later label in Prometheus range order wins',
    rules: `[{regex: "__meta_[ab]_(.+)", action: labelmap}]`,
    input: '{__meta_a_foo="1",__meta_b_foo="2"}',
    want: '{__meta_a_foo="1",__meta_b_foo="2",foo="2"}',
  },
  {
    name: 'labelmap collision: a label set by an earlier rule comes after the base labels',
    rules: `
- {source_labels: [x], target_label: __meta_a_foo}
- {regex: "__meta_[ab]_(.+)", action: labelmap}`,
    input: '{__meta_a_foo="1",__meta_b_foo="2",x="3"}',
    want: '{__meta_a_foo="3",__meta_b_foo="2",foo="3",x="3"}',
  },
  {
    name: 'target_label from groups',
    rules: `[{source_labels: [a], regex: "some-([^-]+)-([^,]+)", replacement: "\${2}", target_label: "\${1}"}]`,
    input: '{a="some-name-value"}',
    want: '{a="some-name-value",name="value"}',
  },
  {
    name: 'replacement of a missing group is empty: the target is deleted (absent here)',
    rules: `[{source_labels: [a], regex: "some-([^-]+)-([^,]+)", replacement: "\${3}", target_label: "\${1}"}]`,
    input: '{a="some-name-value"}',
    want: '{a="some-name-value"}',
  },
  {
    name: 'invalid expanded target_label is skipped',
    rules: `
- {source_labels: [a], regex: "some-([^-]+)-([^,]+)", replacement: "\${1}", target_label: "\${3}"}
- {source_labels: [a], regex: "some-([^-]+)(-[^,]+)", replacement: "\${1}", target_label: "\${2}"}`,
    input: '{a="some-name-0"}',
    want: '{a="some-name-0"}',
  },
  {
    name: 'real-life tag parsing',
    rules: `
- {source_labels: [__meta_sd_tags], regex: "(?:.+,|^)path:(/[^,]+).*", replacement: "\${1}", target_label: __metrics_path__}
- {source_labels: [__meta_sd_tags], regex: "(?:.+,|^)job:([^,]+).*", replacement: "\${1}", target_label: job}
- {source_labels: [__meta_sd_tags], regex: "(?:.+,|^)label:([^=]+)=([^,]+).*", replacement: "\${2}", target_label: "\${1}"}`,
    input: '{__meta_sd_tags="path:/secret,job:some-job,label:foo=bar"}',
    want: '{__meta_sd_tags="path:/secret,job:some-job,label:foo=bar",__metrics_path__="/secret",foo="bar",job="some-job"}',
  },
  {
    name: 'prometheus issue 12283: ^...$ anchors inside the regex',
    rules: `
- {regex: "^__meta_kubernetes_pod_container_port_name$", action: labeldrop}
- {source_labels: [__meta_kubernetes_pod_annotation_XXX_metrics_port], regex: "(.+)", replacement: metrics, target_label: __meta_kubernetes_pod_container_port_name}
- {source_labels: [__meta_kubernetes_pod_container_port_name], regex: "^metrics$", action: keep}`,
    input: '{__meta_kubernetes_pod_annotation_XXX_metrics_port="9091",__meta_kubernetes_pod_container_port_name="foo"}',
    want: '{__meta_kubernetes_pod_annotation_XXX_metrics_port="9091",__meta_kubernetes_pod_container_port_name="metrics"}',
  },
  { name: 'labelkeep', rules: `[{regex: "(b.*)", action: labelkeep}]`, input: '{a="foo",b1="bar",b2="baz"}', want: '{b1="bar",b2="baz"}' },
  { name: 'labeldrop', rules: `[{regex: "(b.*)", action: labeldrop}]`, input: '{a="foo",b1="bar",b2="baz"}', want: '{a="foo"}' },
  {
    name: 'uppercase and lowercase',
    rules: `
- {source_labels: [foo], action: uppercase, target_label: foo_uppercase}
- {source_labels: [foo], action: lowercase, target_label: foo_lowercase}`,
    input: '{foo="bAr123Foo"}',
    want: '{foo="bAr123Foo",foo_lowercase="bar123foo",foo_uppercase="BAR123FOO"}',
  },
  {
    name: 'lowercase uses simple case mapping like Go (İ -> i, no final sigma)',
    rules: `[{source_labels: [a], action: lowercase, target_label: b}]`,
    input: '{a="İSTANBUL ΟΔΟΣ"}',
    want: '{a="İSTANBUL ΟΔΟΣ",b="istanbul οδοσ"}',
  },
  {
    name: 'uppercase uses simple case mapping like Go (ß stays, ᾳ -> ᾼ)',
    rules: `[{source_labels: [a], action: uppercase, target_label: b}]`,
    input: '{a="straße ᾳ ﬁ"}',
    want: '{a="straße ᾳ ﬁ",b="STRAßE ᾼ ﬁ"}',
  },
  {
    name: 'keepequal keeps when equal',
    rules: `[{source_labels: [__tmp_port], action: keepequal, target_label: __port1}]`,
    input: '{__port1="1234",__port2="5678",__tmp_port="1234"}',
    want: '{__port1="1234",__port2="5678",__tmp_port="1234"}',
  },
  {
    name: 'dropequal drops when equal',
    rules: `[{source_labels: [__tmp_port], action: dropequal, target_label: __port1}]`,
    input: '{__port1="1234",__port2="5678",__tmp_port="1234"}',
    want: 'DROPPED',
  },
  {
    name: 'dropequal keeps when different',
    rules: `[{source_labels: [__tmp_port], action: dropequal, target_label: __port2}]`,
    input: '{__port1="1234",__port2="5678",__tmp_port="1234"}',
    want: '{__port1="1234",__port2="5678",__tmp_port="1234"}',
  },
  {
    name: 'keepequal drops when different',
    rules: `[{source_labels: [__tmp_port], action: keepequal, target_label: __port2}]`,
    input: '{__port1="1234",__port2="5678",__tmp_port="1234"}',
    want: 'DROPPED',
  },
  {
    name: 'defaults: action replace, regex (.*), replacement $1 copies a label',
    rules: `[{source_labels: [instance], target_label: host}]`,
    input: 'up{instance="a:1"}',
    want: 'up{host="a:1",instance="a:1"}',
  },
  {
    name: 'a static label: target_label and replacement only',
    rules: `[{target_label: env, replacement: prod}]`,
    input: 'up{job="x"}',
    want: 'up{env="prod",job="x"}',
  },
  {
    name: 'an empty replacement deletes the target label',
    rules: `[{source_labels: [job], target_label: job, replacement: ""}]`,
    input: 'up{instance="i",job="x"}',
    want: 'up{instance="i"}',
  },
  {
    name: 'a missing source label is the empty string',
    rules: `[{source_labels: [nope], regex: "", target_label: missing, replacement: yes}]`,
    input: 'up',
    want: 'up{missing="yes"}',
  },
  {
    name: 'custom separator',
    rules: `[{source_labels: [a, b, c], separator: "/", target_label: path}]`,
    input: '{a="x",c="z"}',
    want: '{a="x",c="z",path="x//z"}',
  },
  {
    name: '$1x is the group named 1x (empty), ${1}x is group 1 then x',
    rules: `
- {source_labels: [a], regex: "(.*)", target_label: b, replacement: "$1x-"}
- {source_labels: [a], regex: "(.*)", target_label: c, replacement: "\${1}x"}`,
    input: '{a="foo"}',
    want: '{a="foo",b="-",c="foox"}',
  },
  {
    name: '$$ is a literal $, a lone $ is kept, $01 is a name (empty)',
    rules: `[{source_labels: [a], regex: "(.*)", target_label: b, replacement: "$$1 $ \${x $01."}]`,
    input: '{a="foo"}',
    want: '{a="foo",b="$1 $ ${x ."}',
  },
  {
    name: 'named groups with (?P<name>) and (?<name>), referenced as $name and ${name}',
    rules: `[{source_labels: [instance], regex: "(?P<host>[^:]+):(?<port>\\\\d+)", target_label: hp, replacement: "\${port}@$host"}]`,
    input: 'up{instance="db1:5432"}',
    want: 'up{hp="5432@db1",instance="db1:5432"}',
  },
  {
    name: 'RE2 (?i) flag',
    rules: `[{source_labels: [__name__], regex: "(?i)UP", action: keep}]`,
    input: 'up',
    want: 'up{}',
  },
  {
    name: 'RE2 Unicode class \\pL',
    rules: `[{source_labels: [city], regex: "\\\\pL+", action: drop}]`,
    input: 'up{city="Zürich"}',
    want: 'DROPPED',
  },
  {
    name: 'dot matches newline (Prometheus 3 compiles ^(?s:...)$)',
    rules: `[{source_labels: [a], regex: "x.y", action: drop}]`,
    input: '{a="x\\ny"}',
    want: 'DROPPED',
  },
  {
    name: 'action is case-insensitive',
    rules: `[{source_labels: [a], regex: "x", action: Drop}]`,
    input: '{a="x"}',
    want: 'DROPPED',
  },
  {
    name: 'empty-valued input labels are removed from the output',
    rules: `[]`,
    input: '{a="",b="1"}',
    want: '{b="1"}',
  },
];

describe('relabel: Prometheus actions', () => {
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(relabelOne(c.rules, c.input), c.want);
    });
  }
});
