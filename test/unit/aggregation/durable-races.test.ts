import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DiskBlobStore } from '../../../lib/adapters/local/disk-blob-store.ts';
import { applyAggregationBatch, type AggregationRecord } from '../../../lib/aggregation/durable/apply.ts';
import { flushAggregation, flushShard } from '../../../lib/aggregation/durable/flush.ts';
import { decodeShardState, EMPTY_SHARD_STATE, encodeShardState } from '../../../lib/aggregation/durable/shard-state.ts';
import { shardStateKey } from '../../../lib/aggregation/durable/shard-store.ts';
import type { TimeSeries } from '../../../lib/model/types.ts';
import type { BlobStore } from '../../../lib/ports/index.ts';
import { MemoryBlobStore, MemoryLogger } from '../../helpers/fakes.ts';
import { CountingMetrics, MemoryConditionalStore } from './durable-helpers.ts';
import { pushAll, SECTIONS, tally } from './durable-scenario.ts';
import { T0 } from './helpers.ts';

function setup(store = new MemoryConditionalStore(), blobs: BlobStore = new MemoryBlobStore()) {
  const metrics = new CountingMetrics();
  const logger = new MemoryLogger();
  const out: TimeSeries[] = [];
  let failSend: Error | undefined;
  const apply = (records: readonly AggregationRecord[]) => applyAggregationBatch({ state: store, blobs, sections: SECTIONS, logger, metrics }, records);
  const flushDeps = {
    state: store,
    list: store,
    sections: SECTIONS,
    logger,
    metrics,
    send: async (series: TimeSeries[]) => {
      if (failSend) throw failSend;
      out.push(...series);
    },
  };
  return { store, metrics, logger, out, apply, flush: (at: number) => flushAggregation(flushDeps, at), flushDeps, failSends: (e: Error | undefined) => void (failSend = e) };
}

/** One group's records, in FIFO order. */
function oneGroup(records: readonly AggregationRecord[]): AggregationRecord[] {
  return records.filter((r) => r.groupId === records[0]!.groupId);
}

async function finish(s: ReturnType<typeof setup>, lastAt: number): Promise<void> {
  for (let t = T0; t <= lastAt + 60_000; t += 30_000) await s.flush(t);
}

