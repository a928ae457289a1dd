import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseTargetGroups, TargetGroupError } from '../../../../lib/scrape/discovery/target-group.ts';

describe("Prometheus' target-group file format", () => {
  const ok: { name: string; format: 'json' | 'yaml'; input: string; want: unknown }[] = [
    {
      name: 'JSON as in the Prometheus docs',
      format: 'json',
      input: '[{"targets":["10.0.10.2:9100","10.0.10.3:9100"],"labels":{"env":"prod","job":"node"}},{"targets":["10.0.40.2:9100"],"labels":{}}]',
      want: [
        { targets: [{ __address__: '10.0.10.2:9100' }, { __address__: '10.0.10.3:9100' }], labels: { env: 'prod', job: 'node' } },
        { targets: [{ __address__: '10.0.40.2:9100' }], labels: {} },
      ],
    },
    { name: 'YAML', format: 'yaml', input: '- targets: [a:1, "b:2"]\n  labels:\n    env: prod\n', want: [{ targets: [{ __address__: 'a:1' }, { __address__: 'b:2' }], labels: { env: 'prod' } }] },
    { name: 'YAML scalars keep their text', format: 'yaml', input: '- targets: [8080]\n  labels: {port: 8080, ratio: 1.0, on: true, e: }\n', want: [{ targets: [{ __address__: '8080' }], labels: { port: '8080', ratio: '1.0', on: 'true' } }] },
    { name: 'empty label values are no labels (as in Prometheus)', format: 'json', input: '[{"labels":{"a":"","b":"x"}}]', want: [{ targets: [], labels: { b: 'x' } }] },
    { name: 'an empty YAML file', format: 'yaml', input: '', want: [] },
    { name: 'a YAML comment only', format: 'yaml', input: '# nothing yet\n', want: [] },
    { name: 'an empty JSON list', format: 'json', input: '[]', want: [] },
    { name: 'a group without targets', format: 'json', input: '[{"labels":{"a":"b"}}]', want: [{ targets: [], labels: { a: 'b' } }] },
    { name: 'a group without labels', format: 'yaml', input: '- targets:\n  - a:1\n', want: [{ targets: [{ __address__: 'a:1' }], labels: {} }] },
    { name: 'YAML empty targets and labels', format: 'yaml', input: '- targets:\n  labels:\n', want: [{ targets: [], labels: {} }] },
    { name: 'JSON ignores unknown keys (Go json.Unmarshal)', format: 'json', input: '[{"targets":["a:1"],"extra":1}]', want: [{ targets: [{ __address__: 'a:1' }], labels: {} }] },
    { name: 'JSON null targets and labels', format: 'json', input: '[{"targets":null,"labels":null}]', want: [{ targets: [], labels: {} }] },
    { name: 'targets are not checked here (Prometheus checks addresses after relabeling)', format: 'json', input: '[{"targets":["http://x/y",""]}]', want: [{ targets: [{ __address__: 'http://x/y' }, { __address__: '' }], labels: {} }] },
    { name: '__meta_ and __ labels are allowed', format: 'json', input: '[{"labels":{"__meta_x":"1","__scheme__":"https"}}]', want: [{ targets: [], labels: { __meta_x: '1', __scheme__: 'https' } }] },
  ];
  for (const t of ok) it(`reads ${t.name}`, async () => assert.deepEqual(await parseTargetGroups(t.input, t.format, 'f.json'), t.want));

  const bad: { name: string; format: 'json' | 'yaml'; input: string; want: string }[] = [
    { name: 'broken JSON', format: 'json', input: '[{"targets":', want: 'f: invalid JSON: ' },
    { name: 'empty JSON', format: 'json', input: '', want: 'f: invalid JSON: ' },
    { name: 'JSON null', format: 'json', input: 'null', want: 'f: expected a list of target groups, got null' },
    { name: 'a mapping instead of a list', format: 'json', input: '{"targets":[]}', want: 'f: expected a list of target groups, got a mapping' },
    { name: 'a null item', format: 'json', input: '[{"targets":["a:1"]},null]', want: 'f: group 1: nil target group item found' },
    { name: 'an empty YAML item', format: 'yaml', input: '- targets: [a:1]\n-\n', want: 'f: group 1: nil target group item found' },
    { name: 'a string item', format: 'json', input: '["a:1"]', want: 'f: group 0: expected a mapping with targets and labels, got string "a:1"' },
    { name: 'a number as a JSON target', format: 'json', input: '[{"targets":[9100]}]', want: 'f: group 0: targets[0] must be a string, got number "9100"' },
    { name: 'targets as a string', format: 'json', input: '[{"targets":"a:1"}]', want: 'f: group 0: targets must be a list of strings, got string "a:1"' },
    { name: 'a number as a JSON label value', format: 'json', input: '[{"labels":{"a":1}}]', want: 'f: group 0: label a must be a string, got number "1"' },
    { name: 'an invalid label name', format: 'json', input: '[{"labels":{"a-b":"x"}}]', want: 'f: group 0: "a-b" is not a valid label name' },
    { name: 'an unknown YAML key (read strictly, as Prometheus does)', format: 'yaml', input: '- targets: [a:1]\n  label: {a: b}\n', want: 'f: group 0: unknown field "label" (allowed: targets, labels)' },
    { name: 'a duplicate YAML key', format: 'yaml', input: '- targets: [a:1]\n  targets: [b:1]\n', want: 'f: invalid YAML: ' },
    { name: 'YAML labels as a list', format: 'yaml', input: '- labels: [a]\n', want: 'f: group 0: labels must be a mapping, got a list' },
  ];
  for (const t of bad) {
    it(`refuses ${t.name}`, async () => {
      await assert.rejects(parseTargetGroups(t.input, t.format, 'f'), (err: Error) => {
        assert.ok(err instanceof TargetGroupError, String(err));
        assert.ok(err.message.startsWith(t.want), err.message);
        return true;
      });
    });
  }

  it('quotes at most ~200 bytes of a bad name', async () => {
    const name = 'x-'.repeat(1000);
    await assert.rejects(parseTargetGroups(JSON.stringify([{ labels: { [name]: 'v' } }]), 'json', 'f'), (err: Error) => err.message.length < 300);
  });

  it('arbitrary text and mutated documents only ever throw TargetGroupError', async () => {
    const valid = '- targets: [a:1, b:2]\n  labels: {env: prod}\n';
    const json = '[{"targets":["a:1"],"labels":{"env":"prod"}}]';
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.tuple(fc.nat(valid.length), fc.string()).map(([i, s]) => valid.slice(0, i) + s + valid.slice(i)), fc.tuple(fc.nat(json.length), fc.string()).map(([i, s]) => json.slice(0, i) + s + json.slice(i))), fc.boolean(), async (text, asJson) => {
        try {
          await parseTargetGroups(text, asJson ? 'json' : 'yaml', 'f');
        } catch (err) {
          if (!(err instanceof TargetGroupError)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
