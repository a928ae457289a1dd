import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger, MessageQueue, OutgoingMessage, QueueConsumer, ReceivedMessage } from '../../ports/index.ts';
import { encodeMessage, type StoredMessage } from './disk-queue-format.ts';
import { DEFAULT_COMMIT_BYTES, DEFAULT_COMMIT_MESSAGES, GroupCommit, type Commit } from './disk-queue-commit.ts';
import { ReceiveLog } from './disk-queue-log.ts';
import { COMMIT_SUFFIX, order, readMessages, scanQueue, type Entry, type QueueFile } from './disk-queue-files.ts';
import { SentCache } from './sent-cache.ts';
import { nodeDurableFs, renameFile, unlinkIfThere, writeDurably, type DurableFs } from './disk-queue-io.ts';

export { writeDurably, type DurableFs } from './disk-queue-io.ts';

/** The receive log is rewritten with only the live entries when it holds more than this many and 4x the live ones. */
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
  /** Messages one commit file may hold (sends joining a group commit); default 64. A larger send is one file alone. */
  maxCommitMessages?: number;
  /** Body bytes one commit file may hold; default 4 MiB. A larger send is one file alone. */
  maxCommitBytes?: number;
}

/**
 * What the local runner's push queue keeps of sent bodies for their first receive (DiskQueueOptions.sentCacheBytes):
 * twenty remote_write messages of a typical 50 KB, while a large Influx message (up to ~750 KB) mostly reads its
 * file; small, since what it holds outlives the send and adds to the peak RSS while delivery lags.
 */
export const LOCAL_SENT_CACHE_BYTES = 1 << 20;

/**
 * The embedded queue of the local runner; docs/disk-queue.md has the layout and the reasons. One process owns a
 * directory at a time.
 *
 * Send: group commit (disk-queue-commit.ts). The sends waiting when a commit starts (those of one turn of the
 * event loop, and all that arrived while the commit before was written and fsynced) go into ONE file in tmp/,
 * fsynced once and renamed into ready/: a send resolves only after its bytes are fsynced; a failed step fails
 * every send of the group and removes the partial file. One message is written as a message file (layouts
 * 1-3, as the release before), several as a layout 4 commit file. A message's size is counted as SQS counts it
 * (a bytes body as its base64) plus its attribute names and values, against maxMessageBytes.
 *
 * Receive: in file order, then in order within a file. A batch's receive counts are appended to receives.log
 * (disk-queue-log.ts; written, not fsynced: the page cache keeps it through a crash of the process) before it
 * is handed out, so a message that crashes the process every time reaches dead/ after maxReceiveCount starts.
 * A held message stays in its file in ready/: in flight is memory only, release too, and everything not
 * acknowledged is delivered again at the next open (at-least-once, like SQS). With sentCacheBytes a first
 * receive takes the body from memory (sent-cache.ts).
 *
 * Ack: a file whose messages are all acknowledged or dead-lettered is unlinked; a commit file's message whose
 * file still holds others is logged as done (not fsynced: a lost ack after a machine crash is a redelivery; a
 * clean stop or a killed process loses none). Past maxReceiveCount a message moves to dead/ (a message file
 * renamed, a commit file's message written out as a message file of its own).
 *
 * Message groups (OutgoingMessage.groupId, the ordered mode) behave as in an SQS FIFO queue: a message is
 * handed out only when no earlier message of its group is in flight or waiting to become visible again. The
 * group is in a message file's name (`.g<base64url>`) and in a commit file's header, so the order survives a
 * restart. What older releases left (inflight/, receives/, layouts 1-3) is read at open (disk-queue-scan.ts).
 */
export class DiskQueue implements MessageQueue, QueueConsumer {
  readonly maxMessageBytes: number;
  private readonly dir: string;
  private readonly maxReceiveCount: number;
  private readonly logger: Logger | undefined;
  private readonly io: DurableFs;
  /** Messages waiting, in order, with the time before which each stays invisible. */
  private ready: Entry[] = [];
  /** Messages held by a consumer, by receipt handle. */
  private readonly inFlight = new Map<string, Entry>();
  /** Receive counts of queued messages received at least once (the live counts of receives.log). */
  private readonly receives = new Map<string, number>();
  /** Messages of commit files still on disk that are done (the live done ids of receives.log). */
  private readonly done = new Set<string>();
  /** Groups with messages held by a consumer, and how many. */
  private readonly inFlightGroups = new Map<string, number>();
  private seq = 0;
  /** Distinguishes this open's names from another's made in the same millisecond with the same sequence. */
  private readonly token = randomBytes(4).toString('hex');
  private waiters: (() => void)[] = [];
  /** Messages taken from ready and not yet in flight (being read), or in flight. */
  private held = 0;
  private readonly log: ReceiveLog;
  private readonly commits: GroupCommit;
  /** Sent messages kept for their first receive (sent-cache.ts). */
  private readonly sent: SentCache;

