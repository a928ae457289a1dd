import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createIngest } from '../../../lib/ingest/pipeline.ts';
import { ingestDeps } from '../../../lib/compose/ingest.ts';
import { deliveryDeps } from '../../../lib/compose/deliver.ts';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import { fifoDeduplicationId } from '../../../lib/adapters/aws/sqs-queue.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger, MemoryQueue } from '../../helpers/fakes.ts';

function wire(queueConfig: Record<string, unknown>) {
  const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ url: 'http://a/api/v1/write' }], queue: queueConfig });
  const queue = new MemoryQueue();
  const d = { config, queue, blobs: new MemoryBlobStore(), clock: new FakeClock(), logger: new MemoryLogger(), metrics: new CounterRegistry() };
  return { queue, ingest: createIngest(ingestDeps(d)), delivery: deliveryDeps(d) };
}

const influx = Array.from({ length: 40 }, (_, i) => `cpu,host=h${i} v=${i} 1700000000000000000`).join('\n');

describe('ordered mode wiring (functions/)', () => {
  it('queue.ordered: ingest sends every message with a shard group, delivery runs ordered', async () => {
    const { queue, ingest, delivery } = wire({ ordered: true, shards: 3 });
    const res = await ingest({ method: 'POST', path: '/write', query: new URLSearchParams(), headers: {}, body: Buffer.from(influx) });
    assert.equal(res.status, 204);
    assert.ok(queue.sent.length >= 2, `${queue.sent.length} messages`);
    for (const m of queue.sent) assert.match(m.groupId ?? '', /^shard-[0-2]$/);
    assert.equal(new Set(queue.sent.map((m) => m.groupId)).size, queue.sent.length, 'one message per shard for a small push');
    assert.equal(delivery.ordered, true);
  });

  it('default: no groups, delivery unordered', async () => {
    const { queue, ingest, delivery } = wire({});
    await ingest({ method: 'POST', path: '/write', query: new URLSearchParams(), headers: {}, body: Buffer.from(influx) });
    for (const m of queue.sent) assert.equal(m.groupId, undefined);
    assert.equal(delivery.ordered, false);
  });
});

describe('fifoDeduplicationId', () => {
  const m = { body: 'abc', attributes: { v: '1', samples: '3', tenant: 't' }, groupId: 'shard-1' };
  it('is deterministic, within SQS\'s 128 characters, and independent of attribute order', () => {
    const id = fifoDeduplicationId(m);
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.equal(fifoDeduplicationId({ ...m, attributes: { tenant: 't', samples: '3', v: '1' } }), id);
  });
  const differs = [
    { name: 'body', input: { ...m, body: 'abd' } },
    { name: 'group', input: { ...m, groupId: 'shard-2' } },
    { name: 'no group', input: { body: m.body, attributes: m.attributes } },
    { name: 'attribute value', input: { ...m, attributes: { ...m.attributes, tenant: 'u' } } },
    { name: 'attribute/body boundary', input: { ...m, attributes: { ...m.attributes, tenant: 't"]]\nabc' }, body: '' } },
  ];
  for (const c of differs) it(`changes with the ${c.name}`, () => assert.notEqual(fifoDeduplicationId(c.input), fifoDeduplicationId(m)));
});

describe('fifoDeduplicationId of a bytes body', () => {
  it('is the id of its base64 text (what SQS carries and what the release before hashed), so a retry across an upgrade still deduplicates', () => {
    const bytes = Uint8Array.from([0, 1, 2, 250, 251, 252, 253]);
    const attributes = { v: '2', samples: '1', tenant: 't' };
    assert.equal(fifoDeduplicationId({ body: bytes, attributes, groupId: 'shard-0' }), fifoDeduplicationId({ body: Buffer.from(bytes).toString('base64'), attributes, groupId: 'shard-0' }));
    assert.notEqual(fifoDeduplicationId({ body: bytes, attributes }), fifoDeduplicationId({ body: bytes.subarray(1), attributes }));
  });
});
