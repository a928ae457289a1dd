import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { labelSetHash, partitionByShard, seriesShard, shardGroupId } from '../../../lib/queue/shard.ts';
import { packSeries } from '../../../lib/queue/envelope.ts';
import { unpackMessage } from '../../../lib/queue/unpack.ts';
import { loadGatewayConfig } from '../../../lib/config/load.ts';
import { ConfigError } from '../../../lib/errors.ts';
import type { Label, TimeSeries } from '../../../lib/model/types.ts';
import { MemoryBlobStore } from '../../helpers/fakes.ts';

const labels = (o: Record<string, string>): Label[] => Object.entries(o).map(([name, value]) => ({ name, value }));

function series(n: number, samplesEach: number): TimeSeries[] {
  return Array.from({ length: n }, (_, i) => ({
    labels: labels({ __name__: `metric_${i % 7}`, instance: `host-${i}`, job: 'ordered' }),
    samples: Array.from({ length: samplesEach }, (_, j) => ({ value: i * 1000 + j, timestamp: 1_700_000_000_000 + j * 15_000 })),
  }));
}

const PIN_UP = 3567876385;
const PIN_CPU = 454319113;

describe('series sharding', () => {
  it('is stable: pinned values guard against an accidental change of the hash (it is part of the queue format)', () => {
    assert.equal(labelSetHash(labels({ __name__: 'up', job: 'a' })), PIN_UP);
    assert.equal(labelSetHash(labels({ __name__: 'cpu', dc: 'eu west', host: 'h1' })), PIN_CPU);
    assert.equal(seriesShard(labels({ __name__: 'up', job: 'a' }), 10), PIN_UP % 10);
  });

  it('ignores label order and depends on every name and value', () => {
    const a = labels({ __name__: 'cpu', dc: 'eu', host: 'h1' });
    const shuffled = [a[2]!, a[0]!, a[1]!];
    assert.equal(labelSetHash(a), labelSetHash(shuffled));
    for (const other of [labels({ __name__: 'cpu', dc: 'eu', host: 'h2' }), labels({ __name__: 'cpu', dc: 'eu', hos: 'th1' }), labels({ __name__: 'cpu', dc: 'eu' })]) {
      assert.notEqual(labelSetHash(a), labelSetHash(other), JSON.stringify(other));
    }
    fc.assert(
      fc.property(fc.uniqueArray(fc.record({ name: fc.string(), value: fc.string() }), { selector: (l) => l.name, maxLength: 8 }), fc.integer({ min: 1, max: 1000 }), (ls, shards) => {
        const k = seriesShard(ls, shards);
        assert.ok(k >= 0 && k < shards);
        assert.equal(seriesShard([...ls].reverse(), shards), k);
      }),
    );
  });

  it('separator makes name/value boundaries matter ({a="bc"} and {ab="c"} differ)', () => {
    assert.notEqual(labelSetHash(labels({ a: 'bc' })), labelSetHash(labels({ ab: 'c' })));
  });

  it('spreads series evenly over the shards', () => {
    for (const shards of [2, 10, 16, 64]) {
      const counts = new Array<number>(shards).fill(0);
      const n = 20_000;
      for (let i = 0; i < n; i++) counts[seriesShard(labels({ __name__: `m${i % 13}`, instance: `10.0.${i >> 8}.${i & 255}:9100` }), shards)]!++;
      const mean = n / shards;
      for (const c of counts) assert.ok(Math.abs(c - mean) < mean * 0.15, `${shards} shards: ${counts.join(',')}`);
    }
  });

  it('rejects shard counts outside 1..1000', () => {
    for (const bad of [0, 1001, 2.5, NaN]) assert.throws(() => seriesShard([], bad), /shards must be an integer in 1\.\.1000/);
    assert.equal(seriesShard(labels({ a: 'b' }), 1), 0);
  });

  it('partitionByShard keeps the input order within each shard', () => {
    const input = series(200, 1);
    const parts = partitionByShard(input, 8);
    let total = 0;
    for (const [k, part] of parts) {
      total += part.length;
      const idx = part.map((s) => input.indexOf(s));
      assert.deepEqual(idx, [...idx].sort((a, b) => a - b));
      for (const s of part) assert.equal(seriesShard(s.labels, 8), k);
    }
    assert.equal(total, 200);
    assert.equal(shardGroupId(3), 'shard-3');
  });
});

