import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DiskQueue } from '../../../../lib/adapters/local/disk-queue.ts';
import { openMessage } from '../../../../lib/queue/unpack.ts';
import { packSeries } from '../../../../lib/queue/envelope.ts';
import { MemoryBlobStore } from '../../../helpers/fakes.ts';

/**
 * Bytes bodies (MessageBody, lib/ports) on the disk queue: stored as they are (layout 3), given back as bytes,
 * sized as SQS would size them; and a queue written by the release before (layout 2, payloads as base64 text)
 * still delivered.
 */
async function withDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-dq-bytes-'));
  try {
    await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const every = Uint8Array.from({ length: 512 }, (_, i) => (i * 7 + 13) & 0xff);
/** The byte after a header line is the body's first byte: one that starts with a newline and a `{` must survive. */
const tricky = Uint8Array.from([0x0a, 0x7b, 0x22, 0x00, 0xff, 0xfe, 0x0a]);

describe('disk queue: bytes bodies', () => {
  it('gives back bytes byte for byte (with groups, odd attributes, an empty body), across a restart; text stays text', async () => {
    await withDir(async (dir) => {
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1 << 20 });
      await q.send([
        { body: every, attributes: { v: '2', 'k\nx': 'ü "}' } },
        { body: tricky, attributes: {}, groupId: 'g\n1' },
        { body: new Uint8Array(0), attributes: { e: '' } },
        { body: 'spool/2026/key', attributes: { claim: '1' } },
      ]);
      const first = await q.receive(10, 0);
      assert.deepEqual(
        first.map((m) => [m.body, m.attributes, m.groupId]),
        [
          [Buffer.from(every), { v: '2', 'k\nx': 'ü "}' }, undefined],
          [Buffer.from(tricky), {}, 'g\n1'],
          [Buffer.alloc(0), { e: '' }, undefined],
          ['spool/2026/key', { claim: '1' }, undefined],
        ],
      );
      for (const m of first.slice(0, 3)) assert.ok(m.body instanceof Uint8Array, 'a bytes body comes back as bytes');
      // Not acked: the files are read again by a new process.
      const again = await (await DiskQueue.open(dir, { maxMessageBytes: 1 << 20 })).receive(10, 0);
      assert.deepEqual(
        again.map((m) => m.body),
        first.map((m) => m.body),
      );
    });
  });

  it('writes a bytes body raw after an MGQ3 header line (no base64), a text body as layout 2', async () => {
    await withDir(async (dir) => {
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1 << 20 });
      await q.send([{ body: every, attributes: { a: '1' } }]);
      await q.send([{ body: 'text', attributes: {} }]);
      const [bytesFile, textFile] = readdirSync(path.join(dir, 'ready'))
        .sort()
        .map((f) => readFileSync(path.join(dir, 'ready', f)));
      const head = Buffer.from('MGQ3 {"attributes":{"a":"1"}}\n');
      assert.deepEqual(bytesFile, Buffer.concat([head, every]));
      assert.equal(textFile!.toString(), 'MGQ2 {"attributes":{}}\ntext');
    });
  });

  it('counts a bytes body as its base64 length (what SQS carries): accepted at the limit, refused one past it', async () => {
    await withDir(async (dir) => {
      // 6 bytes are 8 base64 characters; attribute "a" with an empty value adds 1: 9.
      const q = await DiskQueue.open(dir, { maxMessageBytes: 9 });
      await q.send([{ body: new Uint8Array(6), attributes: { a: '' } }]);
      // 7 bytes are 12 base64 characters (padded): 13 > 9, although 7 raw bytes + 1 would fit.
      await assert.rejects(q.send([{ body: new Uint8Array(7), attributes: { a: '' } }]), /message of 13 bytes exceeds the queue's 9/);
      const q12 = await DiskQueue.open(path.join(dir, 'q12'), { maxMessageBytes: 12 });
      await assert.rejects(q12.send([{ body: new Uint8Array(7), attributes: { a: '' } }]), /message of 13 bytes exceeds the queue's 12/, 'one past the limit');
      const q13 = await DiskQueue.open(path.join(dir, 'q13'), { maxMessageBytes: 13 });
      await q13.send([{ body: new Uint8Array(7), attributes: { a: '' } }]);
      assert.equal((await q13.receive(1, 0))[0]!.body.length, 7);
    });
  });

  it('packSeries output at the queue limit goes through the disk queue and decodes back', async () => {
    await withDir(async (dir) => {
      const maxMessageBytes = 4096;
      const series = Array.from({ length: 400 }, (_, i) => ({ labels: [{ name: '__name__', value: `m_${i}` }, { name: 'r', value: `${(i * 7919) % 10007}` }], samples: [{ value: i * 1.5, timestamp: 1_700_000_000_000 + i * 13 }] }));
      const packed = packSeries(series, { maxMessageBytes, maxSamples: 1e9, tenant: 't', source: 'push', newSpoolKey: () => 'spool/none' });
      assert.ok(packed.messages.length > 1 && packed.spills.length === 0);
      const q = await DiskQueue.open(dir, { maxMessageBytes });
      await q.send(packed.messages);
      const got = await q.receive(100, 0);
      const blobs = new MemoryBlobStore();
      const back = [];
      for (const m of got) back.push(...(await (await openMessage(m.body, m.attributes, blobs)).decode()).timeseries);
      assert.deepEqual(
        back.map((s) => [s.labels, s.samples]),
        series.map((s) => [s.labels, s.samples]),
      );
    });
  });
});

