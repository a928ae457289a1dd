import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import AjvModule from 'ajv';
import { gatewayJsonSchema, gatewayJsonSchemaText } from '../../../lib/config/shape/json-schema.ts';
import { runSchemaCommand } from '../../../lib/cli/schema.ts';

const Ajv = (AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule;
const SCHEMA_LINE = '# yaml-language-server: $schema=./schema/gateway.schema.json';
/** Configs committed in the repository that users copy from. */
const EXAMPLES = ['gateway.yaml'];

function validator() {
  const ajv = new (Ajv as unknown as new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } })({ allErrors: true, strict: false });
  return ajv.compile(gatewayJsonSchema());
}

describe('the JSON Schema of gateway.yaml', () => {
  it('the committed copy is what `gateway schema` prints (regenerate: npx gateway schema > schema/gateway.schema.json)', () => {
    assert.equal(readFileSync('schema/gateway.schema.json', 'utf8'), gatewayJsonSchemaText());
    const r = runSchemaCommand([]);
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout, gatewayJsonSchemaText());
    assert.equal(runSchemaCommand(['extra']).exitCode, 2);
  });

  for (const file of EXAMPLES) {
    it(`${file} names the schema on its first line and validates against it`, () => {
      const text = readFileSync(file, 'utf8');
      assert.equal(text.split('\n')[0], SCHEMA_LINE);
      const validate = validator();
      assert.ok(validate(parse(text)), JSON.stringify(validate.errors));
    });
  }

  it('refuses what the loader refuses for its shape: an unknown key, a bad duration, an out-of-range number', () => {
    const validate = validator();
    const base = { auth: { mode: 'none' }, remote_write: [{ url: 'http://vm/api/v1/write' }] };
    assert.ok(validate(base), JSON.stringify(validate.errors));
    assert.ok(!validate({ ...base, remote_writes: [] }));
    assert.ok(!validate({ ...base, remote_write: [{ url: 'http://vm/w', queue_config: { max_backoff: 5 } }] }));
    assert.ok(!validate({ ...base, remote_write: [{ url: 'http://vm/w', queue_config: { max_backof: '5s' } }] }));
    assert.ok(!validate({ ...base, queue: { max_message_bytes: 1048577 } }));
    assert.ok(!validate({ ...base, relabel_configs: [{ action: 'drop', source_label: ['a'] }] }));
    assert.ok(validate({ ...base, relabel_configs: [{ action: 'drop', source_labels: ['a'], regex: 200 }] }), JSON.stringify(validate.errors));
  });

  it('documents the Prometheus fields accepted without effect and the deprecated spellings', () => {
    const text = gatewayJsonSchemaText();
    assert.match(text, /max_shards[\s\S]*?no effect: there are no in-memory shards/);
    assert.match(text, /translationStrategy[\s\S]*?Deprecated spelling of translation_strategy/);
  });
});

describe('relabel rules in the JSON Schema', () => {
  it('name exactly the keys the relabel compiler reads (its own check, run at a cold start without the schema library)', async () => {
    const { RULE_KEYS } = await import('../../../lib/relabel/config-read.ts');
    const { RELABEL_RULE_JSON_SCHEMA } = await import('../../../lib/config/shape/relabel.ts');
    assert.deepEqual(Object.keys(RELABEL_RULE_JSON_SCHEMA.properties).sort(), [...RULE_KEYS].sort());
  });
});
