import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger, MessageQueue, OutgoingMessage, QueueConsumer, ReceivedMessage } from '../../ports/index.ts';

interface StoredMessage {
  body: string;
  attributes: Record<string, string>;
  receiveCount: number;
  groupId?: string;
}

interface ReadyEntry {
  name: string;
  visibleAt: number;
  group: string | undefined;
}

/** Files per message: the message in ready/ or inflight/ (written once), its receive count in receives/. */
const DIRS = ['ready', 'inflight', 'dead', 'tmp', 'receives'];

/**
 * The embedded queue of the local runner: one file per message under `<dir>/ready`, moved to
 * `<dir>/inflight` while a consumer holds it, deleted on ack. Every write is fsynced and renamed into place,
 * so an acknowledged send survives a crash; messages in flight at a crash are delivered again on the next
 * start (at-least-once, like SQS). Messages received maxReceiveCount times without an ack move to
 * `<dir>/dead` (the local dead-letter queue). One process owns a directory at a time.
 *
 * A message file is written once, by send. A receive records the message's new receive count durably in
 * `<dir>/receives/<name>` (a few bytes, fsynced and renamed into place, before the message is handed out)
 * and renames the message into inflight/; so a message that crashes the process every time it is delivered
 * still reaches dead/ after maxReceiveCount starts. (Until 2026-12 a receive rewrote and fsynced the whole
 * message with the count inside; the contract is unchanged, the bytes written per receive went from the
 * message's size to the count's.) Files of the older layout are read as before: their stored count is the
 * floor of the count.
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
  /** Receive counts of messages received at least once (mirrors receives/). */
  private receives = new Map<string, number>();
  /** Groups with messages held by a consumer, and how many. */
  private inFlightGroups = new Map<string, number>();
  private seq = 0;
  private waiters: (() => void)[] = [];

  private constructor(dir: string, maxMessageBytes: number, maxReceiveCount: number, logger?: Logger, io: DurableFs = fs) {
    this.dir = dir;
    this.io = io;
    this.maxMessageBytes = maxMessageBytes;
    this.maxReceiveCount = maxReceiveCount;
    this.logger = logger;
  }

  /** `io` replaces the file operations of writes (tests: a disk that fills up). */
  static async open(dir: string, opts: { maxMessageBytes: number; maxReceiveCount?: number; logger?: Logger; io?: DurableFs }): Promise<DiskQueue> {
    const q = new DiskQueue(dir, opts.maxMessageBytes, opts.maxReceiveCount ?? 10, opts.logger, opts.io);
    for (const sub of DIRS) await fs.mkdir(path.join(dir, sub), { recursive: true });
    // Whatever was in flight when the last process stopped is delivered again.
    for (const name of await fs.readdir(path.join(dir, 'inflight'))) {
      await fs.rename(path.join(dir, 'inflight', name), path.join(dir, 'ready', name));
    }
    for (const name of await fs.readdir(path.join(dir, 'tmp'))) await fs.rm(path.join(dir, 'tmp', name), { force: true });
    q.ready = (await fs.readdir(path.join(dir, 'ready'))).sort().map((name) => ({ name, visibleAt: 0, group: groupOfName(name) }));
    const queued = new Set(q.ready.map((e) => e.name));
    for (const name of await fs.readdir(path.join(dir, 'receives'))) {
      const count = Number(await fs.readFile(path.join(dir, 'receives', name), 'utf8'));
      // A count whose message is gone (acked or dead-lettered just before a stop) is left over: removed.
      if (queued.has(name) && Number.isSafeInteger(count)) q.receives.set(name, count);
      else await fs.rm(path.join(dir, 'receives', name), { force: true });
    }
    return q;
  }

  /** Messages not yet acknowledged: waiting (visible or not), being received, or held by a consumer. */
  get depth(): number {
    return this.ready.length + this.held;
  }

  private held = 0;

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    for (const m of messages) {
      const size = Buffer.byteLength(m.body) + Object.entries(m.attributes).reduce((n, [k, v]) => n + k.length + v.length, 0);
      if (size > this.maxMessageBytes) throw new Error(`message of ${size} bytes exceeds the queue's ${this.maxMessageBytes}`);
      const suffix = m.groupId !== undefined ? `.g${Buffer.from(m.groupId).toString('base64url')}` : '';
      const name = `${Date.now().toString().padStart(15, '0')}-${(this.seq++).toString().padStart(9, '0')}-${randomBytes(4).toString('hex')}${suffix}`;
      const stored: StoredMessage = { body: m.body, attributes: m.attributes, receiveCount: 0, ...(m.groupId !== undefined ? { groupId: m.groupId } : {}) };
      await writeDurably(path.join(this.dir, 'tmp', name), path.join(this.dir, 'ready', name), JSON.stringify(stored), this.io);
      this.ready.push({ name, visibleAt: 0, group: m.groupId });
    }
    this.wake();
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
        const out: ReceivedMessage[] = [];
        for (let i = 0; i < picked.length; i++) {
          let msg;
          try {
            msg = await this.take(picked[i]!.name);
          } catch (err) {
            // A full or failing disk: what was not taken stays ready (in memory as on disk) for a later receive.
            this.putBack(picked.slice(i));
            if (out.length) break;
            throw err;
          }
          if (msg) out.push(msg);
        }
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

  private async take(name: string): Promise<ReceivedMessage | undefined> {
    const from = path.join(this.dir, 'ready', name);
    const stored = JSON.parse(await fs.readFile(from, 'utf8')) as StoredMessage;
    const count = Math.max(this.receives.get(name) ?? 0, stored.receiveCount) + 1;
    if (count > this.maxReceiveCount) {
      await fs.rename(from, path.join(this.dir, 'dead', name));
      await unlinkIfThere(path.join(this.dir, 'receives', name));
      this.receives.delete(name);
      this.held--;
      this.leaveGroup(stored.groupId);
      this.logger?.error('message moved to the local dead-letter queue after too many receives', { name, receives: count - 1, ...(stored.groupId !== undefined ? { group: stored.groupId } : {}) });
      return undefined;
    }
    // The count first: if the disk is full, the message stays ready and nothing is half-moved.
    await writeDurably(path.join(this.dir, 'tmp', `${name}.receives`), path.join(this.dir, 'receives', name), String(count), this.io);
    this.receives.set(name, count);
    await fs.rename(from, path.join(this.dir, 'inflight', name));
    return { messageId: name, receiptHandle: name, body: stored.body, attributes: stored.attributes, receiveCount: count, ...(stored.groupId !== undefined ? { groupId: stored.groupId } : {}) };
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
    for (const m of messages) {
      await unlinkIfThere(path.join(this.dir, 'inflight', m.receiptHandle));
      await unlinkIfThere(path.join(this.dir, 'receives', m.receiptHandle));
      this.receives.delete(m.receiptHandle);
      this.held--;
      this.leaveGroup(groupOfName(m.receiptHandle));
    }
    this.wake();
  }

  async release(messages: readonly ReceivedMessage[], delayMs: number): Promise<void> {
    const visibleAt = Date.now() + delayMs;
    for (const m of messages) {
      await fs.rename(path.join(this.dir, 'inflight', m.receiptHandle), path.join(this.dir, 'ready', m.receiptHandle));
      this.held--;
      const group = groupOfName(m.receiptHandle);
      this.leaveGroup(group);
      this.ready.push({ name: m.receiptHandle, visibleAt, group });
    }
    this.ready.sort((a, b) => (a.name < b.name ? -1 : 1));
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const wake of w) wake();
  }
}

/** `rm --force` for one file, in one syscall (fs.rm stats first). */
async function unlinkIfThere(file: string): Promise<void> {
  try {
    await fs.unlink(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** The group a message file belongs to, from its name's `.g<base64url>` suffix. */
function groupOfName(name: string): string | undefined {
  const i = name.indexOf('.g');
  return i < 0 ? undefined : Buffer.from(name.slice(i + 2), 'base64url').toString();
}

/** The file operations writeDurably needs; tests inject failures (a full disk) through it. */
export interface DurableFs {
  open(path: string, flags: 'w'): Promise<{ writeFile(data: string | Uint8Array): Promise<void>; sync(): Promise<void>; close(): Promise<void> }>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, opts: { force: true }): Promise<void>;
}

/**
 * Writes to tmp, fsyncs, renames into place: the file is either whole or absent after a crash. When any
 * step fails (ENOSPC, EROFS, EIO) the partial tmp file is removed before the error is rethrown, so a full
 * disk leaves nothing behind to fill it further.
 */
export async function writeDurably(tmp: string, dest: string, data: string | Uint8Array, io: DurableFs = fs): Promise<void> {
  try {
    const fh = await io.open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await io.rename(tmp, dest);
  } catch (err) {
    await io.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}
