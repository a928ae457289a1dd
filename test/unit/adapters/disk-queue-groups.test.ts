import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DiskQueue } from '../../../lib/adapters/local/disk-queue.ts';
import type { OutgoingMessage } from '../../../lib/ports/index.ts';

async function withQueue(fn: (q: DiskQueue, dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-dq-groups-'));
  try {
    await fn(await DiskQueue.open(dir, { maxMessageBytes: 1024 }), dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const msg = (body: string, groupId?: string): OutgoingMessage => ({ body, attributes: {}, ...(groupId !== undefined ? { groupId } : {}) });

describe('disk queue message groups (ordered mode)', () => {
  it('a released message comes back before the later messages of its group; other groups are not held back', async () => {
    await withQueue(async (q) => {
      await q.send([msg('a1', 'A'), msg('b1', 'B')]);
      const first = await q.receive(10, 0);
      assert.deepEqual(first.map((m) => [m.body, m.groupId]), [['a1', 'A'], ['b1', 'B']]);
      await q.ack([first[1]!]);
      await q.release([first[0]!], 150);
      await q.send([msg('a2', 'A'), msg('b2', 'B'), msg('x')]);
      // a1 is invisible for 150 ms: a2 must wait behind it, b2 and the ungrouped message need not.
      assert.deepEqual((await q.receive(10, 0)).map((m) => m.body), ['b2', 'x']);
      const again = await q.receive(10, 2000);
      assert.deepEqual(again.map((m) => m.body), ['a1', 'a2'], 'a1 first, then its group in order');
      assert.equal(again[0]!.receiveCount, 2);
    });
  });

  it('hands out several messages of one group in order in one receive (one consumer, like a FIFO batch)', async () => {
    await withQueue(async (q) => {
      await q.send([msg('a1', 'A'), msg('a2', 'A'), msg('b1', 'B'), msg('a3', 'A')]);
      assert.deepEqual((await q.receive(10, 0)).map((m) => m.body), ['a1', 'a2', 'b1', 'a3']);
    });
  });

  it('a group stays blocked while one of its messages is in flight, until ack or release', async () => {
    await withQueue(async (q) => {
      await q.send([msg('a1', 'A')]);
      const [a1] = await q.receive(1, 0);
      await q.send([msg('a2', 'A')]);
      assert.equal((await q.receive(10, 0)).length, 0);
      const waiting = q.receive(10, 5000);
      await q.ack([a1!]);
      assert.deepEqual((await waiting).map((m) => m.body), ['a2'], 'an ack wakes a waiting receive');
    });
  });

  it('keeps groups and their order across a restart, including group names that are not file-name safe', async () => {
    await withQueue(async (q, dir) => {
      const weird = 'tenant/a b.g=ü';
      await q.send([msg('w1', weird), msg('n1'), msg('w2', weird)]);
      const [w1] = await q.receive(1, 0);
      assert.equal(w1!.groupId, weird);
      const q2 = await DiskQueue.open(dir, { maxMessageBytes: 1024 });
      const got = await q2.receive(10, 0);
      assert.deepEqual(got.map((m) => [m.body, m.groupId]), [['w1', weird], ['n1', undefined], ['w2', weird]]);
    });
  });
});
