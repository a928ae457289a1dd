import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger, MessageQueue, OutgoingMessage, QueueConsumer, ReceivedMessage } from '../../ports/index.ts';
import { decodeMessage, encodeMessage, parseReceiveLog, receiveLogLine, type StoredMessage } from './disk-queue-format.ts';
import { SentCache } from './sent-cache.ts';
import { nodeDurableFs, readWholeFile, renameFile, unlinkIfThere, writeDurably, writeSynced, type DurableFs } from './disk-queue-io.ts';

export { writeDurably, type DurableFs } from './disk-queue-io.ts';

interface ReadyEntry {
  name: string;
  visibleAt: number;
  group: string | undefined;
}

type LogHandle = Awaited<ReturnType<DurableFs['open']>>;

/** receives/ holds the counts of the older layout (a file per message): read and emptied at open. */
const DIRS = ['ready', 'inflight', 'dead', 'tmp', 'receives'];
const RECEIVE_LOG = 'receives.log';
/** The receive log is rewritten with only the live counts when it holds more than this many entries and 4x the live ones. */
const COMPACT_AFTER = 4096;

export interface DiskQueueOptions {
  maxMessageBytes: number;
  maxReceiveCount?: number;
  logger?: Logger;
  /** Replaces the file operations of writes (tests: a disk that fills up, a crash between two steps). */
  io?: DurableFs;
  /** Entries receives.log may hold before it is compacted (at least 4x the live ones); default 4096. Tests lower it. */
  compactLogAfter?: number;
  /**
   * Bytes of bodies sent by this process kept in memory until first received, so that the receive does not
   * read back the file the send just wrote; default 0 (every receive reads its file). The local runner sets
   * LOCAL_SENT_CACHE_BYTES.
   */
  sentCacheBytes?: number;
}

/**
 * What the local runner's push queue keeps of sent bodies for their first receive (DiskQueueOptions.sentCacheBytes):
 * twenty remote_write messages of a typical 50 KB, while a large Influx message (up to ~750 KB) mostly reads its
 * file; small, since what it holds outlives the send and adds to the peak RSS while delivery lags.
 */
export const LOCAL_SENT_CACHE_BYTES = 1 << 20;

/**
 * The embedded queue of the local runner: one file per message under `<dir>/ready`, moved to
 * `<dir>/inflight` while a consumer holds it, deleted on ack. Every write is fsynced (and a message file
 * renamed into place) before the call that made it resolves, so an acknowledged send survives a crash;
 * messages in flight at a crash are delivered again on the next start (at-least-once, like SQS). Messages
 * received maxReceiveCount times without an ack move to `<dir>/dead` (the local dead-letter queue). One
 * process owns a directory at a time.
 *
 * On disk (formats in disk-queue-format.ts; docs/disk-queue.md):
 * - A message file is written once, by send: a one-line JSON header (attributes, group) and the body's bytes
 *   (layout 3 for a bytes body, 2 for text). A message's size is counted as SQS counts it (a bytes body as
 *   its base64) plus its attribute names and values, against maxMessageBytes. The messages of one send() are written and fsynced together, then renamed into ready/ in
 *   order; if any write fails, none is renamed and the partial files are removed (a full disk leaves nothing
 *   half-written), and send throws.
 * - A receive appends the new receive counts of its whole batch as one line to `<dir>/receives.log` and
 *   fsyncs it once, before any message of the batch is handed out and renamed into inflight/; so a message
 *   that crashes the process every time it is delivered still reaches dead/ after maxReceiveCount starts.
 *   Ack unlinks the message file; its count stays in the log until the log is compacted (at open, and when
 *   it has grown to four times the live counts), which keeps only counts of queued messages.
 * - With sentCacheBytes, a message's first receive takes it from memory (sent-cache.ts), not its file.
 * - Upgrade: layout 2 files of the release before hold payloads as base64 text and come back as text;
 *   message files of layout 1 (the JSON of body, attributes and count, until 2026-12) are read as
 *   before, their stored count being the floor of the count; count files of the older layout
 *   (`<dir>/receives/<name>`, until 2026-12-03) are merged into the log at open and removed.
 *
 * Message groups (OutgoingMessage.groupId, the ordered mode) behave as in an SQS FIFO queue: a message is
 * handed out only when no earlier message of its group is in flight or waiting to become visible again,
 * so a released message comes back before the later messages of its group. The group is kept in the file
 * name (`.g<base64url>`), so the order survives a restart. Messages without a group are not held back.
 */
