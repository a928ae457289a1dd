import { leastSuperlinearity } from '../../helpers/cost.ts';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { formatSeries } from '../../../lib/model/labels.ts';
import { applyRelabel, applyRelabelTrace, compileRelabelConfigs, dropInternalLabels } from '../../../lib/relabel/index.ts';

const l = (name: string, value: string) => ({ name, value });
const hashHex = (s: string): string => createHash('md5').update(s).digest('hex');

describe('applyRelabel contract', () => {
  const none = compileRelabelConfigs([], 'r');
  it('sorts unsorted input and keeps the first of duplicate names', () => {
    const out = applyRelabel(none, [l('b', '1'), l('a', '1'), l('b', '2'), l('', 'x'), l('c', '')]);
    assert.equal(formatSeries(out!), '{a="1",b="1"}');
  });
  it('rules see the first duplicate, as get() does', () => {
    const c = compileRelabelConfigs([{ source_labels: ['b'], target_label: 'copy' }], 'r');
    assert.equal(formatSeries(applyRelabel(c, [l('b', '2'), l('b', '1')])!), '{b="2",copy="2"}');
  });
  it('returns a new array and leaves the input alone', () => {
    const input = [l('__name__', 'up'), l('job', 'a')];
    const c = compileRelabelConfigs([{ target_label: 'job', replacement: 'b' }], 'r');
    const out = applyRelabel(c, input)!;
    assert.notEqual(out, input);
    assert.deepEqual(input, [l('__name__', 'up'), l('job', 'a')]);
    assert.equal(formatSeries(out), 'up{job="b"}');
    assert.notEqual(applyRelabel(none, input), input);
  });
  it('labelmap to an empty name drops that label from the output', () => {
    const c = compileRelabelConfigs([{ action: 'labelmap', regex: 'a(.*)', replacement: '$1' }], 'r');
    assert.equal(formatSeries(applyRelabel(c, [l('a', '1'), l('ab', '2')])!), '{a="1",ab="2",b="2"}');
  });
  it('trace reports each rule and whether it changed anything', () => {
    const c = compileRelabelConfigs(
      [
        { target_label: 'x', replacement: '1' },
        { source_labels: ['nope'], regex: 'y', action: 'drop' },
        { source_labels: ['x'], regex: '1', action: 'drop' },
        { target_label: 'never', replacement: '1' },
      ],
      'r',
    );
    const t = applyRelabelTrace(c, [l('a', '1')]);
    assert.equal(t.result, undefined);
    assert.deepEqual(
      t.steps.map((s) => [s.index, s.action, s.changed, s.labels && formatSeries(s.labels)]),
      [
        [0, 'replace', true, '{a="1",x="1"}'],
        [1, 'drop', false, '{a="1",x="1"}'],
        [2, 'drop', true, undefined],
      ],
    );
  });
});

describe('hostile label values', () => {
  it('100 KB values through every kind of rule finish quickly', async () => {
    const c = compileRelabelConfigs(
      [
        { source_labels: ['a'], regex: '(x+x+)+y', target_label: 'b', replacement: '$1' },
        { source_labels: ['a', 'c'], regex: '(.*);(.*)', target_label: 'd', replacement: '${2}-$1' },
        { source_labels: ['a'], regex: '(?i)(a|x)*\\pL+z', action: 'drop' },
        { action: 'replace_all', source_labels: ['c'], regex: 'b|a.*c', replacement: '_', target_label: 'e' },
        { action: 'labelmap', regex: '(x+x+)+(.*)', replacement: 'm_$2' },
        { action: 'hashmod', source_labels: ['a'], modulus: 7, target_label: 'h' },
        { action: 'lowercase', source_labels: ['a'], target_label: 'f' },
        { if: '{a=~"(x+x+)+y"}', action: 'drop' },
      ],
      'r',
    );
    const big = 'x'.repeat(100_000);
    const out = applyRelabel(c, [l('a', big), l('c', 'ab'.repeat(50_000)), l(big, 'v')]);
    assert.ok(out !== undefined);
    // Linear in the label values: a ratio of CPU time between 10 KB and 100 KB values, never a wall-clock bound.
    const growth = await leastSuperlinearity((n) => applyRelabel(c, [l('a', 'x'.repeat(n)), l('c', 'ab'.repeat(n / 2)), l('x'.repeat(n), 'v')]), 10_000, 100_000);
    assert.ok(growth < 4, `cost grew ${growth.toFixed(2)}x faster than the input`);
    assert.equal(out.find((x) => x.name === 'h')?.value, String(Number(BigInt('0x' + hashHex(big).slice(16)) % 7n)));
  });
});

describe('dropInternalLabels', () => {
  it('removes __-prefixed labels except __name__', () => {
    const out = dropInternalLabels([l('__name__', 'up'), l('__tmp', '1'), l('__meta_x', '2'), l('_a', '3'), l('job', 'j')]);
    assert.deepEqual(out, [l('__name__', 'up'), l('_a', '3'), l('job', 'j')]);
  });
  it('returns the same array when there is nothing to remove', () => {
    const input = [l('__name__', 'up'), l('job', 'j')];
    assert.equal(dropInternalLabels(input), input);
  });
});
