import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger, MessageQueue, OutgoingMessage, QueueConsumer, ReceivedMessage } from '../../ports/index.ts';
import { commitGroups, decodeCommit, decodeMessage, encodeMessage, isCommitFile, type StoredMessage } from './disk-queue-format.ts';
import { DEFAULT_COMMIT_BYTES, DEFAULT_COMMIT_MESSAGES, GroupCommit, type Commit } from './disk-queue-commit.ts';
import { ReceiveLog } from './disk-queue-log.ts';
import { SentCache } from './sent-cache.ts';
import { nodeDurableFs, readHead, readWholeFile, renameFile, unlinkIfThere, writeDurably, type DurableFs } from './disk-queue-io.ts';

export { writeDurably, type DurableFs } from './disk-queue-io.ts';

/** A file in ready/: one message (a message file, layouts 1-3) or a commit of several (layout 4, `<name>.c`). */
interface QueueFile {
  name: string;
  multi: boolean;
  messages: number;
  /** Its messages neither acknowledged nor dead-lettered; the file is removed when none is left. */
  live: number;
}

interface Entry {
  /** `<name>` of a message file, `<name>#<index>` of a commit file's message: receipt handle and receive log key. */
  id: string;
  file: QueueFile;
  index: number;
  visibleAt: number;
  group: string | undefined;
}

