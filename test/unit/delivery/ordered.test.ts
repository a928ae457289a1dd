import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deliverBatch, type DeliveryDeps, type QueueRecord } from '../../../lib/delivery/deliver.ts';
import { failLaterInGroup } from '../../../lib/delivery/ordered.ts';
import { createDeliverHandler } from '../../../lib/compose/deliver.ts';
import { toSqsEvent } from '../../../lib/adapters/lambda/events.ts';
import { packSeries } from '../../../lib/queue/envelope.ts';
import { decodeWriteRequest } from '../../../lib/remote-write/decode.ts';
import { snappyUncompress } from '../../../lib/remote-write/snappy.ts';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../lib/ports/index.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger } from '../../helpers/fakes.ts';

const rec = (messageId: string, groupId?: string): QueueRecord => ({ messageId, body: '', attributes: {}, ...(groupId !== undefined ? { groupId } : {}) });

describe('failLaterInGroup (FIFO partial batch responses)', () => {
  const cases = [
    { name: 'nothing failed', records: [rec('1', 'a'), rec('2', 'a')], failed: [], want: [] },
    { name: 'a failure fails every later message of its group only', records: [rec('1', 'a'), rec('2', 'b'), rec('3', 'a'), rec('4', 'b'), rec('5', 'a')], failed: ['3'], want: ['3', '5'] },
    { name: 'earlier messages of the group stay acknowledged', records: [rec('1', 'a'), rec('2', 'a'), rec('3', 'a')], failed: ['2'], want: ['2', '3'] },
    { name: 'failures in two groups', records: [rec('1', 'a'), rec('2', 'b'), rec('3', 'a'), rec('4', 'b')], failed: ['1', '2'], want: ['1', '2', '3', '4'] },
    { name: 'the last message failing fails nothing else', records: [rec('1', 'a'), rec('2', 'a')], failed: ['2'], want: ['2'] },
    { name: 'standard queue (no groups): returned as given', records: [rec('1'), rec('2'), rec('3')], failed: ['1'], want: ['1'] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(failLaterInGroup(c.records, c.failed), c.want));
});

/** Answers by the first series name in the request: `fail` names get the given status. */
class NamedHttp implements HttpClient {
  readonly sent: string[] = [];
  statusFor: (name: string) => number | Error = () => 204;
  async request(req: HttpRequest): Promise<HttpResponse> {
    const names = decodeWriteRequest(snappyUncompress(req.body!, 1e8, 't')).timeseries.map((s) => s.labels.find((l) => l.name === '__name__')!.value);
    const st = this.statusFor(names[0]!);
    if (st instanceof Error) throw st;
    if (st < 300) this.sent.push(...names);
    return { status: st, headers: {}, body: Buffer.from(`status ${st}`) };
  }
}

/** One message per named series, with the given groups, in order. */
function messages(spec: [name: string, group: string][]): QueueRecord[] {
  return spec.map(([name, group], i) => {
    const m = packSeries([{ labels: [{ name: '__name__', value: name }], samples: [{ value: i, timestamp: 1000 + i }] }], { maxMessageBytes: 65536, maxSamples: 100, tenant: 't', source: 'push', newSpoolKey: () => 'spool/x' }).messages[0]!;
    return { messageId: `id-${name}`, body: m.body, attributes: m.attributes, groupId: group };
  });
}

function deps(http: HttpClient, ordered: boolean, blobs = new MemoryBlobStore()) {
  const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ url: 'http://a/api/v1/write', name: 'a', queue_config: { min_backoff: '100ms', max_backoff: '1s' } }] });
  const metrics = new CounterRegistry();
  const d: DeliveryDeps = { destinations: config.remoteWrite.map((c) => ({ config: c })), http, blobs, clock: new FakeClock(), logger: new MemoryLogger(), metrics, random: () => 0.5, ordered };
  return { d, blobs, metrics };
}

