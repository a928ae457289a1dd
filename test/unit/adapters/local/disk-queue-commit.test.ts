/**
 * The disk queue's group commit and what came with it in s24 (lib/adapters/local/disk-queue.ts,
 * disk-queue-commit.ts, disk-queue-log.ts; docs/disk-queue.md): sends waiting when a commit starts share one
 * file and one fsync; a failed or interrupted commit delivers nothing of its sends; receive, release and ack
 * fsync and rename nothing; a commit file's messages are acknowledged, dead-lettered and reopened one by one.
 * The fsyncs are counted through the DurableFs seam, on real files.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DiskQueue, type DurableFs } from '../../../../lib/adapters/local/disk-queue.ts';
import { nodeDurableFs } from '../../../../lib/adapters/local/disk-queue-io.ts';
import { decodeMessage } from '../../../../lib/adapters/local/disk-queue-format.ts';
import { openMessage } from '../../../../lib/queue/unpack.ts';
import type { OutgoingMessage } from '../../../../lib/ports/index.ts';
import { MemoryBlobStore, MemoryLogger } from '../../../helpers/fakes.ts';

async function withDirs(f: (dir: string, crash: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'gw-dq-commit-'));
  try {
    await f(path.join(root, 'q'), path.join(root, 'crash'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The real file operations, counted; `beforeSync` runs before each fsync (a crash copy, a gate, a failure). */
function counting(beforeSync?: (file: string) => void | Promise<void>): DurableFs & { syncs: number; renames: number } {
  const io = {
    syncs: 0,
    renames: 0,
    async open(p: string, flags: 'w' | 'a') {
      const h = await nodeDurableFs.open(p, flags);
      return {
        writeFile: h.writeFile,
        writev: h.writev!,
        sync: async () => {
          io.syncs++;
          await beforeSync?.(p);
          await h.sync();
        },
        close: h.close,
      };
    },
    rename: (a: string, b: string) => {
      io.renames++;
      return nodeDurableFs.rename(a, b);
    },
    rm: nodeDurableFs.rm,
  };
  return io;
}

const ls = (dir: string, sub: string): string[] => readdirSync(path.join(dir, sub)).sort();
const msg = (body: string, groupId?: string): OutgoingMessage => ({ body: Buffer.from(body), attributes: { b: body }, ...(groupId !== undefined ? { groupId } : {}) });
const text = (ms: { body: string | Uint8Array }[]): string[] => ms.map((m) => Buffer.from(m.body).toString());

