import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger, MessageQueue, OutgoingMessage, QueueConsumer, ReceivedMessage } from '../../ports/index.ts';

interface StoredMessage {
  body: string;
  attributes: Record<string, string>;
  receiveCount: number;
}

/**
 * The embedded queue of the local runner: one file per message under `<dir>/ready`, moved to
 * `<dir>/inflight` while a consumer holds it, deleted on ack. Every write is fsynced and renamed into place,
 * so an acknowledged send survives a crash; messages in flight at a crash are delivered again on the next
 * start (at-least-once, like SQS). Messages received maxReceiveCount times without an ack move to
 * `<dir>/dead` (the local dead-letter queue). One process owns a directory at a time.
 */
export class DiskQueue implements MessageQueue, QueueConsumer {
  readonly maxMessageBytes: number;
  private readonly dir: string;
  private readonly maxReceiveCount: number;
  private readonly logger: Logger | undefined;
  /** Names in ready/, oldest first, with the time before which each stays invisible. */
  private ready: { name: string; visibleAt: number }[] = [];
  private seq = 0;
  private waiters: (() => void)[] = [];

  private constructor(dir: string, maxMessageBytes: number, maxReceiveCount: number, logger?: Logger) {
    this.dir = dir;
    this.maxMessageBytes = maxMessageBytes;
    this.maxReceiveCount = maxReceiveCount;
    this.logger = logger;
  }

  static async open(dir: string, opts: { maxMessageBytes: number; maxReceiveCount?: number; logger?: Logger }): Promise<DiskQueue> {
    const q = new DiskQueue(dir, opts.maxMessageBytes, opts.maxReceiveCount ?? 10, opts.logger);
    for (const sub of ['ready', 'inflight', 'dead', 'tmp']) await fs.mkdir(path.join(dir, sub), { recursive: true });
    // Whatever was in flight when the last process stopped is delivered again.
    for (const name of await fs.readdir(path.join(dir, 'inflight'))) {
      await fs.rename(path.join(dir, 'inflight', name), path.join(dir, 'ready', name));
    }
    for (const name of await fs.readdir(path.join(dir, 'tmp'))) await fs.rm(path.join(dir, 'tmp', name), { force: true });
    q.ready = (await fs.readdir(path.join(dir, 'ready'))).sort().map((name) => ({ name, visibleAt: 0 }));
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
      const name = `${Date.now().toString().padStart(15, '0')}-${(this.seq++).toString().padStart(9, '0')}-${randomBytes(4).toString('hex')}`;
      await writeDurably(path.join(this.dir, 'tmp', name), path.join(this.dir, 'ready', name), JSON.stringify({ body: m.body, attributes: m.attributes, receiveCount: 0 } satisfies StoredMessage));
      this.ready.push({ name, visibleAt: 0 });
    }
    const w = this.waiters;
    this.waiters = [];
    for (const wake of w) wake();
  }

  async receive(max: number, waitMs: number): Promise<ReceivedMessage[]> {
    const until = Date.now() + waitMs;
    for (;;) {
      const now = Date.now();
      const picked: { name: string; visibleAt: number }[] = [];
      const rest: { name: string; visibleAt: number }[] = [];
      for (const e of this.ready) {
        if (picked.length < max && e.visibleAt <= now) picked.push(e);
        else rest.push(e);
      }
      if (picked.length) {
        this.ready = rest;
        this.held += picked.length;
        const out: ReceivedMessage[] = [];
        for (const e of picked) {
          const msg = await this.take(e.name);
          if (msg) out.push(msg);
        }
        if (out.length) return out;
        continue;
      }
      const left = until - now;
      if (left <= 0) return [];
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
    stored.receiveCount++;
    if (stored.receiveCount > this.maxReceiveCount) {
      this.held--;
      await fs.rename(from, path.join(this.dir, 'dead', name));
      this.logger?.error('message moved to the local dead-letter queue after too many receives', { name, receives: stored.receiveCount - 1 });
      return undefined;
    }
    await writeDurably(path.join(this.dir, 'tmp', name), path.join(this.dir, 'inflight', name), JSON.stringify(stored));
    await fs.rm(from);
    return { messageId: name, receiptHandle: name, body: stored.body, attributes: stored.attributes, receiveCount: stored.receiveCount };
  }

  async ack(messages: readonly ReceivedMessage[]): Promise<void> {
    for (const m of messages) {
      await fs.rm(path.join(this.dir, 'inflight', m.receiptHandle), { force: true });
      this.held--;
    }
  }

  async release(messages: readonly ReceivedMessage[], delayMs: number): Promise<void> {
    const visibleAt = Date.now() + delayMs;
    for (const m of messages) {
      await fs.rename(path.join(this.dir, 'inflight', m.receiptHandle), path.join(this.dir, 'ready', m.receiptHandle));
      this.held--;
      this.ready.push({ name: m.receiptHandle, visibleAt });
    }
    this.ready.sort((a, b) => (a.name < b.name ? -1 : 1));
  }
}

/** Writes to tmp, fsyncs, renames into place: the file is either whole or absent after a crash. */
export async function writeDurably(tmp: string, dest: string, data: string | Uint8Array): Promise<void> {
  const fh = await fs.open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, dest);
}