describe('deliverBatch in ordered mode', () => {
  it('a destination that stays down holds every message in the queue instead of overflowing', async () => {
    const http = new NamedHttp();
    http.statusFor = () => 503;
    const { d, blobs, metrics } = deps(http, true);
    const batch = messages([['a1', 'shard-0'], ['b1', 'shard-1'], ['a2', 'shard-0']]);
    const res = await deliverBatch(batch, d.clock.now() + 5_000, d);
    assert.deepEqual(res.failedMessageIds.sort(), ['id-a1', 'id-a2', 'id-b1']);
    assert.deepEqual(blobs.keys('overflow/'), [], 'nothing overflowed: replay would arrive out of order');
    assert.equal(metrics.get('delivery_held_messages_total', { destination: 'a' }), 3);
  });

  it('without ordered mode the same outage overflows and acknowledges (contrast)', async () => {
    const http = new NamedHttp();
    http.statusFor = () => 503;
    const { d, blobs } = deps(http, false);
    const res = await deliverBatch(messages([['a1', 'shard-0'], ['a2', 'shard-0']]), d.clock.now() + 5_000, d);
    assert.deepEqual(res.failedMessageIds, []);
    assert.equal(blobs.keys('overflow/').length, 2);
  });

  it('once a message of a group fails, later messages of that group are not sent; other groups go on', async () => {
    // a1 is refused for good (400) and the blob store cannot keep it under rejected/: a1 must come back,
    // and a2 must not reach the receiver ahead of it.
    const http = new NamedHttp();
    http.statusFor = (n) => (n === 'a1' ? 400 : 204);
    const blobs = new MemoryBlobStore();
    blobs.failPuts = new Error('S3 down');
    const { d } = deps(http, true, blobs);
    const res = await deliverBatch(messages([['a1', 'shard-0'], ['b1', 'shard-1'], ['a2', 'shard-0'], ['b2', 'shard-1'], ['a3', 'shard-0']]), d.clock.now() + 60_000, d);
    assert.deepEqual(res.failedMessageIds, ['id-a1', 'id-a2', 'id-a3']);
    assert.deepEqual(http.sent, ['b1', 'b2']);
  });

  it('the same failure without ordered mode sends the later messages of the group (contrast)', async () => {
    const http = new NamedHttp();
    http.statusFor = (n) => (n === 'a1' ? 400 : 204);
    const blobs = new MemoryBlobStore();
    blobs.failPuts = new Error('S3 down');
    const { d } = deps(http, false, blobs);
    const res = await deliverBatch(messages([['a1', 'shard-0'], ['a2', 'shard-0']]), d.clock.now() + 60_000, d);
    assert.deepEqual(res.failedMessageIds, ['id-a1']);
    assert.deepEqual(http.sent, ['a2']);
  });

  it('a message that cannot be opened (nor quarantined) blocks the later messages of its group', async () => {
    const http = new NamedHttp();
    const blobs = new MemoryBlobStore();
    blobs.failPuts = new Error('S3 down');
    const { d } = deps(http, true, blobs);
    const batch = messages([['a1', 'shard-0'], ['b1', 'shard-1'], ['a2', 'shard-0']]);
    batch[0] = { ...batch[0]!, body: '../not-a-spool-key', attributes: { ...batch[0]!.attributes, claim: '1' } };
    const res = await deliverBatch(batch, d.clock.now() + 60_000, d);
    assert.deepEqual(res.failedMessageIds.sort(), ['id-a1', 'id-a2']);
    assert.deepEqual(http.sent, ['b1']);
  });
});

describe('deliver handler on a FIFO event source', () => {
  it('reports every later message of a failed group as a batch item failure, in batch order', async () => {
    const http = new NamedHttp();
    http.statusFor = (n) => (n === 'a2' ? 503 : 204);
    const { d } = deps(http, true);
    const handler = createDeliverHandler(d);
    const batch = messages([['a1', 'shard-0'], ['b1', 'shard-1'], ['a2', 'shard-0'], ['b2', 'shard-1'], ['a3', 'shard-0']]);
    const event = toSqsEvent(
      batch.map((r) => ({ messageId: r.messageId, receiptHandle: r.messageId, body: r.body, attributes: r.attributes, receiveCount: 1, groupId: r.groupId! })),
      'arn:aws:sqs:us-east-1:000000000000:q.fifo',
      0,
    );
    assert.equal(event.Records[0]!.attributes.MessageGroupId, 'shard-0');
    const res = await handler(event, { getRemainingTimeInMillis: () => 10_000 });
    // a2's destination stays down: the outage holds a2, and (ordered: one probe per batch) every later message.
    assert.deepEqual(res.batchItemFailures.map((f) => f.itemIdentifier), ['id-a2', 'id-b2', 'id-a3']);
    assert.deepEqual(http.sent, ['a1', 'b1']);
  });

  it('propagates a failure to later messages of its group even when delivery itself reported only one', async () => {
    // The deliver core is bypassed here: the handler's own rule (Lambda's FIFO contract) is what is tested.
    const records = messages([['a1', 'g'], ['a2', 'g'], ['b1', 'h']]);
    assert.deepEqual(failLaterInGroup(records, ['id-a1']), ['id-a1', 'id-a2']);
  });
});