export class DiskQueue implements MessageQueue, QueueConsumer {
  readonly maxMessageBytes: number;
  private readonly dir: string;
  private readonly maxReceiveCount: number;
  private readonly logger: Logger | undefined;
  private readonly io: DurableFs;
  /** Names in ready/, oldest first, with the time before which each stays invisible. */
  private ready: ReadyEntry[] = [];
  /** Receive counts of messages received at least once (the live part of receives.log). */
  private receives = new Map<string, number>();
  /** Groups with messages held by a consumer, and how many. */
  private inFlightGroups = new Map<string, number>();
  private seq = 0;
  /** Distinguishes this open's names from another's made in the same millisecond with the same sequence. */
  private readonly token = randomBytes(4).toString('hex');
  private waiters: (() => void)[] = [];
  /** Appends to receives.log, one at a time. */
  private logChain: Promise<void> = Promise.resolve();
  private log: LogHandle | undefined;
  /** Entries in receives.log (live or not); and whether an append failed part-way (then it is rewritten). */
  private logEntries = 0;
  private logBroken = false;
  private held = 0;
  private readonly compactAfter: number;
  /** Sent messages kept for their first receive (sent-cache.ts). */
  private readonly sent: SentCache;

  private constructor(dir: string, opts: DiskQueueOptions) {
    this.dir = dir;
    this.io = opts.io ?? nodeDurableFs;
    this.maxMessageBytes = opts.maxMessageBytes;
    this.maxReceiveCount = opts.maxReceiveCount ?? 10;
    this.logger = opts.logger;
    this.compactAfter = opts.compactLogAfter ?? COMPACT_AFTER;
    this.sent = new SentCache(opts.sentCacheBytes ?? 0);
  }

  static async open(dir: string, opts: DiskQueueOptions): Promise<DiskQueue> {
    const q = new DiskQueue(dir, opts);
    for (const sub of DIRS) await fs.mkdir(path.join(dir, sub), { recursive: true });
    // Whatever was in flight when the last process stopped is delivered again.
    for (const name of await fs.readdir(path.join(dir, 'inflight'))) {
      await fs.rename(path.join(dir, 'inflight', name), path.join(dir, 'ready', name));
    }
    for (const name of await fs.readdir(path.join(dir, 'tmp'))) await fs.rm(path.join(dir, 'tmp', name), { force: true });
    q.ready = (await fs.readdir(path.join(dir, 'ready'))).sort().map((name) => ({ name, visibleAt: 0, group: groupOfName(name) }));
    await q.loadReceiveCounts();
    return q;
  }