/** receives/ holds the counts of an older layout (a file per message); inflight/ the held messages of the release before. */
const DIRS = ['ready', 'inflight', 'dead', 'tmp', 'receives'];
/** The receive log is rewritten with only the live entries when it holds more than this many and 4x the live ones. */
const COMPACT_AFTER = 4096;
const COMMIT_SUFFIX = '.c';
/** What open reads of a commit file to find its header line (the whole file when the line is longer). */
const HEAD_BYTES = 64 * 1024;

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
 * The embedded queue of the local runner (docs/disk-queue.md). One process owns a directory at a time.
 *
 * Send: group commit (disk-queue-commit.ts). The sends waiting when a commit starts (those of one turn of the
 * event loop, and every one that arrived while the commit before was being written and fsynced) are written
 * into ONE file in tmp/, fsynced once and renamed into ready/, so concurrent senders share an fsync. A send
 * resolves only after its bytes are fsynced (an acknowledged push survives kill -9 and power loss); a failed
 * step fails every send of the group and removes the partial file (nothing of them is delivered; a full disk
 * is not filled further). A commit of one message is a message file as the release before wrote it (layout 3
 * for bytes, 2 for text, 1 for text UTF-8 cannot carry); of several, a layout 4 commit file (disk-queue-format.ts).
 * A message's size is counted as SQS counts it (a bytes body as its base64) plus its attribute names and
 * values, against maxMessageBytes.
 *
 * Receive: messages are handed out in file order, then in order within a file. Before a batch is handed out
 * its new receive counts are appended to receives.log (disk-queue-log.ts: written, not fsynced; the page
 * cache keeps it through a crash of the process), so a message that crashes the process every time it is
 * delivered still reaches dead/ after maxReceiveCount starts. A message held by a consumer stays in its file
 * in ready/: in flight is state in memory only, and everything not acknowledged is delivered again at the next
 * open (at-least-once, like SQS); release is in memory only.
 *
 * Ack: a file whose messages are all acknowledged (or dead-lettered) is unlinked; a message of a commit file
 * whose other messages are still queued is recorded as done in receives.log (written, not fsynced: a lost ack
 * after a machine crash is a redelivery; a clean stop or a killed process loses none). A message received
 * more than maxReceiveCount times moves to dead/ (a message file renamed; a commit file's message written out
 * as a message file of its own). With sentCacheBytes, a message's first receive takes it from memory
 * (sent-cache.ts), not its file.
 *
 * Upgrade: message files of layouts 1-3 in ready/ and inflight/ (the release before moved held messages to
 * inflight/; they are moved back at open), counts in receives.log by file name, and count files of the older
 * layout (`<dir>/receives/<name>`, until 2026-12-03, merged into the log at open and removed) are read as they
 * are. Message groups (OutgoingMessage.groupId, the ordered mode) behave as in an SQS FIFO queue: a message is
 * handed out only when no earlier message of its group is in flight or waiting to become visible again. The
 * group is in a message file's name (`.g<base64url>`) and in a commit file's header, so the order survives a
 * restart. Messages without a group are not held back.
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
    for (const sub of DIRS) await fs.mkdir(path.join(dir, sub), { recursive: true });
    // What the release before held in inflight/ when it stopped is delivered again.
    for (const name of await fs.readdir(path.join(dir, 'inflight'))) {
      await fs.rename(path.join(dir, 'inflight', name), path.join(dir, 'ready', name));
    }
    for (const name of await fs.readdir(path.join(dir, 'tmp'))) await fs.rm(path.join(dir, 'tmp', name), { force: true });
    const logged = await ReceiveLog.read(dir);
    const oldFiles = await fs.readdir(path.join(dir, 'receives'));
    for (const name of oldFiles) {
      const count = Number(await fs.readFile(path.join(dir, 'receives', name), 'utf8'));
      if (Number.isSafeInteger(count) && count > (logged.counts.get(name) ?? -1)) logged.counts.set(name, count);
    }
    for (const name of (await fs.readdir(path.join(dir, 'ready'))).sort()) await q.load(name, logged.done);
    // Counts and done ids of messages gone (acknowledged or dead-lettered) are left over: dropped.
    for (const e of q.ready) {
      const count = logged.counts.get(e.id);
      if (count !== undefined) q.receives.set(e.id, count);
    }
    if (logged.counts.size || logged.done.size || oldFiles.length) await q.log.rewrite();
    for (const name of oldFiles) await fs.rm(path.join(dir, 'receives', name), { force: true });
    return q;
  }

  /** Adds the messages of ready/<name> not done to the queue (open, in name order). */
  private async load(name: string, done: ReadonlySet<string>): Promise<void> {
    if (!name.endsWith(COMMIT_SUFFIX)) {
      this.ready.push({ id: name, file: { name, multi: false, messages: 1, live: 1 }, index: 0, visibleAt: 0, group: groupOfName(name) });
      return;
    }
    const full = path.join(this.dir, 'ready', name);
    let groups: (string | undefined)[] | undefined;
    try {
      const head = await readHead(full, HEAD_BYTES);
      if (!isCommitFile(head)) throw new Error('not a commit file');
      groups = commitGroups(head) ?? commitGroups(await readWholeFile(full));
      if (groups === undefined) throw new Error('no header line');
    } catch (err) {
      // A commit file is renamed into ready/ only once whole and fsynced: a damaged disk or a hand got here.
      this.logger?.error('disk queue: unreadable commit file left in ready/, not delivered', { name, error: String(err) });
      return;
    }
    const file: QueueFile = { name, multi: true, messages: groups.length, live: 0 };
    for (let i = 0; i < groups.length; i++) {
      const id = `${name}#${i}`;
      if (done.has(id)) this.done.add(id);
      else {
        file.live++;
        this.ready.push({ id, file, index: i, visibleAt: 0, group: groups[i] });
      }
    }
    if (file.live === 0) {
      // Every message done, the unlink lost to a crash.
      for (let i = 0; i < groups.length; i++) this.done.delete(`${name}#${i}`);
      await unlinkIfThere(full);
    }
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
    const cached = picked.map((e) => this.sent.take(e.id));
    const reads = new Map<QueueFile, Promise<Buffer | Error>>();
    picked.forEach((e, i) => {
      if (cached[i] === undefined && !reads.has(e.file)) reads.set(e.file, readWholeFile(path.join(this.dir, 'ready', e.file.name)).catch((err: Error) => err));
    });
    const files = new Map<QueueFile, Buffer | Error>();
    for (const [file, read] of reads) files.set(file, await read);
    const decoded = new Map<QueueFile, StoredMessage[]>();
    const failedGroups = new Set<string>();
    const taken: { entry: Entry; stored: StoredMessage; count: number }[] = [];
    let error: unknown;
    for (let i = 0; i < picked.length; i++) {
      const entry = picked[i]!;
      let stored = cached[i];
      try {
        if (entry.group !== undefined && failedGroups.has(entry.group)) throw undefined;
        if (stored === undefined) {
          const buf = files.get(entry.file)!;
          if (buf instanceof Error) throw buf;
          if (!entry.file.multi) stored = decodeMessage(buf);
          else {
            let all = decoded.get(entry.file);
            if (!all) decoded.set(entry.file, (all = decodeCommit(buf)));
            stored = all[entry.index];
            if (stored === undefined) throw new Error(`disk queue: commit file ${entry.file.name} has no message ${entry.index}`);
          }
        }
      } catch (err) {
        // An unreadable file stays where it is, reported; the rest of the batch goes on, but not its group.
        this.putBack([entry]);
        if (entry.group !== undefined) failedGroups.add(entry.group);
        if (err !== undefined) error ??= err;
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

  /** Held messages only (another handle, or one acknowledged already, is ignored). */
  private release_(handles: readonly ReceivedMessage[]): Entry[] {
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
      await this.finish(this.release_(messages));
    } finally {
      this.wake();
    }
  }

  async release(messages: readonly ReceivedMessage[], delayMs: number): Promise<void> {
    const visibleAt = Date.now() + delayMs;
    for (const e of this.release_(messages)) {
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

/** Queue order: by file name (names sort in commit order), then within a commit file. */
function order(a: Entry, b: Entry): number {
  return a.file.name < b.file.name ? -1 : a.file.name > b.file.name ? 1 : a.index - b.index;
}

/** The group a message file belongs to, from its name's `.g<base64url>` suffix. */
function groupOfName(name: string): string | undefined {
  const i = name.indexOf('.g');
  return i < 0 ? undefined : Buffer.from(name.slice(i + 2), 'base64url').toString();
}
