import fs from 'node:fs/promises';
import path from 'node:path';
import { DiskQueue, writeDurably } from '../adapters/local/disk-queue.ts';
import type { Logger, MessageQueue, OutgoingMessage, QueueConsumer, ReceivedMessage } from '../ports/index.ts';

/** The attribute carrying a message's position: a decimal counter that only grows, across restarts too. */
export const ATTR_SEQ = 'agg_seq';
/** Room kept for the attribute in every message (name plus up to 20 digits). */
const SEQ_ROOM = 32;
/** Counter values reserved per durable write of the counter file. */
const BLOCK = 1000;

/**
 * The local runner's aggregation queue: a second disk queue (FIFO per message group, as SQS FIFO) whose
 * messages carry a sequence number from a persistent counter, not the clock, for applyAggregationBatch's
 * "applied already" test. Sends are serialised so the counter's order is the queue's order within a group;
 * the counter file holds the end of the block in use (written before any of its numbers is handed out), so
 * after a crash numbering resumes above every number used.
 */
export class AggregationDiskQueue implements MessageQueue, QueueConsumer {
  readonly maxMessageBytes: number;
  private chain: Promise<unknown> = Promise.resolve();

  private readonly inner: DiskQueue;
  private readonly seqFile: string;
  private next: bigint;
  private reserved: bigint;

  private constructor(inner: DiskQueue, seqFile: string, start: bigint) {
    this.inner = inner;
    this.seqFile = seqFile;
    this.next = start;
    this.reserved = start;
    this.maxMessageBytes = inner.maxMessageBytes - SEQ_ROOM;
  }

  static async open(dir: string, opts: { maxMessageBytes: number; logger?: Logger; maxReceiveCount?: number }): Promise<AggregationDiskQueue> {
    const inner = await DiskQueue.open(path.join(dir, 'queue'), { maxMessageBytes: opts.maxMessageBytes, ...(opts.logger ? { logger: opts.logger } : {}), ...(opts.maxReceiveCount !== undefined ? { maxReceiveCount: opts.maxReceiveCount } : {}) });
    const seqFile = path.join(dir, 'sequence');
    let start = 1n;
    try {
      const text = (await fs.readFile(seqFile, 'utf8')).trim();
      if (!/^[0-9]+$/.test(text)) throw new Error(`${seqFile}: not a sequence number: ${JSON.stringify(text.slice(0, 40))}`);
      start = BigInt(text);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return new AggregationDiskQueue(inner, seqFile, start);
  }

  get depth(): number {
    return this.inner.depth;
  }

  send(messages: readonly OutgoingMessage[]): Promise<void> {
    const run = this.chain.then(async () => {
      if (this.next + BigInt(messages.length) > this.reserved) {
        const end = this.next + BigInt(messages.length) + BigInt(BLOCK);
        await fs.mkdir(path.dirname(this.seqFile), { recursive: true });
        await writeDurably(this.seqFile + '.tmp', this.seqFile, end.toString());
        this.reserved = end;
      }
      const numbered = messages.map((m) => ({ ...m, attributes: { ...m.attributes, [ATTR_SEQ]: (this.next++).toString() } }));
      await this.inner.send(numbered);
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  receive(max: number, waitMs: number): Promise<ReceivedMessage[]> {
    return this.inner.receive(max, waitMs);
  }

  ack(messages: readonly ReceivedMessage[]): Promise<void> {
    return this.inner.ack(messages);
  }

  release(messages: readonly ReceivedMessage[], delayMs: number): Promise<void> {
    return this.inner.release(messages, delayMs);
  }
}