describe('disk queue group commit', () => {
  it('N sends of one turn of the event loop are one commit: one file, one fsync, delivered in send order', async () => {
    await withDirs(async (dir) => {
      const io = counting();
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1 << 20, io });
      await Promise.all(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((b) => q.send([msg(b)])));
      assert.equal(io.syncs, 1, 'one fsync for eight sends');
      const files = ls(dir, 'ready');
      assert.equal(files.length, 1);
      assert.match(files[0]!, /\.c$/, 'a commit file');
      assert.equal(readFileSync(path.join(dir, 'ready', files[0]!), 'latin1').slice(0, 5), 'MGQ4 ');
      const got = await q.receive(10, 0);
      assert.deepEqual(text(got), ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
      assert.deepEqual(
        got.map((m) => m.receiptHandle),
        got.map((_, i) => `${files[0]}#${i}`),
      );
      // The same from the file, in a new process.
      const again = await (await DiskQueue.open(dir, { maxMessageBytes: 1 << 20 })).receive(10, 0);
      assert.deepEqual(text(again), ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
      assert.deepEqual(again[2]!.attributes, { b: 'c' });
    });
  });

  it('sends that arrive while a commit is being fsynced join the next commit', async () => {
    await withDirs(async (dir) => {
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      const io = counting((file) => (path.basename(path.dirname(file)) === 'tmp' && io.syncs === 1 ? gate : undefined));
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1 << 20, io });
      const first = q.send([msg('first')]);
      while (io.syncs === 0) await new Promise((r) => setImmediate(r));
      // The first commit is in its fsync: these four wait, and are then written together.
      const later = ['w', 'x', 'y', 'z'].map((b) => q.send([msg(b)]));
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      assert.equal(io.syncs, 1, 'nothing else is written while a commit runs');
      open();
      await Promise.all([first, ...later]);
      assert.equal(io.syncs, 2);
      assert.equal(ls(dir, 'ready').length, 2, 'a message file for the first send, a commit file for the four');
      assert.deepEqual(text(await q.receive(10, 0)), ['first', 'w', 'x', 'y', 'z']);
    });
  });

  it('a failing fsync fails every send of its group: none is queued or delivered, tmp/ is empty, the next commit works', async () => {
    await withDirs(async (dir) => {
      let fail = true;
      const io = counting((file) => {
        if (fail && path.basename(path.dirname(file)) === 'tmp') throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      });
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1 << 20, io });
      const results = await Promise.allSettled(['a', 'b', 'c'].map((b) => q.send([msg(b)])));
      assert.deepEqual(
        results.map((r) => r.status === 'rejected' && /EIO/.test(String(r.reason))),
        [true, true, true],
      );
      assert.equal(io.syncs, 1, 'one group');
      assert.deepEqual(ls(dir, 'tmp'), []);
      assert.deepEqual(ls(dir, 'ready'), []);
      assert.equal(q.depth, 0);
      assert.deepEqual(await q.receive(10, 0), []);
      fail = false;
      await q.send([msg('after')]);
      assert.deepEqual(text(await (await DiskQueue.open(dir, { maxMessageBytes: 1 << 20 })).receive(10, 0)), ['after']);
    });
  });

  it('a crash between the write and the fsync of a commit leaves nothing of its sends delivered, and every earlier send', async () => {
    await withDirs(async (dir, crash) => {
      let crashNow = false;
      const io = counting((file) => {
        if (crashNow && path.basename(path.dirname(file)) === 'tmp') cpSync(dir, crash, { recursive: true });
      });
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1 << 20, io });
      await q.send([msg('acked')]);
      crashNow = true;
      await Promise.all([q.send([msg('x'), msg('y')]), q.send([msg('z')])]);
      assert.equal(ls(crash, 'tmp').length, 1, 'the crash copy holds the written commit file, not yet fsynced or renamed');
      const after = await DiskQueue.open(crash, { maxMessageBytes: 1 << 20 });
      assert.deepEqual(ls(crash, 'tmp'), []);
      assert.deepEqual(text(await after.receive(10, 0)), ['acked']);
    });
  });

  it('maxCommitMessages: sends of that many messages share a file; one message more starts the next; a larger send is never split', async () => {
    await withDirs(async (dir) => {
      const io = counting();
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1 << 20, io, maxCommitMessages: 3 });
      await Promise.all(['a', 'b', 'c'].map((b) => q.send([msg(b)])));
      assert.equal(io.syncs, 1, 'at the limit: one commit');
      await Promise.all(['d', 'e', 'f', 'g'].map((b) => q.send([msg(b)])));
      assert.equal(io.syncs, 3, 'one past: two commits (3 + 1)');
      await Promise.all([q.send([msg('h'), msg('i')]), q.send([msg('j'), msg('k')])]);
      assert.equal(io.syncs, 5, 'two sends of two do not fit in three: two commits');
      await q.send(['l', 'm', 'n', 'o', 'p'].map((b) => msg(b)));
      assert.equal(io.syncs, 6, 'a send of five is one file');
      assert.equal(ls(dir, 'ready').length, 6);
      assert.deepEqual(text(await q.receive(100, 0)), 'abcdefghijklmnop'.split(''));
    });
  });

  it('maxCommitBytes: bodies up to it share a file; one byte past starts the next', async () => {
    await withDirs(async (dir) => {
      const io = counting();
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1 << 20, io, maxCommitBytes: 200 });
      await Promise.all([q.send([msg('a'.repeat(100))]), q.send([msg('b'.repeat(100))])]);
      assert.equal(io.syncs, 1, '200 bytes: one commit');
      await Promise.all([q.send([msg('c'.repeat(100))]), q.send([msg('d'.repeat(101))])]);
      assert.equal(io.syncs, 3, '201 bytes: two commits');
      await q.send([msg('e'.repeat(150)), msg('f'.repeat(150))]);
      assert.equal(io.syncs, 4, 'a send of 300 bytes is one file');
      assert.deepEqual(
        text(await q.receive(10, 0)).map((b) => `${b[0]}${b.length}`),
        ['a100', 'b100', 'c100', 'd101', 'e150', 'f150'],
      );
    });
  });
});

