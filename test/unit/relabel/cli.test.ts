import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runRelabelCommand, type CliIo } from '../../../lib/cli/relabel.ts';

const RULES = `
- source_labels: [__address__]
  target_label: instance
- action: labeldrop
  regex: tmp_.*
- if: 'up{job="node"}'
  target_label: team
  replacement: infra
- source_labels: [job]
  regex: drop-me
  action: drop
`;

function io(files: Record<string, string>, stdin?: string): CliIo {
  return {
    stdin,
    readFile: (p) => {
      const f = files[p];
      if (f === undefined) throw new Error(`ENOENT: no such file or directory, open '${p}'`);
      return f;
    },
  };
}

describe('gateway relabel (CLI function)', () => {
  it('prints one line per --series: the result or DROPPED', () => {
    const r = runRelabelCommand(['--rules', 'r.yml', '--series', 'up{job="node",__address__="h:1",tmp_x="1"}', '--series=up{job="drop-me"}'], io({ 'r.yml': RULES }));
    assert.deepEqual(r, { exitCode: 0, stdout: 'up{instance="h:1",job="node",team="infra"}\nDROPPED\n', stderr: '' });
  });
  it('reads series from stdin, skipping blank and # lines, and reports invalid ones', () => {
    const r = runRelabelCommand(['--rules', 'r.yml'], io({ 'r.yml': RULES }, 'up{job="x"}\n\n# note\nbad{\r\nm{a="x\\"y"} 1\n'));
    assert.equal(r.exitCode, 1);
    assert.equal(r.stdout, 'up{job="x"}\nINVALID\nm{a="x\\"y"}\n');
    assert.equal(r.stderr, 'relabel: series 2: expected a label name, found end of input at position 4: "bad{"\n');
  });
  it('reads stdin lazily only without --series', () => {
    let read = false;
    const r = runRelabelCommand(['--rules', 'r.yml', '--series', 'up'], {
      readFile: () => RULES,
      stdin: () => {
        read = true;
        return '';
      },
    });
    assert.equal(r.stdout, 'up{}\n');
    assert.equal(read, false);
  });
  it('--trace shows each rule, then the result', () => {
    const r = runRelabelCommand(['--rules', 'r.yml', '--trace', '--series', 'up{job="node",__address__="h:1",tmp_x="1"}'], io({ 'r.yml': RULES }));
    assert.equal(
      r.stdout,
      [
        '# up{__address__="h:1",job="node",tmp_x="1"}',
        '#   rule 0 (replace): up{__address__="h:1",instance="h:1",job="node",tmp_x="1"}',
        '#   rule 1 (labeldrop): up{__address__="h:1",instance="h:1",job="node"}',
        '#   rule 2 (replace): up{__address__="h:1",instance="h:1",job="node",team="infra"}',
        '#   rule 3 (drop): no change',
        '#   drop internal labels: up{instance="h:1",job="node",team="infra"}',
        'up{instance="h:1",job="node",team="infra"}',
        '',
      ].join('\n'),
    );
  });
  it('--trace shows the dropping rule', () => {
    const r = runRelabelCommand(['--rules', 'r.yml', '--trace', '--series', 'up{job="drop-me"}'], io({ 'r.yml': RULES }));
    assert.match(r.stdout, /#   rule 3 \(drop\): DROPPED\nDROPPED\n$/);
  });
  it('--keep-internal keeps __ labels', () => {
    const r = runRelabelCommand(['--rules', 'r.yml', '--keep-internal', '--series', 'm{__tmp="1"}'], io({ 'r.yml': '[]' }));
    assert.equal(r.stdout, 'm{__tmp="1"}\n');
  });
  it('escapes values as the text format', () => {
    const r = runRelabelCommand(['--rules', 'r.yml', '--series', 'm{a="x\\ny\\\\"}'], io({ 'r.yml': '[]' }));
    assert.equal(r.stdout, 'm{a="x\\ny\\\\"}\n');
  });
  it('reports every config problem with its path', () => {
    const r = runRelabelCommand(['--rules', 'bad.yml', '--series', 'up'], io({ 'bad.yml': '- {regex: "("}\n- {action: nope}\n' }));
    assert.deepEqual(r, {
      exitCode: 1,
      stdout: '',
      stderr:
        'relabel: bad.yml[0].target_label: required for action=replace\n' +
        'relabel: bad.yml[0].regex: "(" : missing closing )\n' +
        'relabel: bad.yml[1].action: unknown action "nope" (one of replace, keep, drop, keepequal, dropequal, hashmod, labelmap, labeldrop, labelkeep, lowercase, uppercase, replace_all, labelmap_all, keep_if_equal, drop_if_equal, keep_if_contains, drop_if_contains, keep_metrics, drop_metrics, graphite)\n',
    });
  });
  it('reports unreadable and unparsable rule files', () => {
    const missing = runRelabelCommand(['--rules', 'nope.yml'], io({}));
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /^relabel: cannot read rules from nope\.yml: ENOENT/);
    const yaml = runRelabelCommand(['--rules', 'y.yml'], io({ 'y.yml': '- {a: [1, 2}\n' }));
    assert.equal(yaml.exitCode, 1);
    assert.match(yaml.stderr, /^relabel: cannot read rules from y\.yml: .*line 1/);
  });
  it('usage errors exit 2', () => {
    for (const args of [[], ['--rules'], ['--rules', 'r.yml', '--bogus'], ['--rules', 'r.yml', '--series']]) {
      const r = runRelabelCommand(args, io({ 'r.yml': '[]' }));
      assert.equal(r.exitCode, 2, JSON.stringify(args));
      assert.match(r.stderr, /^relabel: .*\nusage: gateway relabel/);
    }
  });
  it('--help prints usage', () => {
    const r = runRelabelCommand(['--help'], io({}));
    assert.equal(r.exitCode, 0);
    assert.match(r.stdout, /^usage: gateway relabel --rules FILE/);
  });
  it('keeps large moduli exact (YAML integers read as BigInt)', () => {
    const r = runRelabelCommand(
      ['--rules', 'r.yml', '--series', 'up{instance="10.0.0.1:9100"}'],
      io({ 'r.yml': '- {source_labels: [instance], target_label: s, action: hashmod, modulus: 18446744073709551615}' }),
    );
    assert.equal(r.stdout, 'up{instance="10.0.0.1:9100",s="5548061184049187645"}\n');
  });
});