describe('disk queue: a queue written by the release before (layout 2, base64 text bodies)', () => {
  it('receives the old message as text and delivery reads its payload', async () => {
    await withDir(async (dir) => {
      // Written by the previous release's own packSeries and DiskQueue (test/fixtures/disk-queue/layout2).
      cpSync(path.join(import.meta.dirname, '../../../fixtures/disk-queue/layout2'), dir, { recursive: true });
      const q = await DiskQueue.open(dir, { maxMessageBytes: 262144 });
      const [m, ...rest] = await q.receive(10, 0);
      assert.equal(rest.length, 0);
      assert.equal(typeof m!.body, 'string', 'layout 2 bodies are text');
      const payload = await openMessage(m!.body, m!.attributes, new MemoryBlobStore());
      assert.equal(payload.samples, 6);
      const { timeseries } = await payload.decode();
      assert.deepEqual(
        timeseries.map((s) => [s.labels.map((l) => `${l.name}=${l.value}`).join(','), s.samples]),
        [0, 1, 2].map((i) => [`__name__=upgrade_fixture,job=layout2,n=${i}`, [{ value: i + 0.5, timestamp: 1_700_000_000_000 + i }, { value: i * 10, timestamp: 1_700_000_060_000 + i }]]),
      );
    });
  });
});

describe('disk queue: the sent cache (sentCacheBytes, the local runner)', () => {
  it('the first receive takes a sent body from memory up to the limit; one byte past it, and after a release, reads the file', async () => {
    await withDir(async (dir) => {
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1 << 20, sentCacheBytes: 100 });
      await q.send([{ body: new Uint8Array(100).fill(1), attributes: { n: 'at' } }]);
      await q.send([{ body: new Uint8Array(101).fill(2), attributes: { n: 'past' } }]);
      // Replace both files' bodies on disk: what a receive gives back then says where it came from.
      for (const f of readdirSync(path.join(dir, 'ready'))) {
        const file = readFileSync(path.join(dir, 'ready', f));
        writeFileSync(path.join(dir, 'ready', f), Buffer.concat([file.subarray(0, file.indexOf(0x0a) + 1), Buffer.from('on disk')]));
      }
      const got = await q.receive(10, 0);
      assert.deepEqual(
        got.map((m) => [m.attributes.n, Buffer.from(m.body).toString('latin1')]),
        [
          ['at', '\x01'.repeat(100)],
          ['past', 'on disk'],
        ],
      );
      // Until s24 a received message was moved to inflight/; now every message stays in its file in ready/ until acknowledged.
      assert.deepEqual(readdirSync(path.join(dir, 'ready')).length, 2, 'a cached message is on disk like any other');
      await q.release([got[0]!], 0);
      const again = await q.receive(10, 0);
      assert.equal(Buffer.from(again[0]!.body).toString(), 'on disk', 'a message is cached for its first receive only');
      assert.equal(again[0]!.receiveCount, 2);
    });
  });

  it('is off by default: every receive reads its file', async () => {
    await withDir(async (dir) => {
      const q = await DiskQueue.open(dir, { maxMessageBytes: 1 << 20 });
      await q.send([{ body: new Uint8Array(10), attributes: {} }]);
      const [f] = readdirSync(path.join(dir, 'ready'));
      const file = readFileSync(path.join(dir, 'ready', f!));
      writeFileSync(path.join(dir, 'ready', f!), Buffer.concat([file.subarray(0, file.indexOf(0x0a) + 1), Buffer.from('x')]));
      assert.equal(Buffer.from((await q.receive(1, 0))[0]!.body).toString(), 'x');
    });
  });
});
