import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DiskQueue, writeDurably, type DurableFs } from '../../../lib/adapters/local/disk-queue.ts';
import { DiskBlobStore } from '../../../lib/adapters/local/disk-blob-store.ts';

/**
 * A disk that fills up (issue 12 item 9): the write of a file gets half its bytes down, then ENOSPC, as
 * a real full disk answers. The partial tmp file must not stay behind, and the queue must keep working once
 * space is back.
 */
function fillingDisk(): DurableFs & { full: boolean; failures: number } {
  const io = {
    full: false,
    failures: 0,
    async open(p: string, flags: 'w') {
      const fh = await fs.open(p, flags);
      return {
        writeFile: async (data: string | Uint8Array) => {
          if (!io.full) return fh.writeFile(data);
          await fh.writeFile(typeof data === 'string' ? data.slice(0, data.length >> 1) : data.subarray(0, data.length >> 1));
          io.failures++;
          throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC' });
        },
        sync: () => fh.sync(),
        close: () => fh.close(),
      };
    },
    rename: (a: string, b: string) => fs.rename(a, b),
    rm: (p: string, o: { force: true }) => fs.rm(p, o),
  };
  return io;
}

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'gw-full-'));
}

const files = (dir: string): string[] => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();

describe('a full disk leaves no partial files', () => {
  it('writeDurably removes its tmp file when the write fails, and when the rename fails', async () => {
    const dir = tmp();
    try {
      const io = fillingDisk();
      io.full = true;
      await assert.rejects(writeDurably(path.join(dir, 'x.tmp'), path.join(dir, 'x'), 'payload', io), /ENOSPC/);
      assert.deepEqual(files(dir), [], 'the half-written tmp file is gone');
      // The destination is a non-empty directory: the rename fails after a whole, synced tmp file.
      await fs.mkdir(path.join(dir, 'taken', 'inside'), { recursive: true });
      await assert.rejects(writeDurably(path.join(dir, 'y.tmp'), path.join(dir, 'taken'), 'payload'));
      assert.deepEqual(files(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('disk queue: a send that hits ENOSPC throws, leaves tmp/ empty, and the queue works once space is back', async () => {
    const dir = tmp();
    try {
      const io = fillingDisk();
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1024, io });
      await q.send([{ body: 'before', attributes: {} }]);
      io.full = true;
      await assert.rejects(q.send([{ body: 'during', attributes: {} }]), /ENOSPC/);
      assert.equal(io.failures, 1);
      assert.deepEqual(readdirSync(path.join(dir, 'tmp')), [], 'no partial file in queue/tmp');
      assert.equal(q.depth, 1, 'the failed send is not counted as queued');
      io.full = false;
      await q.send([{ body: 'after', attributes: {} }]);
      const got = await q.receive(10, 0);
      assert.deepEqual(got.map((m) => m.body), ['before', 'after']);
      await q.ack(got);
      assert.equal(q.depth, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('disk queue: a receive that cannot record its receive counts leaves the messages ready, in memory as on disk', async () => {
    const dir = tmp();
    try {
      const io = fillingDisk();
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1024, io });
      await q.send([{ body: 'a', attributes: {} }, { body: 'b', attributes: {} }]);
      io.full = true;
      await assert.rejects(q.receive(10, 0), /ENOSPC/);
      assert.deepEqual(readdirSync(path.join(dir, 'tmp')), []);
      // One send of two messages is one commit file (layout 4); until s24 a file per message (2).
      assert.equal(readdirSync(path.join(dir, 'ready')).length, 1);
      assert.equal(q.depth, 2);
      io.full = false;
      const got = await q.receive(10, 0);
      assert.deepEqual(got.map((m) => [m.body, m.receiveCount]), [['a', 1], ['b', 1]]);
      await q.ack(got);
      assert.equal(q.depth, 0, 'nothing counted as held forever (drained() can return)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('disk blob store: a put that hits ENOSPC leaves no tmp file beside the key, and list() never shows it', async () => {
    const dir = tmp();
    try {
      const io = fillingDisk();
      const blobs = new DiskBlobStore(dir, io);
      io.full = true;
      await assert.rejects(blobs.put('overflow/vm/a.snappy', new Uint8Array(100)), /ENOSPC/);
      assert.deepEqual(files(dir), [], 'neither the body nor the metadata tmp file stays');
      io.full = false;
      await blobs.put('overflow/vm/a.snappy', new Uint8Array(100), { samples: '3' });
      assert.deepEqual(files(dir), ['overflow/vm/a.snappy', 'overflow/vm/a.snappy.meta.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