  /** Counts from receives.log and the older layout's receives/ files; the log rewritten with the live ones. */
  private async loadReceiveCounts(): Promise<void> {
    const logFile = path.join(this.dir, RECEIVE_LOG);
    const all = parseReceiveLog(await fs.readFile(logFile, 'utf8').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? '' : Promise.reject(err))));
    const oldFiles = await fs.readdir(path.join(this.dir, 'receives'));
    for (const name of oldFiles) {
      const count = Number(await fs.readFile(path.join(this.dir, 'receives', name), 'utf8'));
      if (Number.isSafeInteger(count) && count > (all.get(name) ?? -1)) all.set(name, count);
    }
    // A count whose message is gone (acked or dead-lettered) is left over: dropped.
    for (const e of this.ready) {
      const count = all.get(e.name);
      if (count !== undefined) this.receives.set(e.name, count);
    }
    if (all.size || oldFiles.length) await this.rewriteLog([]);
    for (const name of oldFiles) await fs.rm(path.join(this.dir, 'receives', name), { force: true });
  }

  /** Messages not yet acknowledged: waiting (visible or not), being received, or held by a consumer. */
  get depth(): number {
    return this.ready.length + this.held;
  }

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    const batch: { entry: ReadyEntry; data: ReturnType<typeof encodeMessage>; message: OutgoingMessage }[] = [];
    for (const m of messages) {
      // The body counted as SQS would carry it (a bytes body as its base64), so one limit means the same on both queues.
      let size = typeof m.body === 'string' ? Buffer.byteLength(m.body) : 4 * Math.ceil(m.body.byteLength / 3);
      for (const k in m.attributes) size += k.length + m.attributes[k]!.length;
      if (size > this.maxMessageBytes) throw new Error(`message of ${size} bytes exceeds the queue's ${this.maxMessageBytes}`);
      const suffix = m.groupId !== undefined ? `.g${Buffer.from(m.groupId).toString('base64url')}` : '';
      const name = `${Date.now().toString().padStart(15, '0')}-${(this.seq++).toString().padStart(9, '0')}-${this.token}${suffix}`;
      batch.push({ entry: { name, visibleAt: 0, group: m.groupId }, data: encodeMessage(m.body, m.attributes, m.groupId), message: m });
    }
    // Every file written and fsynced before any is renamed: a failed send leaves none of its messages behind.
    const tmps = batch.map((b) => path.join(this.dir, 'tmp', b.entry.name));
    const written = await Promise.allSettled(batch.map((b, i) => writeSynced(tmps[i]!, b.data, this.io)));
    const failed = written.find((r) => r.status === 'rejected');
    if (failed) {
      await Promise.all(tmps.map((t, i) => (written[i]!.status === 'fulfilled' ? this.io.rm(t, { force: true }).catch(() => undefined) : undefined)));
      throw failed.reason;
    }
    const moved = await Promise.allSettled(batch.map((b, i) => this.io.rename(tmps[i]!, path.join(this.dir, 'ready', b.entry.name))));
    let error: unknown;
    for (let i = 0; i < batch.length; i++) {
      const r = moved[i]!;
      if (r.status === 'fulfilled') {
        this.sent.remember(batch[i]!.entry.name, batch[i]!.message);
        this.enqueue(batch[i]!.entry);
      } else {
        error ??= r.reason;
        await this.io.rm(tmps[i]!, { force: true }).catch(() => undefined);
      }
    }
    this.wake();
    if (error !== undefined) throw error;
  }

  /** Into ready in name order (concurrent sends can finish out of order). */
  private enqueue(e: ReadyEntry): void {
    const r = this.ready;
    if (!r.length || r[r.length - 1]!.name < e.name) {
      r.push(e);
      return;
    }
    let lo = 0;
    let hi = r.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (r[mid]!.name < e.name) lo = mid + 1;
      else hi = mid;
    }
    r.splice(lo, 0, e);
  }

  async receive(max: number, waitMs: number): Promise<ReceivedMessage[]> {
    const until = Date.now() + waitMs;
    for (;;) {
      const now = Date.now();
      const picked: ReadyEntry[] = [];
      const rest: ReadyEntry[] = [];
      // A group is blocked behind a message of it in flight, or one waiting (invisible) ahead in the queue.
      const blocked = new Set(this.inFlightGroups.keys());
      for (const e of this.ready) {
        if (picked.length < max && e.visibleAt <= now && (e.group === undefined || !blocked.has(e.group))) picked.push(e);
        else {
          rest.push(e);
          if (e.group !== undefined) blocked.add(e.group);
        }
      }
      if (picked.length) {
        this.ready = rest;
        this.held += picked.length;
        for (const e of picked) if (e.group !== undefined) this.inFlightGroups.set(e.group, (this.inFlightGroups.get(e.group) ?? 0) + 1);
        const out = await this.take(picked);
        if (out.length) return out;
        continue;
      }
      const left = until - now;
      if (left <= 0) return [];
      // Woken by send() and release(); otherwise at the next visibility change or the deadline.
      const nextVisible = Math.min(...this.ready.map((e) => e.visibleAt).filter((t) => t > now), until);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, Math.min(left, nextVisible - now)));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /**
   * Reads the picked messages, dead-letters those past maxReceiveCount, records the others' counts in one
   * fsynced append, then moves them to inflight/. What cannot be taken (a failing disk) stays ready, in memory
   * as on disk; the error is thrown when nothing could be taken.
   */
  private async take(picked: readonly ReadyEntry[]): Promise<ReceivedMessage[]> {
    const cached = picked.map((e) => this.sent.take(e.name));
    const read = await Promise.allSettled(picked.map((e, i) => (cached[i] !== undefined ? undefined : readWholeFile(path.join(this.dir, 'ready', e.name)))));
    let n = read.findIndex((r) => r.status === 'rejected');
    if (n < 0) n = picked.length;
    else this.putBack(picked.slice(n));
    const taken: { entry: ReadyEntry; stored: StoredMessage; count: number }[] = [];
    let error: unknown = n < picked.length ? (read[n] as PromiseRejectedResult).reason : undefined;
    for (let i = 0; i < n; i++) {
      const entry = picked[i]!;
      let stored: StoredMessage;
      try {
        stored = cached[i] ?? decodeMessage((read[i] as PromiseFulfilledResult<Buffer>).value);
      } catch (err) {
        // An unreadable file stays where it is; it is reported, and the rest of the batch goes on.
        this.putBack([entry]);
        error ??= err;
        continue;
      }
      const count = Math.max(this.receives.get(entry.name) ?? 0, stored.receiveCount) + 1;
      if (count <= this.maxReceiveCount) taken.push({ entry, stored, count });
      else await this.deadLetter(entry, stored.groupId, count - 1).catch((err: unknown) => (error ??= err));
    }
    if (taken.length) {
      try {
        // The counts first: if the disk is full, the messages stay ready and nothing is half-moved.
        await this.recordReceives(taken.map((t) => [t.entry.name, t.count] as const));
      } catch (err) {
        this.putBack(taken.map((t) => t.entry));
        throw err;
      }
    }
    for (const t of taken) this.receives.set(t.entry.name, t.count);
    const moved = await Promise.allSettled(taken.map((t) => renameFile(path.join(this.dir, 'ready', t.entry.name), path.join(this.dir, 'inflight', t.entry.name))));
    const out: ReceivedMessage[] = [];
    for (let i = 0; i < taken.length; i++) {
      const { entry, stored, count } = taken[i]!;
      const r = moved[i]!;
      if (r.status === 'rejected') {
        this.putBack([entry]);
        error ??= r.reason;
        continue;
      }
      out.push({ messageId: entry.name, receiptHandle: entry.name, body: stored.body, attributes: stored.attributes, receiveCount: count, ...(stored.groupId !== undefined ? { groupId: stored.groupId } : {}) });
    }
    if (!out.length && error !== undefined) throw error;
    return out;
  }

  private async deadLetter(entry: ReadyEntry, groupId: string | undefined, receives: number): Promise<void> {
    try {
      await renameFile(path.join(this.dir, 'ready', entry.name), path.join(this.dir, 'dead', entry.name));
    } catch (err) {
      this.putBack([entry]);
      throw err;
    }
    this.receives.delete(entry.name);
    this.held--;
    this.leaveGroup(groupId);
    this.logger?.error('message moved to the local dead-letter queue after too many receives', { name: entry.name, receives, ...(groupId !== undefined ? { group: groupId } : {}) });
  }

  /** Appends one line of counts to receives.log and fsyncs it; appends run one at a time. */
  private recordReceives(counts: readonly (readonly [string, number])[]): Promise<void> {
    const run = this.logChain.then(() => this.appendLog(counts));
    this.logChain = run.catch(() => undefined);
    return run;
  }

  private async appendLog(counts: readonly (readonly [string, number])[]): Promise<void> {
    if (this.logBroken || this.logEntries > Math.max(this.compactAfter, 4 * this.receives.size)) {
      await this.rewriteLog(counts);
      return;
    }
    this.log ??= await this.io.open(path.join(this.dir, RECEIVE_LOG), 'a');
    try {
      await this.log.writeFile(receiveLogLine(counts));
      await this.log.sync();
    } catch (err) {
      // Part of the line may be in the file: the next record rewrites the log from memory.
      this.logBroken = true;
      throw err;
    }
    this.logEntries += counts.length;
  }

  /** Replaces receives.log (durably: tmp, fsync, rename) with the live counts plus `extra`. */
  private async rewriteLog(extra: readonly (readonly [string, number])[]): Promise<void> {
    const log = this.log;
    this.log = undefined;
    await log?.close().catch(() => undefined);
    const counts = new Map(this.receives);
    for (const [name, count] of extra) counts.set(name, count);
    await writeDurably(path.join(this.dir, 'tmp', RECEIVE_LOG), path.join(this.dir, RECEIVE_LOG), counts.size ? receiveLogLine([...counts]) : '', this.io);
    this.logBroken = false;
    this.logEntries = counts.size;
  }

  private putBack(entries: readonly ReadyEntry[]): void {
    for (const e of entries) {
      this.held--;
      this.leaveGroup(e.group);
    }
    this.ready = [...entries, ...this.ready].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  private leaveGroup(group: string | undefined): void {
    if (group === undefined) return;
    const n = (this.inFlightGroups.get(group) ?? 1) - 1;
    if (n > 0) this.inFlightGroups.set(group, n);
    else this.inFlightGroups.delete(group);
  }

  async ack(messages: readonly ReceivedMessage[]): Promise<void> {
    const done = await Promise.allSettled(messages.map((m) => unlinkIfThere(path.join(this.dir, 'inflight', m.receiptHandle))));
    let error: unknown;
    for (let i = 0; i < messages.length; i++) {
      const r = done[i]!;
      if (r.status === 'rejected') {
        error ??= r.reason;
        continue;
      }
      const name = messages[i]!.receiptHandle;
      this.receives.delete(name);
      this.held--;
      this.leaveGroup(groupOfName(name));
    }
    this.wake();
    if (error !== undefined) throw error;
  }

  async release(messages: readonly ReceivedMessage[], delayMs: number): Promise<void> {
    const visibleAt = Date.now() + delayMs;
    const done = await Promise.allSettled(messages.map((m) => renameFile(path.join(this.dir, 'inflight', m.receiptHandle), path.join(this.dir, 'ready', m.receiptHandle))));
    let error: unknown;
    for (let i = 0; i < messages.length; i++) {
      const r = done[i]!;
      if (r.status === 'rejected') {
        error ??= r.reason;
        continue;
      }
      const name = messages[i]!.receiptHandle;
      this.held--;
      const group = groupOfName(name);
      this.leaveGroup(group);
      this.ready.push({ name, visibleAt, group });
    }
    this.ready.sort((a, b) => (a.name < b.name ? -1 : 1));
    this.wake();
    if (error !== undefined) throw error;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const wake of w) wake();
  }
}

/** The group a message file belongs to, from its name's `.g<base64url>` suffix. */
function groupOfName(name: string): string | undefined {
  const i = name.indexOf('.g');
  return i < 0 ? undefined : Buffer.from(name.slice(i + 2), 'base64url').toString();
}
