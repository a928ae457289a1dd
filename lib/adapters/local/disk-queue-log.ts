import fs from 'node:fs/promises';
import path from 'node:path';
import { doneLogLine, parseReceiveLog, receiveLogLine } from './disk-queue-format.ts';
import { writeDurably, type DurableFs, type DurableHandle } from './disk-queue-io.ts';

const RECEIVE_LOG = 'receives.log';

/** What the log must keep when it is rewritten: the receive counts and done ids of messages still queued. */
export interface LiveLogState {
  counts: ReadonlyMap<string, number>;
  done: ReadonlySet<string>;
}

/**
 * The disk queue's `receives.log` (format in disk-queue-format.ts): receive counts, and the messages of commit
 * files done while others of their file are queued. Appends are written, not fsynced: what they guard (the
 * dead-letter count of a message that crashes the process, an ack before a clean stop) survives a crash of the
 * process in the page cache; after a machine crash the last seconds of counts may be lost, so a message can be
 * delivered a few more times before it reaches dead/ (at-least-once either way). Appends run one at a time. The
 * log is rewritten with only the live entries (to a file in tmp/, fsynced, renamed over it) at open and when it
 * holds more than `compactAfter` entries and four times the live ones; and after an append failed part-way.
 */
export class ReceiveLog {
  private readonly dir: string;
  private readonly io: DurableFs;
  private readonly compactAfter: number;
  private readonly live: () => LiveLogState;
  private chain: Promise<void> = Promise.resolve();
  private handle: DurableHandle | undefined;
  /** Entries in the file (live or not); and whether an append failed part-way (then it is rewritten). */
  private entries = 0;
  private broken = false;

  constructor(dir: string, io: DurableFs, compactAfter: number, live: () => LiveLogState) {
    this.dir = dir;
    this.io = io;
    this.compactAfter = compactAfter;
    this.live = live;
  }

  /** The counts and done ids in the log (an unfinished last line ignored). */
  static async read(dir: string): Promise<{ counts: Map<string, number>; done: Set<string> }> {
    const text = await fs.readFile(path.join(dir, RECEIVE_LOG), 'utf8').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? '' : Promise.reject(err)));
    const done = new Set<string>();
    return { counts: parseReceiveLog(text, new Map(), done), done };
  }

  /** Records new receive counts (`counts`) and done ids; resolves once written. */
  record(counts: readonly (readonly [string, number])[], done: readonly string[] = []): Promise<void> {
    const run = this.chain.then(() => this.append(counts, done));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async append(counts: readonly (readonly [string, number])[], done: readonly string[]): Promise<void> {
    const live = this.live();
    if (this.broken || this.entries > Math.max(this.compactAfter, 4 * (live.counts.size + live.done.size))) {
      await this.rewrite(counts, done);
      return;
    }
    this.handle ??= await this.io.open(path.join(this.dir, RECEIVE_LOG), 'a');
    try {
      await this.handle.writeFile((counts.length ? receiveLogLine(counts) : '') + (done.length ? doneLogLine(done) : ''));
    } catch (err) {
      // Part of the line may be in the file: the next record rewrites the log from memory.
      this.broken = true;
      throw err;
    }
    this.entries += counts.length + done.length;
  }

  /** Replaces the log (durably: tmp, fsync, rename) with the live entries plus the given ones. */
  async rewrite(extraCounts: readonly (readonly [string, number])[] = [], extraDone: readonly string[] = []): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => undefined);
    const live = this.live();
    const counts = new Map(live.counts);
    for (const [id, count] of extraCounts) counts.set(id, count);
    const done = new Set(live.done);
    for (const id of extraDone) done.add(id);
    const text = (counts.size ? receiveLogLine([...counts]) : '') + (done.size ? doneLogLine(done) : '');
    await writeDurably(path.join(this.dir, 'tmp', RECEIVE_LOG), path.join(this.dir, RECEIVE_LOG), text, this.io);
    this.broken = false;
    this.entries = counts.size + done.size;
  }
}