  private constructor(dir: string, opts: DiskQueueOptions) {
    this.dir = dir;
    this.io = opts.io ?? nodeDurableFs;
    this.maxMessageBytes = opts.maxMessageBytes;
    this.maxReceiveCount = opts.maxReceiveCount ?? 10;
    this.logger = opts.logger;
    this.sent = new SentCache(opts.sentCacheBytes ?? 0);
    this.log = new ReceiveLog(dir, this.io, opts.compactLogAfter ?? COMPACT_AFTER, () => ({ counts: this.receives, done: this.done }));
    this.commits = new GroupCommit({
      dir,
      io: this.io,
      maxMessages: opts.maxCommitMessages ?? DEFAULT_COMMIT_MESSAGES,
      maxBytes: opts.maxCommitBytes ?? DEFAULT_COMMIT_BYTES,
      newName: (multi, group) => `${Date.now().toString().padStart(15, '0')}-${(this.seq++).toString().padStart(9, '0')}-${this.token}${multi ? COMMIT_SUFFIX : group !== undefined ? `.g${Buffer.from(group).toString('base64url')}` : ''}`,
      committed: (c) => this.committed(c),
    });
  }

  static async open(dir: string, opts: DiskQueueOptions): Promise<DiskQueue> {
    const q = new DiskQueue(dir, opts);
    const found = await scanQueue(dir, opts.logger);
    q.ready = found.entries;
    for (const [id, count] of found.counts) q.receives.set(id, count);
    for (const id of found.done) q.done.add(id);
    if (found.logged) await q.log.rewrite();
    for (const name of found.oldCountFiles) await fs.rm(path.join(dir, 'receives', name), { force: true });
    return q;
  }

