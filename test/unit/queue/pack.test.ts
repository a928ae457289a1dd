import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { packSeries } from '../../../lib/queue/envelope.ts';
import { unpackMessage, MissingClaimError } from '../../../lib/queue/unpack.ts';
import { messageSize } from '../../../lib/adapters/aws/sqs-queue.ts';
import type { TimeSeries } from '../../../lib/model/types.ts';
import { MemoryBlobStore } from '../../helpers/fakes.ts';

function series(n: number, samplesEach: number, seed = 0): TimeSeries[] {
  return Array.from({ length: n }, (_, i) => ({
    labels: [{ name: '__name__', value: `metric_${i % 50}` }, { name: 'instance', value: `host-${i}-${seed}` }, { name: 'rnd', value: Math.sin(i + seed).toString(36) }],
    samples: Array.from({ length: samplesEach }, (_, j) => ({ value: Math.random() * 1e6, timestamp: 1_700_000_000_000 + j * 15_000 })),
  }));
}

const opts = (max: number) => {
  let n = 0;
  return { maxMessageBytes: max, maxSamples: 1e9, tenant: 't', source: 'push' as const, newSpoolKey: () => `spool/k${n++}` };
};

async function roundTrip(packed: ReturnType<typeof packSeries>, blobs: MemoryBlobStore): Promise<TimeSeries[]> {
  for (const s of packed.spills) await blobs.put(s.key, s.body);
  const out: TimeSeries[] = [];
  for (const m of packed.messages) out.push(...(await unpackMessage(m.body, m.attributes, blobs)).timeseries);
  return out;
}

describe('queue message packing', () => {
  it('splits a large request into messages that each fit, keeping every series whole and in order', async () => {
    const input = series(5000, 3);
    const packed = packSeries(input, opts(64 * 1024));
    assert.ok(packed.messages.length > 3, `${packed.messages.length} messages`);
    for (const m of packed.messages) assert.ok(messageSize(m) <= 64 * 1024, `message of ${messageSize(m)} bytes`);
    assert.equal(packed.spills.length, 0);
    const back = await roundTrip(packed, new MemoryBlobStore());
    assert.deepEqual(back, input);
    const total = packed.messages.reduce((n, m) => n + Number(m.attributes.samples), 0);
    assert.equal(total, 15000);
  });

  it('claim-checks a single series too large for one message, and only that one', async () => {
    const big = series(1, 20000, 1);
    const small = series(10, 1, 2);
    const packed = packSeries([...small, ...big], opts(16 * 1024));
    assert.equal(packed.spills.length, 1);
    const claim = packed.messages.find((m) => m.attributes.claim === '1')!;
    assert.equal(claim.body, 'spool/k0');
    assert.equal(claim.attributes.samples, '20000');
    const blobs = new MemoryBlobStore();
    assert.deepEqual(await roundTrip(packed, blobs), [...small, ...big]);
  });

  it('a message exactly at the size budget is sent inline; over it is split', () => {
    // Incompressible labels make the compressed size predictable enough to probe the boundary.
    const input = series(400, 1, 3);
    for (const max of [8192, 16384, 65536]) {
      const packed = packSeries(input, opts(max));
      for (const m of packed.messages) assert.ok(messageSize(m) <= max);
    }
  });

  it('a missing claim-check blob is reported as such', async () => {
    await assert.rejects(unpackMessage('spool/gone', { v: '1', claim: '1' }, new MemoryBlobStore()), MissingClaimError);
    await assert.rejects(unpackMessage('../etc/passwd', { v: '1', claim: '1' }, new MemoryBlobStore()), /not under spool\//);
    await assert.rejects(unpackMessage('', { v: '9' }, new MemoryBlobStore()), /unsupported envelope version "9"/);
  });

  it('keeps staleness markers bit-exact through the queue', async () => {
    const input: TimeSeries[] = [{ labels: [{ name: '__name__', value: 'x' }], samples: [{ value: NaN, timestamp: 1, stale: true }] }];
    const back = await roundTrip(packSeries(input, opts(4096)), new MemoryBlobStore());
    assert.equal(back[0]!.samples[0]!.stale, true);
  });
});
