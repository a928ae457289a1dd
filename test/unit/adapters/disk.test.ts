import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DiskQueue } from '../../../lib/adapters/local/disk-queue.ts';
import { DiskBlobStore } from '../../../lib/adapters/local/disk-blob-store.ts';

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'gw-disk-'));
}

describe('disk queue', () => {
  it('delivers in order, acks remove, and messages survive a restart', async () => {
    const dir = tmp();
    try {
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1024 });
      await q.send([{ body: 'a', attributes: { v: '1' } }, { body: 'b', attributes: {} }, { body: 'c', attributes: {} }]);
      const got = await q.receive(2, 0);
      assert.deepEqual(got.map((m) => m.body), ['a', 'b']);
      assert.deepEqual(got[0]!.attributes, { v: '1' });
      await q.ack([got[0]!]);
      // "b" is in flight and "c" waiting when the process dies: both come back after a restart.
      const q2 = await DiskQueue.open(dir, { maxMessageBytes: 1024 });
      const again = await q2.receive(10, 0);
      assert.deepEqual(again.map((m) => m.body), ['b', 'c']);
      assert.equal(again[0]!.receiveCount, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('release makes a message visible again after the delay; too many receives go to dead/', async () => {
    const dir = tmp();
    try {
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1024, maxReceiveCount: 2 });
      await q.send([{ body: 'x', attributes: {} }]);
      const [m] = await q.receive(1, 0);
      await q.release([m!], 200);
      assert.equal((await q.receive(1, 0)).length, 0, 'invisible during the delay');
      const [m2] = await q.receive(1, 2000);
      assert.equal(m2!.receiveCount, 2);
      await q.release([m2!], 0);
      assert.equal((await q.receive(1, 0)).length, 0, 'third receive moves it to dead/');
      assert.equal(readdirSync(path.join(dir, 'dead')).length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a waiting receive wakes up when a message is sent', async () => {
    const dir = tmp();
    try {
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1024 });
      const pending = q.receive(5, 5000);
      await q.send([{ body: 'late', attributes: {} }]);
      assert.deepEqual((await pending).map((m) => m.body), ['late']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a message over its size, accepts one at it', async () => {
    const dir = tmp();
    try {
      const q = await DiskQueue.open(dir, { maxMessageBytes: 10 });
      await q.send([{ body: 'x'.repeat(9), attributes: { a: '' } }]);
      await assert.rejects(q.send([{ body: 'x'.repeat(10), attributes: { a: '' } }]), /exceeds the queue's 10/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('disk blob store', () => {
  it('put, get with metadata, list in key order with startAfter and limit, delete', async () => {
    const dir = tmp();
    try {
      const b = new DiskBlobStore(dir);
      await b.put('overflow/vm/2026-01-02.snappy', Buffer.from('2'), { samples: '5' });
      await b.put('overflow/vm/2026-01-01.snappy', Buffer.from('1'));
      await b.put('overflow/other/x.snappy', Buffer.from('x'));
      await b.put('rejected/vm/y.snappy', Buffer.from('y'));
      assert.deepEqual((await b.list('overflow/vm/')).map((i) => i.key), ['overflow/vm/2026-01-01.snappy', 'overflow/vm/2026-01-02.snappy']);
      assert.deepEqual((await b.list('overflow/', { limit: 2 })).map((i) => i.key), ['overflow/other/x.snappy', 'overflow/vm/2026-01-01.snappy']);
      assert.deepEqual((await b.list('overflow/vm/', { startAfter: 'overflow/vm/2026-01-01.snappy' })).map((i) => i.key), ['overflow/vm/2026-01-02.snappy']);
      const got = await b.get('overflow/vm/2026-01-02.snappy');
      assert.equal(Buffer.from(got!.body).toString(), '2');
      assert.deepEqual(got!.metadata, { samples: '5' });
      await b.delete('overflow/vm/2026-01-02.snappy');
      assert.equal(await b.get('overflow/vm/2026-01-02.snappy'), undefined);
      await assert.rejects(b.put('../escape', Buffer.from('')), /invalid blob key/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
