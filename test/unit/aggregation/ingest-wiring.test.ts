import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createIngest } from '../../../lib/ingest/pipeline.ts';
import { ingestDeps } from '../../../lib/compose/ingest.ts';
import { ingestAggregation } from '../../../lib/compose/aggregate.ts';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import { unpackMessage } from '../../../lib/queue/unpack.ts';
import { AggregationDiskQueue, ATTR_SEQ } from '../../../lib/local/aggregation-queue.ts';
import type { OutgoingMessage } from '../../../lib/ports/index.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger, MemoryQueue } from '../../helpers/fakes.ts';

/** The ingest hook (issue 15 item 2): matched series to the aggregation queue's shards, the rest as vmagent's keep_input says. */
function wire(section: unknown) {
  const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ url: 'http://a/api/v1/write' }], stream_aggregation: section });
  const queue = new MemoryQueue();
  const aggQueue = new MemoryQueue();
  const blobs = new MemoryBlobStore();
  const d = { config, queue, blobs, clock: new FakeClock(), logger: new MemoryLogger(), metrics: new CounterRegistry() };
  const agg = ingestAggregation(config, aggQueue);
  const ingest = createIngest({ ...ingestDeps(d), ...(agg ? { aggregation: agg } : {}) });
  const names = async (sent: OutgoingMessage[]) => (await Promise.all(sent.map((m) => unpackMessage(m.body, m.attributes, blobs)))).flatMap((w) => w.timeseries.map((s) => s.labels.find((l) => l.name === '__name__')!.value + (s.labels.find((l) => l.name === 'host')?.value ?? ''))).sort();
  return { ingest, queue, aggQueue, names, metrics: d.metrics };
}

// Influx lines take the FloatBatch fast path without rules: with them the object path must run.
const body = ['jobs,host=a v=1 1700000000000000000', 'jobs,host=b v=2 1700000000000000000', 'other,host=a v=3 1700000000000000000'].join('\n');
const post = (ingest: ReturnType<typeof wire>['ingest']) => ingest({ method: 'POST', path: '/write', query: new URLSearchParams(), headers: {}, body: Buffer.from(body) });
const rule = { match: 'jobs_v', interval: '10s', by: ['host'], outputs: ['sum_samples'] };

describe('stream_aggregation ingest hook', () => {
  it('default (keep_input false): matched series go only to their shards, unmatched only to delivery', async () => {
    const w = wire({ rules: [rule], shards: 4 });
    assert.equal((await post(w.ingest)).status, 204);
    assert.deepEqual(await w.names(w.queue.sent), ['other_va']);
    assert.deepEqual(await w.names(w.aggQueue.sent), ['jobs_va', 'jobs_vb']);
    for (const m of w.aggQueue.sent) {
      assert.match(m.groupId ?? '', /^agg\.global\.[0-3]$/);
      assert.match(m.attributes.agg_nonce ?? '', /^[0-9a-f-]{36}\.\d+$/);
    }
    assert.match(w.metrics.render(), /aggregation_matched_series_total\{[^}]*section="global"[^}]*\} 2/);
  });

  it('keep_input: true forwards matched series too; drop_input: true forwards nothing unmatched', async () => {
    const k = wire({ rules: [rule], keep_input: true });
    await post(k.ingest);
    assert.deepEqual(await k.names(k.queue.sent), ['jobs_va', 'jobs_vb', 'other_va']);
    assert.deepEqual(await k.names(k.aggQueue.sent), ['jobs_va', 'jobs_vb']);
    const d = wire({ rules: [rule], drop_input: true });
    await post(d.ingest);
    assert.deepEqual(d.queue.sent, []);
    assert.deepEqual(await d.names(d.aggQueue.sent), ['jobs_va', 'jobs_vb']);
  });

  it('the aggregation queue failing answers 503 after the forwarded series were queued (a retry never doubles an increment)', async () => {
    const w = wire([rule]);
    w.aggQueue.failWith = new Error('down');
    const res = await post(w.ingest);
    assert.equal(res.status, 503);
    assert.deepEqual(await w.names(w.queue.sent), ['other_va']);
  });

  it('without the section nothing changes: no hook', () => {
    const config = parseGatewayConfig({ auth: { mode: 'none' } });
    assert.equal(ingestAggregation(config, new MemoryQueue()), undefined);
    assert.equal(config.streamAggregation, undefined);
  });
});

describe('AggregationDiskQueue (the local runner\'s aggregation queue)', () => {
  it('numbers messages from a persistent counter: growing in send order, across reopening, concurrent sends serialised', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aggq-'));
    try {
      const m = (g: string): OutgoingMessage => ({ body: 'x', attributes: {}, groupId: g });
      let q = await AggregationDiskQueue.open(dir, { maxMessageBytes: 4096 });
      await Promise.all([q.send([m('a'), m('b')]), q.send([m('a')]), q.send([m('a')])]);
      const first = await q.receive(10, 0);
      // Send order is numbering order is queue order.
      assert.deepEqual(first.map((r) => [r.groupId, r.attributes[ATTR_SEQ]]), [['a', '1'], ['b', '2'], ['a', '3'], ['a', '4']]);
      await q.ack(first);
      q = await AggregationDiskQueue.open(dir, { maxMessageBytes: 4096 });
      await q.send([m('a')]);
      const [again] = await q.receive(10, 0);
      assert.ok(Number(again!.attributes[ATTR_SEQ]) > 4, `after reopening the counter resumes above every number used: ${again!.attributes[ATTR_SEQ]}`);
      assert.equal(q.maxMessageBytes, 4096 - 32, 'room is kept for the sequence attribute');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