describe('disk queue: receive, release and ack without fsync or rename', () => {
  it('receive, release and ack fsync and rename nothing, for message files and commit files alike', async () => {
    await withDirs(async (dir) => {
      const io = counting();
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1 << 20, io });
      await q.send([msg('alone')]);
      await q.send([msg('a'), msg('b')]);
      io.syncs = 0;
      io.renames = 0;
      const first = await q.receive(10, 0);
      await q.release(first, 0);
      const second = await q.receive(10, 0);
      assert.deepEqual(
        second.map((m) => m.receiveCount),
        [2, 2, 2],
      );
      await q.ack([second[1]!]);
      await q.ack([second[0]!, second[2]!]);
      assert.deepEqual([io.syncs, io.renames], [0, 0], 'until s24: an fsynced count per receive and a rename per message');
      assert.deepEqual(ls(dir, 'ready'), [], 'every file removed once all its messages are acknowledged');
      assert.equal(q.depth, 0);
    });
  });

  it('an ack of one message of a commit file is recorded: a new process does not deliver it again; the file goes with its last message', async () => {
    await withDirs(async (dir) => {
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1 << 20 });
      await q.send([msg('a'), msg('b'), msg('c')]);
      const got = await q.receive(10, 0);
      await q.ack([got[1]!]);
      // The process stops holding a and c (a clean stop gives them back; a killed one just ends).
      const q2 = await DiskQueue.open(dir, { maxMessageBytes: 1 << 20 });
      const again = await q2.receive(10, 0);
      assert.deepEqual(text(again), ['a', 'c']);
      assert.deepEqual(
        again.map((m) => m.receiveCount),
        [2, 2],
      );
      assert.equal(ls(dir, 'ready').length, 1);
      await q2.ack(again);
      assert.deepEqual(ls(dir, 'ready'), []);
      const q3 = await DiskQueue.open(dir, { maxMessageBytes: 1 << 20 });
      assert.deepEqual(await q3.receive(10, 0), []);
      assert.equal(readFileSync(path.join(dir, 'receives.log'), 'utf8'), '', 'the log compacted at open: nothing queued, nothing kept');
    });
  });

  it('a message of a commit file received more than maxReceiveCount times goes to dead/ as a message file of its own', async () => {
    await withDirs(async (dir) => {
      const logger = new MemoryLogger();
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1 << 20, maxReceiveCount: 1, logger });
      await q.send([msg('poison', 'g'), msg('fine')]);
      const got = await q.receive(10, 0);
      await q.ack([got[1]!]);
      await q.release([got[0]!], 0);
      assert.deepEqual(await q.receive(10, 0), [], 'the second receive dead-letters it');
      const [dead] = ls(dir, 'dead');
      assert.equal(dead, got[0]!.receiptHandle);
      const stored = decodeMessage(readFileSync(path.join(dir, 'dead', dead!)));
      assert.deepEqual([Buffer.from(stored.body).toString(), stored.attributes, stored.groupId], ['poison', { b: 'poison' }, 'g']);
      assert.deepEqual(ls(dir, 'ready'), [], 'the commit file is gone: one message acknowledged, one dead');
      assert.equal(q.depth, 0);
      assert.ok(logger.lines.some((l) => l.msg.includes('dead-letter')));
    });
  });

  it('message groups keep their order across commit files, a release and a restart', async () => {
    await withDirs(async (dir) => {
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1 << 20 });
      await Promise.all([q.send([msg('a1', 'A'), msg('b1', 'B')]), q.send([msg('a2', 'A')])]);
      await q.send([msg('b2', 'B'), msg('a3', 'A')]);
      const [a1, b1] = await q.receive(2, 0);
      assert.deepEqual(text([a1!, b1!]), ['a1', 'b1']);
      await q.release([a1!], 60_000);
      await q.ack([b1!]);
      assert.deepEqual(text(await q.receive(10, 0)), ['b2'], 'A waits behind a1, invisible');
      const q2 = await DiskQueue.open(dir, { maxMessageBytes: 1 << 20 });
      const got = await q2.receive(10, 0);
      assert.deepEqual(
        got.map((m) => [Buffer.from(m.body).toString(), m.groupId, m.receiveCount]),
        [
          ['a1', 'A', 2],
          ['a2', 'A', 1],
          ['b2', 'B', 2],
          ['a3', 'A', 1],
        ],
      );
    });
  });
});

describe('disk queue: commit files on disk', () => {
  it('keeps bodies, attributes and groups byte for byte: bytes, text with newlines and non-ASCII, a lone surrogate, empty ones', async () => {
    await withDirs(async (dir) => {
      const bodies: (string | Uint8Array)[] = [Uint8Array.from([0x0a, 0x7b, 0x00, 0xff]), 'line 1\nline 2\n', 'ünïcödé 📈 \u0000', 'lone \ud800 surrogate', '', new Uint8Array(0)];
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1024 });
      await q.send(bodies.map((body, i) => ({ body, attributes: { 'k\nx': `v ${i}\n"}` }, groupId: `g\n${i}` })));
      assert.equal(ls(dir, 'ready').length, 1);
      const got = await (await DiskQueue.open(dir, { maxMessageBytes: 1024 })).receive(10, 0);
      assert.deepEqual(
        got.map((m) => [m.body, m.attributes, m.groupId]),
        bodies.map((body, i) => [typeof body === 'string' ? body : Buffer.from(body), { 'k\nx': `v ${i}\n"}` }, `g\n${i}`]),
      );
    });
  });

  it('a damaged commit file is reported (at open, or when read) and stays in ready/; the other messages are delivered', async () => {
    await withDirs(async (dir) => {
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1024 });
      await q.send([msg('x1'), msg('x2')]);
      await q.send([msg('y1'), msg('y2')]);
      await q.send([msg('z1'), msg('z2')]);
      const [x, y] = ls(dir, 'ready');
      writeFileSync(path.join(dir, 'ready', x!), 'MGQ4 {"messages": [');
      // y's header is whole but its bodies are one byte short: read, it is refused whole, not half-delivered.
      const file = readFileSync(path.join(dir, 'ready', y!));
      writeFileSync(path.join(dir, 'ready', y!), file.subarray(0, file.length - 1));
      const logger = new MemoryLogger();
      const q2 = await DiskQueue.open(dir, { maxMessageBytes: 1024, logger });
      assert.ok(logger.lines.some((l) => l.msg.includes('unreadable commit file') && JSON.stringify(l).includes(x!)));
      assert.deepEqual(text(await q2.receive(10, 0)), ['z1', 'z2']);
      await assert.rejects(q2.receive(10, 0), /commit file of \d+ bytes is shorter than its header says/);
      assert.deepEqual(ls(dir, 'ready').slice(0, 2), [x, y], 'left where they are');
    });
  });
});

