import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ConfigError } from '../../../lib/errors.ts';
import type { Label } from '../../../lib/model/types.ts';
import { applyRelabel, compileRelabelConfigs, dropInternalLabels } from '../../../lib/relabel/index.ts';
import { NotationError, parseSeriesNotation } from '../../../lib/relabel/series-notation.ts';
import { parseSelector } from '../../../lib/relabel/selector.ts';
import { RegexSyntaxError } from '../../../lib/relabel/regex.ts';

const NAMES = ['__name__', 'job', 'instance', 'a', 'b', '__meta_x', '__tmp', 'le', 'x_y'];
const REGEXES = ['(.*)', '(.+)', 'a|b', 'go_.*', '(?i)UP', '(a+)+', '.*o.*', '([^:]+):(\\d+)', '', '__meta_(.+)', 'x', '\\pL*'];
const VALUES = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', 'up', 'a', 'b', 'go_x', 'host:9100', 'x\ny', '😀', 'İß'),
);
const name = fc.constantFrom(...NAMES);
const names = fc.array(name, { minLength: 1, maxLength: 3 });
const regex = fc.constantFrom(...REGEXES);
const replacement = fc.constantFrom('$1', '${1}x', '$2', '', 'v', '{{job}}-$1', '$$', '$name');
const target = fc.constantFrom('job', 'a', 'b', '__tmp', 'new_label');

const rule: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ action: fc.constant('replace'), source_labels: names, regex, target_label: target, replacement }),
  fc.record({ action: fc.constant('replace'), source_labels: names, regex: fc.constant('(.*)'), target_label: fc.constant('${1}'), replacement }),
  fc.record({ action: fc.constantFrom('keep', 'drop'), source_labels: names, regex }),
  fc.record({ action: fc.constantFrom('keepequal', 'dropequal'), source_labels: names, target_label: target }),
  fc.record({ action: fc.constant('hashmod'), source_labels: names, target_label: target, modulus: fc.integer({ min: 1, max: 2 ** 40 }) }),
  fc.record({ action: fc.constant('labelmap'), regex, replacement: fc.constantFrom('$1', 'm_$1', 'fixed') }),
  fc.record({ action: fc.constantFrom('labeldrop', 'labelkeep'), regex }),
  fc.record({ action: fc.constantFrom('lowercase', 'uppercase'), source_labels: names, target_label: target }),
  fc.record({ action: fc.constant('replace_all'), source_labels: names, target_label: target, regex, replacement }),
  fc.record({ action: fc.constant('labelmap_all'), regex: fc.constantFrom('_', 'a', 'x|y', '^_+'), replacement: fc.constantFrom('', '_', 'q') }),
  fc.record({ action: fc.constantFrom('keep_if_equal', 'drop_if_equal'), source_labels: fc.array(name, { minLength: 2, maxLength: 3 }) }),
  fc.record({ action: fc.constantFrom('keep_if_contains', 'drop_if_contains'), source_labels: names, target_label: target }),
  fc.record({ action: fc.constantFrom('keep_metrics', 'drop_metrics'), regex: fc.constantFrom('up', 'go_.*', 'a|b') }),
  fc.record({ action: fc.constant('graphite'), match: fc.constantFrom('*.*', 'a.*', '*'), labels: fc.constant({ job: '$1', __name__: '${2}_x' }) }),
  fc.record({ action: fc.constantFrom('keep', 'drop'), if: fc.constantFrom('up', '{job=~"a.*"}', '{a!="x" or b=""}', '{__name__=~"(?i)UP"}') }),
);

const labelSet: fc.Arbitrary<Label[]> = fc
  .uniqueArray(fc.record({ name: fc.oneof(name, fc.string({ minLength: 1, maxLength: 6 })), value: VALUES }), {
    selector: (l) => l.name,
    maxLength: 10,
  })
  .map((ls) => ls.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)));

function assertWellFormed(out: Label[]): void {
  for (let i = 0; i < out.length; i++) {
    assert.notEqual(out[i]!.name, '');
    assert.notEqual(out[i]!.value, '');
    if (i > 0) assert.ok(out[i - 1]!.name < out[i]!.name, `unsorted or duplicate: ${out[i - 1]!.name}, ${out[i]!.name}`);
  }
}

describe('relabel properties', () => {
  it('random label sets through random valid rule lists never throw and stay sorted, unique, non-empty', () => {
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 8 }), fc.array(labelSet, { minLength: 1, maxLength: 5 }), (rules, sets) => {
        const compiled = compileRelabelConfigs(rules, 'relabel_configs');
        assert.equal(compiled.rules.length, rules.length);
        for (const labels of sets) {
          const before = JSON.stringify(labels);
          const out = applyRelabel(compiled, labels);
          assert.equal(JSON.stringify(labels), before, 'input was modified');
          if (out !== undefined) {
            assertWellFormed(out);
            assertWellFormed(dropInternalLabels(out));
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary config values only ever throw ConfigError', () => {
    const anything = fc.anything({ maxDepth: 3, withBigInt: true, withNullPrototype: true });
    const mutated = fc.array(
      fc.oneof(
        rule,
        fc.dictionary(fc.constantFrom('action', 'regex', 'source_labels', 'target_label', 'if', 'labels', 'match', 'modulus', 'x'), anything),
      ),
      { maxLength: 5 },
    );
    fc.assert(
      fc.property(fc.oneof(anything, mutated), (raw) => {
        try {
          compileRelabelConfigs(raw, 'r');
        } catch (e) {
          assert.ok(e instanceof ConfigError, `unexpected ${String(e)}`);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('series notation and selectors only throw their own errors', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.array(fc.constantFrom('up', '{', '}', '"', "'", '`', '=', '!=', '=~', ',', ' or ', 'a', '\\', '\\u00', '1', ' '), { maxLength: 20 }).map((a) => a.join('')),
    );
    fc.assert(
      fc.property(text, (t) => {
        try {
          parseSeriesNotation(t);
        } catch (e) {
          assert.ok(e instanceof NotationError, `notation: unexpected ${String(e)}`);
        }
        try {
          parseSelector(t);
        } catch (e) {
          assert.ok(e instanceof NotationError || e instanceof RegexSyntaxError, `selector: unexpected ${String(e)}`);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
