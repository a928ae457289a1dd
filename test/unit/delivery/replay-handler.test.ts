import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createReplayHandler } from '../../../lib/compose/replay.ts';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { blobKey } from '../../../lib/queue/bucket-keys.ts';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../lib/ports/index.ts';
import { encodeTimeSeries } from '../../../lib/remote-write/encode.ts';
import { snappyCompress } from '../../../lib/remote-write/snappy.ts';
import { loadScheduledEvent } from '../../helpers/events.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger } from '../../helpers/fakes.ts';

describe('functions/replay handler', () => {
  it('drains overflow/ on a scheduled event within the invocation time, keeping the deliver reserve', async () => {
    const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ name: 'vm', url: 'http://vm/api/v1/write' }], replay: { max_objects_per_second: 1 } });
    const clock = new FakeClock();
    const blobs = new MemoryBlobStore();
    for (let i = 0; i < 100; i++) {
      const body = snappyCompress(encodeTimeSeries([{ labels: [{ name: '__name__', value: 'x' }], samples: [{ value: i, timestamp: i }] }]));
      await blobs.put(blobKey('overflow', 'vm', clock.now() - 100_000 + i, `m${i}`), body, { samples: '1' });
    }
    const requests: HttpRequest[] = [];
    const http: HttpClient = { request: async (r): Promise<HttpResponse> => (requests.push(r), { status: 204, headers: {}, body: new Uint8Array() }) };
    const handler = createReplayHandler({ destinations: config.remoteWrite.map((c) => ({ config: c })), http, blobs, clock, logger: new MemoryLogger(), metrics: new CounterRegistry(), random: () => 0.5 }, config.replay);
    // 30 s left: 6 s reserve (a fifth), so at 1 object/s objects start at 0..23 s: 24 of them.
    const res = await handler(loadScheduledEvent() as never, { getRemainingTimeInMillis: () => 30_000 });
    assert.equal(requests.length, 24);
    assert.deepEqual(res.destinations, [{ destination: 'vm', replayed: 24, rejected: 0, left: 76, stopped: 'time budget used up' }]);
    assert.equal(blobs.keys('overflow/vm/').length, 76);
  });
});
