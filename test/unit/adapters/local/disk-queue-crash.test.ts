/**
 * The disk queue's contract at a crash between two steps, and its on-disk layouts (lib/adapters/local/
 * disk-queue.ts, disk-queue-format.ts). A crash is a copy of the queue directory taken at a chosen step
 * (through the DurableFs seam) and reopened as the next process would find it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DiskQueue, type DurableFs } from '../../../../lib/adapters/local/disk-queue.ts';
import { parseReceiveLog } from '../../../../lib/adapters/local/disk-queue-format.ts';

async function withDirs(f: (dir: string, crash: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'gw-dq-crash-'));
  try {
    await f(path.join(root, 'q'), path.join(root, 'crash'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

type Step = 'write' | 'written' | 'sync' | 'rename';
/**
 * Real file operations; `at(step, file)` runs before each step ('written': after a write, 'sync': after an
 * fsync), and may copy the directory (the crash) or throw (a failing disk). `torn` makes the next write put
 * down only half its bytes, then fail with ENOSPC.
 */
function seam(at: (step: Step, file: string) => void | Promise<void>): DurableFs & { torn: boolean } {
  let renames: Promise<void> = Promise.resolve();
  const io = {
    torn: false,
    async open(p: string, flags: 'w' | 'a') {
      const fh = await fs.open(p, flags);
      return {
        writeFile: async (data: string | Uint8Array) => {
          at('write', p);
          if (!io.torn) {
            await fh.writeFile(data);
            return at('written', p);
          }
          io.torn = false;
          await fh.writeFile(typeof data === 'string' ? data.slice(0, data.length >> 1) : data.subarray(0, data.length >> 1));
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        },
        sync: async () => {
          await fh.sync();
          at('sync', p);
        },
        close: () => fh.close(),
      };
    },
    // One rename at a time, each step after the one before has finished: a crash copy sees whole steps.
    rename: (a: string, b: string) => {
      renames = renames.catch(() => undefined).then(async () => {
        await at('rename', b);
        await fs.rename(a, b);
      });
      return renames;
    },
    rm: (p: string, o: { force: true }) => fs.rm(p, o),
  };
  return io;
}

const ls = (dir: string, sub: string): string[] => readdirSync(path.join(dir, sub)).sort();
const logged = (dir: string): Map<string, number> => parseReceiveLog(readFileSync(path.join(dir, 'receives.log'), 'utf8'));

describe('disk queue at a crash', () => {
  it('a crash in the middle of a send (written and fsynced, not yet renamed) leaves none of its messages, and every earlier send', async () => {
    await withDirs(async (dir, crash) => {
      let renames = 0;
      const io = seam((step) => {
        // The rename of the second send's file. Until s24 a send renamed a file per message and the crash fell
        // between two of them (then: whole messages or none, each); a send is now one commit file, all or none.
        if (step === 'rename' && ++renames === 2) cpSync(dir, crash, { recursive: true });
      });
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1 << 20, io });
      await q.send([{ body: 'acked', attributes: {} }]);
      await q.send([{ body: 'x'.repeat(50_000), attributes: { n: '1' } }, { body: 'y'.repeat(50_000), attributes: { n: '2' } }]);
      assert.equal(ls(crash, 'tmp').length, 1, 'the crash copy has the send not yet renamed');
      const after = await DiskQueue.open(crash, { maxMessageBytes: 1 << 20 });
      assert.deepEqual(ls(crash, 'tmp'), [], 'a file not renamed into ready/ is not a message');
      const got = await after.receive(10, 0);
      assert.equal(got[0]!.body, 'acked', 'a send that resolved survives');
      assert.equal(got.length, 1, 'nothing of the send that did not resolve');
    });
  });

  it('a send whose second write fails queues none of its messages and leaves tmp/ empty', async () => {
    await withDirs(async (dir) => {
      let writes = 0;
      const io = seam((step) => {
        if (step === 'write' && ++writes === 2) throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
      });
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1024, io });
      await assert.rejects(q.send([{ body: 'a', attributes: {} }, { body: 'b', attributes: {} }, { body: 'c', attributes: {} }]), /EIO/);
      assert.deepEqual(ls(dir, 'tmp'), []);
      assert.deepEqual(ls(dir, 'ready'), []);
      assert.equal(q.depth, 0);
    });
  });

  it('a crash after the receive count is written, before the hand-out, keeps the count: a poison message still reaches dead/', async () => {
    await withDirs(async (dir, crash) => {
      // Each "process" dies right after the count of its receive is written (the copy is the next start's disk:
      // what the page cache holds when a process dies). Until s24 the append was fsynced and the crash point was
      // the fsync; the append is no longer fsynced (docs/disk-queue.md).
      let from = dir;
      for (let start = 1; start <= 3; start++) {
        const to = `${crash}${start}`;
        const io = seam((step, file) => {
          if (step === 'written' && path.basename(file) === 'receives.log') cpSync(from, to, { recursive: true });
        });
        const q = await DiskQueue.open(from, { maxMessageBytes: 1024, maxReceiveCount: 2, io });
        if (start === 1) await q.send([{ body: 'poison', attributes: {} }]);
        const got = await q.receive(1, 0);
        if (start <= 2) {
          assert.equal(got[0]!.receiveCount, start);
          assert.equal(ls(to, 'ready').length, 1, 'at the crash the message was not yet moved to inflight/');
          from = to;
        } else {
          assert.deepEqual(got, [], 'the third delivery does not happen');
          assert.equal(ls(from, 'dead').length, 1);
        }
      }
    });
  });

  it('a receive log append cut short (crash or full disk) counts nothing; the log is rewritten before the next append', async () => {
    await withDirs(async (dir) => {
      const io = seam(() => undefined);
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1024, io });
      await q.send([{ body: 'a', attributes: {} }, { body: 'b', attributes: {} }]);
      const [a] = await q.receive(1, 0);
      await q.release([a!], 0);
      io.torn = true;
      await assert.rejects(q.receive(2, 0), /ENOSPC/);
      assert.ok(!readFileSync(path.join(dir, 'receives.log'), 'utf8').endsWith('\n'), 'half a line is in the log');
      assert.deepEqual([...logged(dir)], [[a!.receiptHandle, 1]], 'the half line counts nothing');
      // One send of two messages is one commit file (until s24: a file per message, 2).
      assert.equal(ls(dir, 'ready').length, 1);
      const got = await q.receive(2, 0);
      assert.deepEqual(got.map((m) => [m.body, m.receiveCount]), [['a', 2], ['b', 1]]);
      assert.ok(readFileSync(path.join(dir, 'receives.log'), 'utf8').split('\n').every((l) => l === '' || l.endsWith(' .')), 'no torn line left');
      // A crash cut short an append, then the process restarted: the torn tail is ignored.
      appendFileSync(path.join(dir, 'receives.log'), `R ${got[1]!.receiptHandle} 9`);
      const [, b] = await (await DiskQueue.open(dir, { maxMessageBytes: 1024 })).receive(2, 0);
      assert.equal(b!.receiveCount, 2);
    });
  });

  it('the receive log is compacted to the live counts as it grows, and reopened counts are right', async () => {
    await withDirs(async (dir) => {
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1024, compactLogAfter: 8 });
      await q.send([{ body: 'kept', attributes: {} }]);
      const [kept] = await q.receive(1, 0);
      await q.release([kept!], 60_000);
      for (let i = 0; i < 30; i++) {
        await q.send([{ body: `m${i}`, attributes: {} }]);
        await q.ack(await q.receive(1, 0));
      }
      const lines = readFileSync(path.join(dir, 'receives.log'), 'utf8').split('\n').length - 1;
      assert.ok(lines <= 10, `the log holds ${lines} lines after 31 receives`);
      const again = await DiskQueue.open(dir, { maxMessageBytes: 1024 });
      assert.deepEqual([...logged(dir)], [[kept!.receiptHandle, 1]], 'reopened: only the live count');
      assert.equal((await again.receive(1, 0))[0]!.receiveCount, 2);
    });
  });
});

