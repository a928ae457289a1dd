import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PROTOCOLS } from '../../../lib/ingest/routes.ts';
import { PROTOCOL_OPTIONS } from '../../../lib/ingest/protocol-options.ts';
import { readGatewayConfig } from '../../../lib/config/schema.ts';

/** The protocol sections of gateway.yaml come from the protocol list (lib/ingest/protocols.ts), not from the config code. */
describe('protocol sections of gateway.yaml', () => {
  const keyed = PROTOCOLS.filter((p) => p.optionsKey !== undefined).map((p) => p.optionsKey!);
  const published = JSON.parse(readFileSync('schema/gateway.schema.json', 'utf8')) as { properties: Record<string, { description?: string; anyOf?: unknown[] }> };

  it('protocol-options.ts has a section for every optionsKey and for nothing else', () => {
    assert.ok(keyed.length >= 2, 'no protocol declares an optionsKey: the test would prove nothing');
    assert.deepEqual(Object.keys(PROTOCOL_OPTIONS).sort(), [...keyed].sort());
  });

  for (const key of keyed) {
    it(`${key}: its section is in the published JSON Schema, and the loader checks and reads it`, () => {
      assert.ok(published.properties[key], `schema/gateway.schema.json has no ${key} section`);
      const base = { auth: { mode: 'none' } };
      // An unknown option in the section is refused at its path: the schema holds the section.
      assert.throws(() => readGatewayConfig({ ...base, [key]: { no_such_option: 1 } }), (e: Error) => e.message.includes(`${key}.no_such_option: unknown option`));
      // The section is read into the config under the same key.
      const { config } = readGatewayConfig(base);
      assert.deepEqual((config as unknown as Record<string, unknown>)[key], {});
    });
  }
});