describe('disk queue: a queue written by the release before (layout 3 message files, inflight/, receives.log)', () => {
  it('delivers every message once more, counts kept, group and order kept, payloads decoded', async () => {
    await withDirs(async (dir) => {
      // Written by main at aaa4368 (the release before s24) with its own packSeries and DiskQueue: one message
      // received once and held (inflight/, count 1 in receives.log), one of group host-1 and one without, waiting.
      cpSync(path.join(import.meta.dirname, '../../../fixtures/disk-queue/layout3'), dir, { recursive: true });
      const q = await DiskQueue.open(dir, { maxMessageBytes: 262144 });
      assert.deepEqual(ls(dir, 'inflight'), []);
      await q.send([msg('new')]);
      const got = await q.receive(10, 0);
      assert.deepEqual(
        got.map((m) => [m.receiveCount, m.groupId ?? null]),
        [
          [2, null],
          [1, 'host-1'],
          [1, null],
          [1, null],
        ],
      );
      const jobs = [];
      for (const m of got.slice(0, 3)) {
        assert.ok(m.body instanceof Uint8Array, 'layout 3: bytes');
        const { timeseries } = await (await openMessage(m.body, m.attributes, new MemoryBlobStore())).decode();
        assert.deepEqual(
          timeseries.map((s) => s.samples),
          [0, 1, 2].map((i) => [
            { value: i + 0.5, timestamp: 1_700_000_000_000 + i },
            { value: i * 10, timestamp: 1_700_000_060_000 + i },
          ]),
        );
        jobs.push(timeseries[0]!.labels.find((l) => l.name === 'job')!.value);
      }
      assert.deepEqual(jobs, ['layout3-inflight', 'layout3-group', 'layout3-ready']);
      assert.equal(Buffer.from(got[3]!.body).toString(), 'new');
      await q.ack(got);
      assert.deepEqual(ls(dir, 'ready'), []);
    });
  });
});

describe('disk queue group commit: the rename into ready/ made durable', () => {
  it('each commit fsyncs ready/ after its rename and before its sends resolve, once per commit', async () => {
    await withDirs(async (dir) => {
      const steps: string[] = [];
      const base = counting((file) => void steps.push(`fsync ${path.basename(path.dirname(file))}`));
      const io: DurableFs = {
        ...base,
        open: base.open.bind(base),
        rename: (a, b) => (steps.push(`rename ${path.basename(path.dirname(a))} -> ${path.basename(path.dirname(b))}`), base.rename(a, b)),
        syncDir: async (d) => void steps.push(`fsync dir ${path.basename(d)}`),
      };
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1 << 20, io });
      const sent = Promise.all(['a', 'b', 'c'].map((b) => q.send([msg(b)]).then(() => steps.push(`resolved ${b}`))));
      await sent;
      assert.deepEqual(steps, ['fsync tmp', 'rename tmp -> ready', 'fsync dir ready', 'resolved a', 'resolved b', 'resolved c']);
    });
  });

  it('a failed fsync of ready/ fails the commit\'s sends; their messages are queued all the same (a retried push is a duplicate: at least once)', async () => {
    await withDirs(async (dir) => {
      const io: DurableFs = { ...counting(), syncDir: async () => Promise.reject(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' })) };
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1 << 20, io });
      const results = await Promise.allSettled(['a', 'b'].map((b) => q.send([msg(b)])));
      assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
      assert.match(String((results[0] as PromiseRejectedResult).reason), /EIO/);
      assert.deepEqual(text(await q.receive(10, 0)), ['a', 'b'], 'queued in this process');
      assert.deepEqual(text(await (await DiskQueue.open(dir, { maxMessageBytes: 1 << 20 })).receive(10, 0)), ['a', 'b'], 'and after a restart');
    });
  });
});
