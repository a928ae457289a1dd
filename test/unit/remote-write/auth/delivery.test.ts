import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CounterRegistry } from '../../../../lib/adapters/system.ts';
import { parseGatewayConfig } from '../../../../lib/config/schema.ts';
import { deliverBatch, destinationFor, type DeliveryDeps, type QueueRecord } from '../../../../lib/delivery/deliver.ts';
import type { TimeSeries } from '../../../../lib/model/types.ts';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../../lib/ports/index.ts';
import { packSeries } from '../../../../lib/queue/envelope.ts';
import type { RequestAuthorizer } from '../../../../lib/remote-write/auth/types.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger } from '../../../helpers/fakes.ts';

class RecordingHttp implements HttpClient {
  readonly requests: HttpRequest[] = [];
  async request(req: HttpRequest): Promise<HttpResponse> {
    this.requests.push(req);
    return { status: 204, headers: {}, body: new Uint8Array() };
  }
}

const series: TimeSeries[] = [{ labels: [{ name: '__name__', value: 'up' }], samples: [{ value: 1, timestamp: 1000 }] }];

function records(): QueueRecord[] {
  const packed = packSeries(series, { maxMessageBytes: 256 * 1024, maxSamples: 1e9, tenant: 't', source: 'push', newSpoolKey: () => 'spool/x' });
  return packed.messages.map((m, i) => ({ messageId: `m${i}`, body: m.body, attributes: m.attributes }));
}

function setup(authorizer: RequestAuthorizer, destHttp?: HttpClient) {
  const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ url: 'https://rw.example/api/v1/write', name: 'd0', headers: { 'X-Scope-OrgID': 't1' } }] }).remoteWrite[0]!;
  const shared = new RecordingHttp();
  const blobs = new MemoryBlobStore();
  const metrics = new CounterRegistry();
  const clock = new FakeClock();
  const deps: DeliveryDeps = { destinations: [{ ...destinationFor(config), authorizer, ...(destHttp ? { http: destHttp } : {}) }], http: shared, blobs, clock, logger: new MemoryLogger(), metrics, random: () => 0.5 };
  return { deps, shared, blobs, metrics, clock };
}

describe('delivery with remote auth', () => {
  it("sends through the destination's own client with the authorizer's headers; protocol headers win", async () => {
    const own = new RecordingHttp();
    const seen: Record<string, string>[] = [];
    const { deps, shared } = setup(
      {
        async authorize(req) {
          seen.push(req.headers);
          return { authorization: 'Bearer t', 'content-encoding': 'gzip' };
        },
      },
      own,
    );
    const res = await deliverBatch(records(), deps.clock.now() + 60_000, deps);
    assert.deepEqual(res.failedMessageIds, []);
    assert.equal(shared.requests.length, 0);
    assert.equal(own.requests.length, 1);
    const h = own.requests[0]!.headers;
    assert.equal(h.authorization, 'Bearer t');
    assert.equal(h['content-encoding'], 'snappy');
    assert.equal(h['X-Scope-OrgID'], 't1');
    // The authorizer saw the final headers it may sign.
    assert.equal(seen[0]!['content-type'], 'application/x-protobuf');
    assert.equal(seen[0]!['X-Scope-OrgID'], 't1');
  });

  it('an authorizer that keeps failing (token endpoint down) is retried, then the data goes to overflow/, not rejected/', async () => {
    const { deps, shared, blobs, metrics } = setup({ authorize: () => Promise.reject(new Error('oauth2: token endpoint http://idp/token answered HTTP 503: ')) });
    const res = await deliverBatch(records(), deps.clock.now() + 10_000, deps);
    assert.deepEqual(res.failedMessageIds, []);
    assert.equal(shared.requests.length, 0);
    const keys = (await blobs.list('')).map((b) => b.key);
    assert.equal(keys.length, 1);
    assert.ok(keys[0]!.startsWith('overflow/d0/'), keys[0]);
    assert.match(metrics.render(), /gateway_delivery_retries_total\{destination="d0"\} [1-9]/);
  });
});
