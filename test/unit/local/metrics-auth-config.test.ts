import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { ConfigError } from '../../../lib/errors.ts';

/** Issue 12 item 5: `auth.metrics` (authenticated | public) in gateway.yaml. */
const required = { mode: 'required', bearer_tokens: [{ token_ref: 'env:T', tenant: 't' }] };

function problems(raw: unknown): string[] {
  try {
    parseGatewayConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('auth.metrics', () => {
  it('mode required: /metrics is authenticated by default', () => {
    const auth = parseGatewayConfig({ auth: required }).auth;
    assert.equal(auth.mode === 'required' && auth.metrics, undefined);
    const explicit = parseGatewayConfig({ auth: { ...required, metrics: 'authenticated' } }).auth;
    assert.equal(explicit.mode === 'required' && explicit.metrics, undefined);
  });
  it('mode required with metrics: public opens it', () => {
    const auth = parseGatewayConfig({ auth: { ...required, metrics: 'public' } }).auth;
    assert.equal(auth.mode === 'required' && auth.metrics, 'public');
  });
  it('mode none: metrics: public is accepted (it is public anyway)', () => {
    assert.deepEqual(problems({ auth: { mode: 'none', metrics: 'public' } }), []);
  });
  const cases = [
    { name: 'an unknown value', raw: { auth: { ...required, metrics: 'open' } }, want: 'auth.metrics: must be authenticated or public, got "open"' },
    { name: 'not a string', raw: { auth: { ...required, metrics: true } }, want: 'auth.metrics: must be a string, got boolean' },
    { name: 'authenticated without credentials to check', raw: { auth: { mode: 'none', metrics: 'authenticated' } }, want: 'auth.metrics: mode none leaves /metrics public; authenticated needs mode: required' },
    { name: 'a misspelt key is still an error', raw: { auth: { ...required, metric: 'public' } }, want: 'auth.metric: unknown field' },
  ];
  for (const c of cases) {
    it(`rejects ${c.name}`, () => {
      const got = problems(c.raw);
      assert.ok(got.some((p) => p.startsWith(c.want)), `${JSON.stringify(got)} lacks ${c.want}`);
    });
  }
});
