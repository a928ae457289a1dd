/**
 * The disk queue writes a message once (send) and keeps its receive counts in receives.log (until 2026-12-03 a
 * file per message in receives/<name>, the older layout, still read): a receive leaves the message's file as
 * it is (until s24 it renamed it into inflight/). These tests hold the durability contract that the rewrite
 * gave: the count survives crashes (a message that kills the process each time still reaches dead/),
 * nothing is lost, and left-over files of either layout are handled.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DiskQueue } from '../../../lib/adapters/local/disk-queue.ts';
import { parseReceiveLog } from '../../../lib/adapters/local/disk-queue-format.ts';

/** The counts receives.log holds, as the next open reads them. */
const loggedCounts = (dir: string): Map<string, number> => parseReceiveLog(readFileSync(path.join(dir, 'receives.log'), 'utf8'));

async function withDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-dq-receives-'));
  try {
    await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('disk queue receive counts', () => {
  it('a receive leaves the message file as it is, and records the count beside it', async () => {
    await withDir(async (dir) => {
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1 << 20 });
      await q.send([{ body: 'x'.repeat(100_000), attributes: { v: '1' } }]);
      const [name] = readdirSync(path.join(dir, 'ready'));
      const before = statSync(path.join(dir, 'ready', name!));
      const [m] = await q.receive(1, 0);
      // Until s24 a receive renamed the file into inflight/; a held message is now state in memory only.
      assert.deepEqual(readdirSync(path.join(dir, 'inflight')), []);
      const after = statSync(path.join(dir, 'ready', name!));
      assert.equal(after.ino, before.ino, 'the same file, not rewritten');
      assert.equal(after.mtimeMs, before.mtimeMs);
      assert.equal(loggedCounts(dir).get(name!), 1);
      assert.equal(m!.receiveCount, 1);
      await q.ack([m!]);
      for (const sub of ['ready', 'inflight', 'receives', 'tmp']) assert.deepEqual(readdirSync(path.join(dir, sub)), [], sub);
    });
  });

  it('a message whose delivery kills the process every time reaches dead/ after maxReceiveCount starts', async () => {
    await withDir(async (dir) => {
      await (await DiskQueue.open(dir, { maxMessageBytes: 1024, maxReceiveCount: 3 })).send([{ body: 'poison', attributes: {} }]);
      const counts: number[] = [];
      for (let start = 0; start < 4; start++) {
        // A new process each time; the previous one died holding the message (no ack, no release).
        const q = await DiskQueue.open(dir, { maxMessageBytes: 1024, maxReceiveCount: 3 });
        counts.push(...(await q.receive(1, 0)).map((m) => m.receiveCount));
      }
      assert.deepEqual(counts, [1, 2, 3]);
      assert.equal(readdirSync(path.join(dir, 'dead')).length, 1);
      assert.deepEqual(readdirSync(path.join(dir, 'receives')), [], 'no count left for a dead-lettered message');
    });
  });

  it('release keeps the count; a restart keeps it too; left-over counts without a message are removed at open', async () => {
    await withDir(async (dir) => {
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1024 });
      await q.send([{ body: 'a', attributes: {} }]);
      const [m1] = await q.receive(1, 0);
      await q.release([m1!], 0);
      const [m2] = await q.receive(1, 0);
      assert.equal(m2!.receiveCount, 2);
      // A count file of the older layout, for a message that is gone.
      writeFileSync(path.join(dir, 'receives', 'gone-message'), '4');
      const q2 = await DiskQueue.open(dir, { maxMessageBytes: 1024 });
      assert.deepEqual(readdirSync(path.join(dir, 'receives')), [], 'older-layout count files are merged into the log at open');
      assert.deepEqual([...loggedCounts(dir)], [[m2!.receiptHandle, 2]], 'the compacted log keeps only the live count');
      const [m3] = await q2.receive(1, 0);
      assert.equal(m3!.body, 'a');
      assert.equal(m3!.receiveCount, 3);
    });
  });

  it('a message file of the older layout (count inside) counts from its stored count', async () => {
    await withDir(async (dir) => {
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1024 });
      await q.send([{ body: 'old', attributes: {} }]);
      const [name] = readdirSync(path.join(dir, 'ready'));
      const file = path.join(dir, 'ready', name!);
      writeFileSync(file, JSON.stringify({ body: 'old', attributes: {}, receiveCount: 5 }));
      const [m] = await (await DiskQueue.open(dir, { maxMessageBytes: 1024 })).receive(1, 0);
      assert.equal(m!.receiveCount, 6);
    });
  });
});
