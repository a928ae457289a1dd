import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { deliverBatch, type DeliveryDeps } from '../../../lib/delivery/deliver.ts';
import { DELIVER_LOG_EVENTS } from '../../../lib/delivery/log-events.ts';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import { packSeries } from '../../../lib/queue/envelope.ts';
import type { HttpResponse } from '../../../lib/ports/index.ts';
import type { TimeSeries } from '../../../lib/model/types.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger } from '../../helpers/fakes.ts';

// The CloudWatch metric filters (infra/constructs/monitoring.ts) match these lines by msg and sum `samples`.
const series: TimeSeries[] = Array.from({ length: 3 }, (_, i) => ({ labels: [{ name: '__name__', value: `m${i}` }], samples: [{ value: i, timestamp: 1000 }, { value: i, timestamp: 2000 }] }));

async function run(status: number, messages = 2) {
  const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ url: 'http://a/w', name: 'vm', queue_config: { min_backoff: '100ms', max_backoff: '200ms' } }] });
  const logger = new MemoryLogger();
  const clock = new FakeClock();
  const http = { request: async (): Promise<HttpResponse> => ({ status, headers: {}, body: Buffer.from('no') }) };
  const d: DeliveryDeps = { destinations: config.remoteWrite.map((c) => ({ config: c })), http, blobs: new MemoryBlobStore(), clock, logger, metrics: new CounterRegistry(), random: () => 0.5 };
  const records = Array.from({ length: messages }, (_, i) => {
    const m = packSeries(series, { maxMessageBytes: 256 * 1024, maxSamples: 1e9, tenant: 't', source: 'push', newSpoolKey: () => 'spool/x' }).messages[0]!;
    return { messageId: `m${i}`, body: m.body, attributes: m.attributes };
  });
  await deliverBatch(records, clock.now() + 1_000, d);
  return logger.lines;
}

describe('deliver log events for the metric filters', () => {
  it('a refused write logs once per request with its samples', async () => {
    const lines = (await run(400)).filter((l) => l.msg === DELIVER_LOG_EVENTS.rejected);
    assert.equal(lines.length, 2);
    for (const l of lines) assert.deepEqual([l.fields?.destination, l.fields?.samples], ['vm', 6]);
  });

  it('an outage logs the event once, then the parked samples and messages once per batch', async () => {
    const lines = await run(503);
    assert.equal(lines.filter((l) => l.msg === DELIVER_LOG_EVENTS.unavailable).length, 1);
    const parked = lines.filter((l) => l.msg === DELIVER_LOG_EVENTS.parked);
    assert.equal(parked.length, 1);
    assert.deepEqual(parked[0]!.fields, { destination: 'vm', samples: 12, messages: 2 });
  });

  it('a healthy destination logs neither', async () => {
    const lines = await run(204);
    assert.deepEqual(lines.filter((l) => Object.values(DELIVER_LOG_EVENTS).includes(l.msg as never)), []);
  });
});
