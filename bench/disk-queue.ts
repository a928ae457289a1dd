/**
 * The local runner's disk queue alone: send, receive, ack of N messages of ~100 KB base64 bodies (the size
 * the ingest path queues), CPU of the main thread (from /proc, the thread that runs the queue's JS) and of
 * the whole process (adds libuv's threads: the syscalls and fsyncs), per message.
 *   node bench/disk-queue.ts [messages=2000] [perSend=4] [bodyBytes=100000] [text|bytes] [sentCacheBytes=0] [senders=2]
 * text (the default): base64 string bodies, as the release before queued every payload, decoded back by the
 * consumer as delivery did; bytes: the same payloads as Uint8Array (what the gateway queues since s23, layout
 * 3), bodyBytes being their base64 size either way. sentCacheBytes: the local runner's LOCAL_SENT_CACHE_BYTES.
 * senders: concurrent producers (the remote_write bench keeps 4 requests in flight). Also prints the fsyncs and
 * files per message (group commit, since s24), counted through the DurableFs seam around the real calls.
 * Compare before/after in the same session (CPU time; the machine is shared).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DiskQueue, type DurableFs } from '../lib/adapters/local/disk-queue.ts';
import { nodeDurableFs } from '../lib/adapters/local/disk-queue-io.ts';

const N = Number(process.argv[2] ?? 2000);
const PER_SEND = Number(process.argv[3] ?? 4);
const BODY = Number(process.argv[4] ?? 100_000);
const BODIES = process.argv[5] ?? 'text';
const SENT_CACHE = Number(process.argv[6] ?? 0);
const SENDERS = Number(process.argv[7] ?? 2);
const TICK = 100; // USER_HZ

function mainThreadCpuS(): number {
  const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK;
}
function processCpuS(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

const payloads = Array.from({ length: 16 }, () => randomBytes((BODY * 3) >> 2));
const bodies = payloads.map((p) => (BODIES === 'bytes' ? p : p.toString('base64')));
const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-dq-bench-'));
try {
  let syncs = 0;
  let renames = 0;
  const io: DurableFs = {
    open: async (p, flags) => {
      const h = await nodeDurableFs.open(p, flags);
      return { ...h, sync: () => (syncs++, h.sync()) };
    },
    rename: (a, b) => (renames++, nodeDurableFs.rename(a, b)),
    rm: nodeDurableFs.rm,
  };
  const q = await DiskQueue.open(dir, { maxMessageBytes: 1 << 20, io, ...(SENT_CACHE ? { sentCacheBytes: SENT_CACHE } : {}) });
  const t0 = [mainThreadCpuS(), processCpuS()] as const;
  let sent = 0;
  let got = 0;
  const consumer = (async () => {
    while (got < N) {
      const ms = await q.receive(10, 100);
      got += ms.length;
      for (const m of ms) if (typeof m.body === 'string') Buffer.from(m.body, 'base64');
      if (ms.length) await q.ack(ms);
    }
  })();
  const producers = Array.from({ length: SENDERS }, async () => {
    while (sent < N) {
      const batch = Array.from({ length: Math.min(PER_SEND, N - sent) }, (_, i) => ({ body: bodies[(sent + i) % bodies.length]!, attributes: { encoding: 'snappy', samples: '10000' } }));
      sent += batch.length;
      await q.send(batch);
    }
  });
  await Promise.all([...producers, consumer]);
  const t1 = [mainThreadCpuS(), processCpuS()] as const;
  process.stdout.write(`disk queue, ${N} ${BODIES} messages of ${BODY} B, ${PER_SEND} per send, ${SENDERS} senders, sent cache ${SENT_CACHE} B: main thread ${((t1[0] - t0[0]) / N * 1e6).toFixed(0)} µs/message, process ${((t1[1] - t0[1]) / N * 1e6).toFixed(0)} µs/message; fsyncs ${(syncs / N).toFixed(2)}, renames ${(renames / N).toFixed(2)} per message\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