describe('packing in ordered mode', () => {
  const opts = (maxMessageBytes: number, shards: number | undefined, maxSamples = 1e9) => {
    let n = 0;
    return { maxMessageBytes, maxSamples, tenant: 't', source: 'push' as const, newSpoolKey: () => `spool/k${n++}`, ...(shards !== undefined ? { shards } : {}) };
  };

  it('never mixes shards in one message and labels each message with its shard group', async () => {
    const input = series(3000, 4);
    const packed = packSeries(input, opts(16 * 1024, 7, 500));
    assert.ok(packed.messages.length > 7);
    const blobs = new MemoryBlobStore();
    const perShard = new Map<string, TimeSeries[]>();
    for (const m of packed.messages) {
      assert.match(m.groupId ?? '', /^shard-[0-6]$/);
      const back = (await unpackMessage(m.body, m.attributes, blobs)).timeseries;
      for (const s of back) assert.equal(shardGroupId(seriesShard(s.labels, 7)), m.groupId, 'series in the wrong group');
      perShard.set(m.groupId!, [...(perShard.get(m.groupId!) ?? []), ...back]);
    }
    // Every series arrives once, and within a group in input order.
    let total = 0;
    for (const [group, got] of perShard) {
      const want = input.filter((s) => shardGroupId(seriesShard(s.labels, 7)) === group);
      assert.deepEqual(got, want);
      total += got.length;
    }
    assert.equal(total, 3000);
  });

  it('claim checks also carry their group', () => {
    const big = series(1, 20_000);
    const packed = packSeries(big, opts(8192, 4));
    assert.equal(packed.spills.length, 1);
    assert.equal(packed.messages[0]!.attributes.claim, '1');
    assert.equal(packed.messages[0]!.groupId, shardGroupId(seriesShard(big[0]!.labels, 4)));
  });

  it('without shards, messages carry no group (standard queue)', () => {
    for (const m of packSeries(series(50, 1), opts(8192, undefined)).messages) assert.equal(m.groupId, undefined);
  });

  it('is deterministic: the same request packs into the same messages (FIFO deduplication ids rely on it)', () => {
    const a = packSeries(series(500, 3), opts(8192, 5));
    const b = packSeries(series(500, 3), opts(8192, 5));
    assert.deepEqual(a, b);
  });
});

describe('queue.ordered and queue.shards config', () => {
  const cases = [
    { name: 'defaults', yaml: '', want: { ordered: false, shards: 10 } },
    { name: 'ordered with default shards', yaml: 'queue: {ordered: true}', want: { ordered: true, shards: 10 } },
    { name: 'ordered with 1 shard', yaml: 'queue: {ordered: true, shards: 1}', want: { ordered: true, shards: 1 } },
    { name: 'ordered with 1000 shards', yaml: 'queue: {ordered: true, shards: 1000}', want: { ordered: true, shards: 1000 } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const q = loadGatewayConfig(`auth: {mode: none}\n${c.yaml}`).queue;
      assert.deepEqual({ ordered: q.ordered, shards: q.shards }, c.want);
    });
  }
  const bad = [
    { name: 'zero shards', yaml: 'queue: {ordered: true, shards: 0}', want: 'queue.shards: must be between 1 and 1000, got 0' },
    { name: 'too many shards', yaml: 'queue: {ordered: true, shards: 1001}', want: 'queue.shards: must be between 1 and 1000, got 1001' },
    { name: 'shards without ordered', yaml: 'queue: {shards: 4}', want: 'queue.shards: only applies with queue.ordered: true' },
    { name: 'ordered not a bool', yaml: 'queue: {ordered: "yes"}', want: 'queue.ordered: must be true or false' },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}`, () => {
      assert.throws(() => loadGatewayConfig(`auth: {mode: none}\n${c.yaml}`), (err: unknown) => err instanceof ConfigError && err.problems.some((p) => p.includes(c.want)));
    });
  }
});