describe('durable aggregation races, staged', () => {
  test('a consumer commits between a flush reading and writing a shard: the flush reads again, nothing is lost', async () => {
    const pushed = pushAll(3, 6);
    const group = oneGroup(pushed.records);
    const s = setup();
    await s.apply(group.slice(0, 4));
    s.store.beforePut = async () => {
      // The flush's compare-and-swap is next: a consumer gets there first with the rest of the group.
      await s.apply(group.slice(4));
    };
    await s.flush(pushed.lastAt + 60_000);
    assert.equal(s.metrics.sum('aggregation_state_conflicts_total'), 1);
    await finish(s, pushed.lastAt);
    const want = tally(s.out);
    const all = setup();
    await all.apply(group);
    await finish(all, pushed.lastAt);
    assert.deepEqual(want, tally(all.out));
    assert.ok([...want.samples.values()].reduce((a, b) => a + b, 0) === group.filter((r) => r.attributes.agg_rule!.startsWith('0:')).length * 1);
  });

  test('a flush commits between a consumer reading and writing a shard: the consumer applies again on the new state', async () => {
    const pushed = pushAll(3, 12);
    const s = setup();
    const first = pushed.records.filter((r) => Number(r.attributes.agg_at) < T0 + 60_000);
    const rest = pushed.records.filter((r) => Number(r.attributes.agg_at) >= T0 + 60_000);
    await s.apply(first);
    s.store.beforePut = async () => {
      await s.flush(T0 + 60_000);
    };
    const r = await s.apply(rest);
    assert.deepEqual(r.failed, []);
    assert.ok(rest.length > 0 && first.length > 0);
    assert.ok(s.metrics.sum('aggregation_state_conflicts_total') >= 1);
    await finish(s, pushed.lastAt);
    const got = tally(s.out);
    assert.deepEqual(got.increments, pushed.increments);
    assert.deepEqual(got.samples, pushed.samples);
  });

  test('a redelivered batch after a committed one is skipped by sequence number', async () => {
    const pushed = pushAll(4, 5);
    const s = setup();
    const a = await s.apply(pushed.records);
    const b = await s.apply(pushed.records);
    assert.equal(a.applied, pushed.records.length);
    assert.equal(b.applied, 0);
    assert.equal(b.skipped, pushed.records.length);
    await finish(s, pushed.lastAt);
    assert.deepEqual(tally(s.out).increments, pushed.increments);
  });

  test('a consumer that keeps losing the compare-and-swap fails its group for redelivery and writes nothing', async () => {
    const pushed = pushAll(2, 3);
    const group = oneGroup(pushed.records);
    const s = setup();
    let raced = 0;
    const store = s.store;
    const hook = async (key: string): Promise<void> => {
      // Another writer changes the shard before every attempt (a flush numbering its outbox).
      raced++;
      const cur = await store.getVersioned(key);
      const st = cur ? decodeShardState(cur.body) : { ...EMPTY_SHARD_STATE, outbox: [] };
      store.objects.set(key, { body: encodeShardState({ ...st, outboxId: st.outboxId + 1 }), metadata: {} });
      store.beforePut = hook;
    };
    store.beforePut = hook;
    const r = await applyAggregationBatch({ state: store, blobs: new MemoryBlobStore(), sections: SECTIONS, logger: s.logger, metrics: s.metrics, maxAttempts: 3 }, group);
    store.beforePut = undefined;
    assert.deepEqual(r.failed, group.map((x) => x.messageId));
    assert.equal(r.applied, 0);
    assert.equal(raced, 3);
  });

  test('a message whose payload cannot be read yet fails with every later message of its group; the earlier ones are committed', async () => {
    const pushed = pushAll(3, 4);
    const group = oneGroup(pushed.records);
    const blobs = new MemoryBlobStore();
    // The third message becomes a claim check whose blob read fails for now (S3 throttling).
    const claimed = { ...group[2]!, body: 'spool/2026/x.snappy', attributes: { ...group[2]!.attributes, claim: '1' } };
    const payload = group[2]!.body;
    blobs.objects.set(claimed.body, { body: typeof payload === 'string' ? Buffer.from(payload, 'base64') : payload, metadata: {} });
    const batch = [group[0]!, group[1]!, claimed, ...group.slice(3)];
    let failReads = true;
    const flaky: BlobStore = { ...blobs, get: async (k) => (failReads ? Promise.reject(new Error('SlowDown')) : blobs.get(k)), put: blobs.put.bind(blobs), delete: blobs.delete.bind(blobs), list: blobs.list.bind(blobs) };
    const s = setup(new MemoryConditionalStore(), flaky);
    const r1 = await s.apply(batch);
    assert.deepEqual(r1.failed, batch.slice(2).map((x) => x.messageId));
    assert.equal(r1.applied, 2);
    failReads = false;
    const r2 = await s.apply(batch.slice(2));
    assert.deepEqual(r2.failed, []);
    assert.equal(r2.applied, batch.length - 2);
    const again = setup();
    await again.apply(group);
    await finish(s, pushed.lastAt);
    await finish(again, pushed.lastAt);
    assert.deepEqual(tally(s.out), tally(again.out));
  });

  test('unreadable messages and unknown groups are dropped, counted and logged, and do not block their group', async () => {
    const pushed = pushAll(2, 3);
    const group = oneGroup(pushed.records);
    const s = setup();
    const bad = { ...group[1]!, attributes: { ...group[1]!.attributes, agg_rule: '9:deadbeef' } };
    const stranger = { ...group[0]!, messageId: 'x', groupId: 'shard-3' };
    const r = await s.apply([group[0]!, bad, ...group.slice(2), stranger]);
    assert.deepEqual(r.failed, []);
    assert.equal(r.dropped, 2);
    assert.equal(r.applied, group.length - 1);
    assert.equal(s.metrics.sum('aggregation_dropped_messages_total'), 2);
    assert.ok(s.logger.lines.some((l) => l.level === 'error' && /dropped/.test(l.msg) && l.fields?.reason === 'rule_gone'));
  });

  test('a flush whose send fails keeps the series in the outbox and sends the same samples at the next flush', async () => {
    const pushed = pushAll(3, 3);
    const s = setup();
    await s.apply(pushed.records);
    s.failSends(new Error('queue down'));
    const r1 = await s.flush(T0 + 60_000);
    assert.equal(r1.failedShards.length > 0, true);
    assert.equal(s.out.length, 0);
    const key = r1.failedShards[0]!;
    const kept = decodeShardState(s.store.objects.get(key)!.body);
    assert.ok(kept.outbox.length > 0);
    s.failSends(undefined);
    // The retry runs later; what it sends first is the outbox, with the original flush timestamp.
    await s.flush(T0 + 61_000);
    const sentAgain = s.out.filter((o) => o.samples[0]!.timestamp === T0 + 60_000);
    assert.deepEqual(
      sentAgain.filter((o) => kept.outbox.some((k) => JSON.stringify(k.labels) === JSON.stringify(o.labels))).map((o) => o.samples[0]!.value).sort(),
      kept.outbox.map((k) => k.samples[0]!.value).sort(),
    );
    assert.equal(decodeShardState(s.store.objects.get(key)!.body).outbox.length, 0);
  });

  test('flushing twice at the same time emits an interval once', async () => {
    const pushed = pushAll(3, 3);
    const s = setup();
    await s.apply(pushed.records);
    await s.flush(T0 + 60_000);
    const n = s.out.length;
    assert.ok(n > 0);
    await s.flush(T0 + 60_000);
    assert.equal(s.out.length, n);
    const puts = s.store.puts;
    await s.flush(T0 + 60_000);
    assert.equal(s.store.puts, puts, 'a flush with nothing to do writes nothing');
  });

  test('flushShard of a shard without state does nothing', async () => {
    const s = setup();
    assert.equal(await flushShard(s.flushDeps, 'global', 3, T0), 0);
    assert.equal(s.store.objects.size, 0);
    assert.equal(shardStateKey('global', 3), 'state/aggregation/global/3');
  });

  test('the disk store: consumers in one process racing on shards stay exact', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'agg-races-'));
    try {
      const store = new DiskBlobStore(dir);
      const pushed = pushAll(6, 8);
      const s = setup(store as unknown as MemoryConditionalStore);
      // Eight consumers at once, each with the whole input: every message must count once.
      const results = await Promise.all(Array.from({ length: 8 }, () => s.apply(pushed.records)));
      assert.equal(results.reduce((n, r) => n + r.applied, 0), pushed.records.length);
      await finish(s, pushed.lastAt);
      const got = tally(s.out);
      assert.deepEqual(got.increments, pushed.increments);
      assert.deepEqual(got.samples, pushed.samples);
      assert.deepEqual(got.cumulative, pushed.cumulative);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
