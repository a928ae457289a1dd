import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { presentedCredentials } from '../../../lib/auth/credentials.ts';
import { createInboundAuth } from '../../../lib/auth/inbound-auth.ts';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { GatewayError } from '../../../lib/errors.ts';
import { MemoryLogger } from '../../helpers/fakes.ts';
import { MapSecretStore } from './harness.ts';

/** Arbitrary credentials, tenants and headers never escape as anything but the gateway's typed errors. */
describe('inbound auth: arbitrary input', () => {
  const config = parseGatewayConfig({
    auth: { mode: 'required', bearer_tokens: [{ token_ref: 'env:T', tenant: 't' }], basic_auth: [{ username: 'u', password_ref: 'env:P', tenant: 'p' }] },
  });
  const auth = createInboundAuth(config.auth, { secrets: new MapSecretStore({ 'env:T': 'token', 'env:P': 'pw' }), logger: new MemoryLogger() });
  const none = createInboundAuth(parseGatewayConfig({ auth: { mode: 'none' } }).auth, { secrets: new MapSecretStore({}), logger: new MemoryLogger() });
  const header = fc.oneof(fc.string(), fc.constantFrom('Bearer token', 'Basic dTpwdw==', 'Token token', 'Token u:pw', 'Basic', 'Bearer', 'Basic Og==', ''));
  const protocol = fc.constantFrom('influx', 'datadog', 'remote_write', 'pushgateway');

  it('authorize resolves or throws a GatewayError', async () => {
    await fc.assert(
      fc.asyncProperty(protocol, header, fc.option(fc.string()), fc.option(fc.string()), fc.string(), async (proto, authz, pathTenant, headerTenant, query) => {
        const headers: Record<string, string> = { authorization: authz, ...(headerTenant !== null ? { 'x-scope-orgid': headerTenant } : {}) };
        for (const a of [auth, none]) {
          try {
            const access = await a.authorize({ protocol: proto, path: '/write', pathTenant: pathTenant ?? undefined, headers, query: new URLSearchParams(query) });
            if (a === auth) assert.ok(access.tenant === 't' || access.tenant === 'p');
          } catch (err) {
            assert.ok(err instanceof GatewayError, String(err));
            assert.ok([400, 401, 403].includes(err.status), String(err.status));
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('presentedCredentials never throws', () => {
    fc.assert(
      fc.property(protocol, fc.dictionary(fc.constantFrom('authorization', 'dd-api-key', 'x'), fc.string()), fc.string(), (proto, headers, query) => {
        presentedCredentials({ protocol: proto, headers, query: new URLSearchParams(query) });
      }),
    );
  });
});