  /** Messages not yet acknowledged: waiting (visible or not), being received, or held by a consumer. */
  get depth(): number {
    return this.ready.length + this.held;
  }

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    let bytes = 0;
    for (const m of messages) {
      const body = typeof m.body === 'string' ? Buffer.byteLength(m.body) : m.body.byteLength;
      // The body counted as SQS would carry it (a bytes body as its base64), so one limit means the same on both queues.
      let size = typeof m.body === 'string' ? body : 4 * Math.ceil(body / 3);
      for (const k in m.attributes) size += k.length + m.attributes[k]!.length;
      if (size > this.maxMessageBytes) throw new Error(`message of ${size} bytes exceeds the queue's ${this.maxMessageBytes}`);
      bytes += body;
    }
    if (messages.length) await this.commits.send(messages, bytes);
  }

  /** A commit is durable: its messages join the queue (before its sends resolve). */
  private committed(c: Commit): void {
    const file: QueueFile = { name: c.name, multi: c.multi, messages: c.messages.length, live: c.messages.length };
    for (let i = 0; i < c.messages.length; i++) {
      const m = c.messages[i]!;
      const id = c.multi ? `${c.name}#${i}` : c.name;
      this.sent.remember(id, m);
      this.enqueue({ id, file, index: i, visibleAt: 0, group: m.groupId });
    }
    this.wake();
  }

  /** Into ready in order (a commit's messages come after every earlier one's, but releases go back in between). */
  private enqueue(e: Entry): void {
    const r = this.ready;
    if (!r.length || order(r[r.length - 1]!, e) < 0) {
      r.push(e);
      return;
    }
    let lo = 0;
    let hi = r.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (order(r[mid]!, e) < 0) lo = mid + 1;
      else hi = mid;
    }
    r.splice(lo, 0, e);
  }

  async receive(max: number, waitMs: number): Promise<ReceivedMessage[]> {
    const until = Date.now() + waitMs;
    for (;;) {
      const now = Date.now();
      const picked: Entry[] = [];
      const rest: Entry[] = [];
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
      // Woken by send(), ack() and release(); otherwise at the next visibility change or the deadline.
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
   * Reads the picked messages (each file once; a first receive from the sent cache), dead-letters those past
   * maxReceiveCount, and records the others' counts in one append before handing them out. What cannot be
   * read stays ready, with the later messages of its group; the error is thrown when nothing could be taken.
   */
  private async take(picked: readonly Entry[]): Promise<ReceivedMessage[]> {
    const read = await readMessages(this.dir, picked, picked.map((e) => this.sent.take(e.id)));
    const failedGroups = new Set<string>();
    const taken: { entry: Entry; stored: StoredMessage; count: number }[] = [];
    let error: unknown;
    for (let i = 0; i < picked.length; i++) {
      const entry = picked[i]!;
      const stored = read[i]!;
      if (stored instanceof Error || (entry.group !== undefined && failedGroups.has(entry.group))) {
        // An unreadable file stays where it is, reported; the rest of the batch goes on, but not its group.
        this.putBack([entry]);
        if (entry.group !== undefined) failedGroups.add(entry.group);
        if (stored instanceof Error) error ??= stored;
        continue;
      }
      const count = Math.max(this.receives.get(entry.id) ?? 0, stored.receiveCount) + 1;
      if (count <= this.maxReceiveCount) taken.push({ entry, stored, count });
      else await this.deadLetter(entry, stored, count - 1).catch((err: unknown) => (error ??= err));
    }
    if (taken.length) {
      try {
        // The counts first: if the disk is full, the messages stay ready.
        await this.log.record(taken.map((t) => [t.entry.id, t.count] as const));
      } catch (err) {
        this.putBack(taken.map((t) => t.entry));
        throw err;
      }
    }
    const out: ReceivedMessage[] = [];
    for (const { entry, stored, count } of taken) {
      this.receives.set(entry.id, count);
      this.inFlight.set(entry.id, entry);
      out.push({ messageId: entry.id, receiptHandle: entry.id, body: stored.body, attributes: stored.attributes, receiveCount: count, ...(stored.groupId !== undefined ? { groupId: stored.groupId } : {}) });
    }
    if (!out.length && error !== undefined) throw error;
    return out;
  }

  private async deadLetter(entry: Entry, stored: StoredMessage, receives: number): Promise<void> {
    try {
      // A message file is moved as it is; a commit file's message is written out as a message file of its own.
      if (!entry.file.multi) await renameFile(path.join(this.dir, 'ready', entry.id), path.join(this.dir, 'dead', entry.id));
      else await writeDurably(path.join(this.dir, 'tmp', entry.id), path.join(this.dir, 'dead', entry.id), encodeMessage(stored.body, stored.attributes, stored.groupId), this.io);
    } catch (err) {
      this.putBack([entry]);
      throw err;
    }
    this.held--;
    this.leaveGroup(entry.group);
    this.logger?.error('message moved to the local dead-letter queue after too many receives', { name: entry.id, receives, ...(stored.groupId !== undefined ? { group: stored.groupId } : {}) });
    if (!entry.file.multi) {
      entry.file.live = 0;
      this.receives.delete(entry.id);
    } else await this.finish([entry]);
  }

  /**
   * Messages acknowledged or dead-lettered: a file none of whose messages is left is unlinked; the others'
   * ids are recorded as done. On an error they are done in memory all the same (a lost record is a
   * redelivery after the next open: at-least-once), and the error is thrown.
   */
  private async finish(entries: readonly Entry[]): Promise<void> {
    const gone: QueueFile[] = [];
    for (const e of entries) {
      this.receives.delete(e.id);
      if (--e.file.live === 0) gone.push(e.file);
      else this.done.add(e.id);
    }
    for (const f of gone) if (f.multi) for (let i = 0; i < f.messages; i++) this.done.delete(`${f.name}#${i}`);
    const doneIds = entries.filter((e) => e.file.live > 0).map((e) => e.id);
    const results = await Promise.allSettled([...(doneIds.length ? [this.log.record([], doneIds)] : []), ...gone.map((f) => unlinkIfThere(path.join(this.dir, 'ready', f.name)))]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private putBack(entries: readonly Entry[]): void {
    for (const e of entries) {
      this.held--;
      this.leaveGroup(e.group);
    }
    this.ready = [...entries, ...this.ready].sort(order);
  }

  private leaveGroup(group: string | undefined): void {
    if (group === undefined) return;
    const n = (this.inFlightGroups.get(group) ?? 1) - 1;
    if (n > 0) this.inFlightGroups.set(group, n);
    else this.inFlightGroups.delete(group);
  }

  /** No longer held: the held messages among these (another handle, or one acknowledged already, is ignored). */
  private unhold(handles: readonly ReceivedMessage[]): Entry[] {
    const out: Entry[] = [];
    for (const m of handles) {
      const e = this.inFlight.get(m.receiptHandle);
      if (e === undefined) continue;
      this.inFlight.delete(m.receiptHandle);
      this.held--;
      this.leaveGroup(e.group);
      out.push(e);
    }
    return out;
  }

  async ack(messages: readonly ReceivedMessage[]): Promise<void> {
    try {
      await this.finish(this.unhold(messages));
    } finally {
      this.wake();
    }
  }

  async release(messages: readonly ReceivedMessage[], delayMs: number): Promise<void> {
    const visibleAt = Date.now() + delayMs;
    for (const e of this.unhold(messages)) {
      e.visibleAt = visibleAt;
      this.ready.push(e);
    }
    this.ready.sort(order);
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const wake of w) wake();
  }
}
