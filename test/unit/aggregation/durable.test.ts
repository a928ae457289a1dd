import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DiskBlobStore } from '../../../lib/adapters/local/disk-blob-store.ts';
import { MemoryBlobStore } from '../../helpers/fakes.ts';
import { MemoryConditionalStore } from './durable-helpers.ts';
import { deliverChaotically, pushAll, tally } from './durable-scenario.ts';

describe('durable aggregation: every pushed increment counts exactly once', () => {
  const cases = [
    { name: 'no faults', chaos: { crash: 0, concurrent: 0, flush: 0.2 } },
    { name: 'consumers crash after applying, before deleting', chaos: { crash: 0.3, concurrent: 0, flush: 0.2 } },
    { name: 'two consumers race on a group', chaos: { crash: 0, concurrent: 0.4, flush: 0.2 } },
    { name: 'everything at once, flushes racing too', chaos: { crash: 0.25, concurrent: 0.25, flush: 0.5 } },
  ];
  for (const c of cases) {
    test(`${c.name} (memory store)`, async () => {
      const pushed = pushAll(12, 20);
      const { out, metrics } = await deliverChaotically(new MemoryConditionalStore(), new MemoryBlobStore(), pushed, c.chaos);
      const got = tally(out);
      assert.deepEqual(got.increments, pushed.increments);
      assert.deepEqual(got.samples, pushed.samples);
      assert.deepEqual(got.cumulative, pushed.cumulative);
      if (c.chaos.crash > 0 || c.chaos.concurrent > 0) assert.ok(metrics.sum('aggregation_redelivered_messages_skipped_total') > 0, 'the chaos must have redelivered something');
    });
  }
  test('everything at once on the disk store', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'agg-durable-'));
    try {
      const store = new DiskBlobStore(dir);
      const pushed = pushAll(8, 12);
      const { out, metrics } = await deliverChaotically(store, store, pushed, { crash: 0.25, concurrent: 0.3, flush: 0.5 }, 11);
      const got = tally(out);
      assert.deepEqual(got.increments, pushed.increments);
      assert.deepEqual(got.samples, pushed.samples);
      assert.deepEqual(got.cumulative, pushed.cumulative);
      assert.ok(metrics.sum('aggregation_state_conflicts_total') > 0, 'concurrent consumers must have lost a compare-and-swap');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
