import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openBackends, type Backends } from '../../lib/local/backends.ts';
import { messageSize, SqsMessageQueue } from '../../lib/adapters/aws/sqs-queue.ts';
import { packSeries } from '../../lib/queue/envelope.ts';
import { openMessage, unpackMessage } from '../../lib/queue/unpack.ts';
import type { TimeSeries } from '../../lib/model/types.ts';
import { useFakeAwsCredentials } from '../helpers/services.ts';
import { awsBackends, type AwsEndpoint } from '../helpers/aws-backends.ts';

/**
 * The SQS and S3 adapters against real AWS endpoint emulators: moto server and LocalStack (on the host),
 * or only whatever AWS_ENDPOINT_URL points at.
 */
const MIB = 1024 * 1024;

for (const backend of awsBackends()) describe(`SQS and S3 adapters against an AWS endpoint (${backend.name})`, { skip: backend.skip }, () => {
  let endpoint: AwsEndpoint | undefined;
  let aws: Backends;
  const id = randomBytes(4).toString('hex');

  before(async () => {
    useFakeAwsCredentials();
    endpoint = await backend.start();
    aws = await openBackends({ kind: 'aws', endpoint: endpoint.url, queueName: `gw-test-${id}`, bucket: `gw-test-${id}`, maxMessageBytes: MIB });
  });
  after(async () => endpoint?.stop());

  it('sends, receives with attributes, releases and acks', async () => {
    await aws.queue.send([{ body: 'hello', attributes: { v: '1', samples: '3', tenant: 't' } }]);
    const [m] = await aws.queue.receive(10, 2000);
    assert.equal(m!.body, 'hello');
    assert.deepEqual(m!.attributes, { v: '1', samples: '3', tenant: 't' });
    await aws.queue.release([m!], 0);
    const [again] = await aws.queue.receive(10, 2000);
    assert.equal(again!.body, 'hello');
    assert.equal(again!.receiveCount, 2);
    await aws.queue.ack([again!]);
    assert.equal((await aws.queue.receive(10, 0)).length, 0);
  });

  it('a 1 MiB message (body plus attributes) goes through; one byte more is refused', async (t: TestContext) => {
    const attributes = { v: '1' };
    const overhead = messageSize({ body: '', attributes });
    const body = 'x'.repeat(MIB - overhead);
    assert.equal(messageSize({ body, attributes }), MIB);
    await aws.queue.send([{ body, attributes }]);
    const [m] = await aws.queue.receive(1, 2000);
    assert.equal(m!.body.length, body.length);
    await aws.queue.ack([m!]);
    // The adapter refuses what the queue would refuse (SQS counts attributes; moto counts only the body) ...
    await assert.rejects(aws.queue.send([{ body: body + 'x', attributes }]), /message of 1048577 bytes exceeds the queue's 1048576/);
    // ... and the endpoint itself refuses a body over 1 MiB.
    const q = aws.queue as SqsMessageQueue;
    const unchecked = new SqsMessageQueue(q.sqsClient, q.url, 2 * MIB);
    await assert.rejects(unchecked.send([{ body: 'x'.repeat(MIB + 1), attributes: {} }]), (err: Error) => {
      t.diagnostic(`endpoint refused with: ${err.message.slice(0, 200)}`);
      return true;
    });
    assert.equal((await aws.queue.receive(10, 0)).length, 0, 'nothing over the limit was queued');
  });

  it('a bytes body travels as its base64 and reads back as the same bytes', async () => {
    const bytes = Uint8Array.from({ length: 3000 }, (_, i) => (i * 31 + 7) & 0xff);
    await aws.queue.send([{ body: bytes, attributes: { v: '2', samples: '0' } }]);
    const [m] = await aws.queue.receive(1, 2000);
    assert.equal(m!.body, Buffer.from(bytes).toString('base64'), 'SQS holds the base64 text');
    assert.deepEqual(Buffer.from((await openMessage(m!.body, m!.attributes, aws.blobs)).compressed), Buffer.from(bytes));
    await aws.queue.ack([m!]);
  });

  it('a bytes body counts as its base64: at 1 MiB it goes through, the next size up is refused', async () => {
    const attributes = { v: '1' };
    const overhead = messageSize({ body: '', attributes });
    // 4 base64 characters per 3 bytes: the largest body whose base64 plus attributes is exactly 1 MiB.
    const n = ((MIB - overhead) / 4) * 3;
    assert.equal(messageSize({ body: new Uint8Array(n), attributes }), MIB);
    const bytes = Uint8Array.from({ length: n }, (_, i) => i & 0xff);
    await aws.queue.send([{ body: bytes, attributes }]);
    const [m] = await aws.queue.receive(1, 2000);
    assert.equal(m!.body.length, MIB - overhead);
    assert.deepEqual(Buffer.from((await openMessage(m!.body, m!.attributes, aws.blobs)).compressed), Buffer.from(bytes));
    await aws.queue.ack([m!]);
    // One more byte is 4 more base64 characters.
    await assert.rejects(aws.queue.send([{ body: new Uint8Array(n + 1), attributes }]), /message of 1048580 bytes exceeds the queue's 1048576/);
    assert.equal((await aws.queue.receive(10, 0)).length, 0, 'nothing over the limit was queued');
  });

  it('packs a large request into messages within 1 MiB and claim-checks an oversized series through S3', async () => {
    const random = (n: number) => Array.from({ length: n }, () => ({ value: Math.random(), timestamp: 1_700_000_000_000 + Math.floor(Math.random() * 1e9) }));
    const big: TimeSeries = { labels: [{ name: '__name__', value: 'huge' }], samples: random(120_000) };
    const small: TimeSeries[] = Array.from({ length: 20 }, (_, i) => ({ labels: [{ name: '__name__', value: `s${i}` }], samples: random(2000) }));
    let n = 0;
    const packed = packSeries([...small, big], { maxMessageBytes: MIB, maxSamples: 1e9, tenant: 't', source: 'push', newSpoolKey: () => `spool/test-${id}-${n++}.snappy` });
    assert.equal(packed.spills.length, 1);
    for (const s of packed.spills) await aws.blobs.put(s.key, s.body, { tenant: 't' });
    await aws.queue.send(packed.messages);
    const received = [];
    while (received.length < packed.messages.length) {
      const batch = await aws.queue.receive(10, 2000);
      assert.ok(batch.length, 'messages arrive');
      received.push(...batch);
    }
    let samples = 0;
    for (const m of received) for (const s of (await unpackMessage(m.body, m.attributes, aws.blobs)).timeseries) samples += s.samples.length;
    assert.equal(samples, 120_000 + 20 * 2000);
    await aws.queue.ack(received);
  });

  it('S3: put with metadata, get, list in order with startAfter, delete; missing keys are undefined', async () => {
    await aws.blobs.put('overflow/vm/b', Buffer.from('B'), { samples: '2' });
    await aws.blobs.put('overflow/vm/a', Buffer.from('A'));
    assert.deepEqual((await aws.blobs.list('overflow/vm/')).map((b) => b.key), ['overflow/vm/a', 'overflow/vm/b']);
    assert.deepEqual((await aws.blobs.list('overflow/vm/', { startAfter: 'overflow/vm/a' })).map((b) => b.key), ['overflow/vm/b']);
    const got = await aws.blobs.get('overflow/vm/b');
    assert.equal(Buffer.from(got!.body).toString(), 'B');
    assert.equal(got!.metadata.samples, '2');
    await aws.blobs.delete('overflow/vm/b');
    assert.equal(await aws.blobs.get('overflow/vm/b'), undefined);
  });
});