describe('disk queue layouts', () => {
  it('layout 2 keeps bodies and attributes byte for byte: newlines, non-ASCII, a lone surrogate (written as layout 1)', async () => {
    await withDirs(async (dir) => {
      const bodies = ['line 1\nline 2\n', 'ünïcödé 📈 \u0000', 'lone \ud800 surrogate', ''];
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1024 });
      // A send of one message at a time: one message is written as a message file (layouts 1-3). Until s24 one
      // send of the four (since then a commit file of several, layout 4: disk-queue-commit.test.ts).
      for (const [i, body] of bodies.entries()) await q.send([{ body, attributes: { 'k\nx': `v ${i}\n"}` }, groupId: `g\n${i}` }]);
      const files = ls(dir, 'ready').map((f) => readFileSync(path.join(dir, 'ready', f), 'latin1'));
      assert.deepEqual(files.map((f) => f.slice(0, 5)), ['MGQ2 ', 'MGQ2 ', '{"bod', 'MGQ2 ']);
      const got = await (await DiskQueue.open(dir, { maxMessageBytes: 1024 })).receive(10, 0);
      assert.deepEqual(got.map((m) => [m.body, m.attributes, m.groupId]), bodies.map((body, i) => [body, { 'k\nx': `v ${i}\n"}` }, `g\n${i}`]));
    });
  });

  it('reads a queue written by the older layouts: message files of JSON and a count file per message', async () => {
    await withDirs(async (dir) => {
      for (const sub of ['ready', 'inflight', 'dead', 'tmp', 'receives']) await fs.mkdir(path.join(dir, sub), { recursive: true });
      const group = `.g${Buffer.from('host-1').toString('base64url')}`;
      const old1 = `001700000000000-000000000-0badcafe${group}`;
      const old2 = `001700000000001-000000001-0badcafe${group}`;
      writeFileSync(path.join(dir, 'ready', old1), JSON.stringify({ body: 'first', attributes: { a: '1' }, receiveCount: 2, groupId: 'host-1' }));
      writeFileSync(path.join(dir, 'inflight', old2), JSON.stringify({ body: 'second', attributes: {}, receiveCount: 0, groupId: 'host-1' }));
      writeFileSync(path.join(dir, 'receives', old1), '3');
      writeFileSync(path.join(dir, 'receives', old2), '1');
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1024 });
      assert.deepEqual(ls(dir, 'receives'), [], 'count files merged into the log');
      assert.deepEqual([...logged(dir)].sort(), [[old1, 3], [old2, 1]]);
      await q.send([{ body: 'third', attributes: {}, groupId: 'host-1' }]);
      const got = await q.receive(10, 0);
      assert.deepEqual(got.map((m) => [m.body, m.receiveCount, m.groupId, m.attributes]), [['first', 4, 'host-1', { a: '1' }], ['second', 2, 'host-1', {}], ['third', 1, 'host-1', {}]]);
    });
  });
});
