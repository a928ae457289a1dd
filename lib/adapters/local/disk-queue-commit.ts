import path from 'node:path';
import type { OutgoingMessage } from '../../ports/index.ts';
import { encodeCommit, encodeMessage } from './disk-queue-format.ts';
import { syncDirectory, writeSynced, type DurableFs } from './disk-queue-io.ts';

/** Messages per commit file, by default: a group stops growing at this many (one send is never split). */
export const DEFAULT_COMMIT_MESSAGES = 64;
/** Body bytes per commit file, by default (about five Influx-sized messages; 80 remote_write ones). */
export const DEFAULT_COMMIT_BYTES = 4 << 20;

interface PendingSend {
  messages: readonly OutgoingMessage[];
  bytes: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** A commit made durable: the file in ready/ and the messages it holds, in order. */
export interface Commit {
  name: string;
  /** True for a layout 4 file of several messages; false for a message file (one message, layouts 1-3). */
  multi: boolean;
  messages: readonly OutgoingMessage[];
}

export interface GroupCommitOptions {
  dir: string;
  io: DurableFs;
  maxMessages: number;
  maxBytes: number;
  /** A new file name, sorting after every name made before; `group` given for a file of one message of a group. */
  newName(multi: boolean, group: string | undefined): string;
  /** Called with each durable commit before its sends resolve. */
  committed(c: Commit): void;
}

/**
 * Group commit for the disk queue's sends. A send waits in a list; one commit runs at a time and takes every
 * send waiting when it starts, oldest first, up to `maxMessages` messages and `maxBytes` of bodies (a send
 * larger than that alone is one commit: a send is never split). The commit is one file in tmp/, written,
 * fsynced, renamed into ready/, and ready/ fsynced; its sends resolve together after that, or fail together when a step
 * fails (the tmp file removed, so nothing of them is delivered or left to fill the disk). Sends that arrive
 * while a commit is being written and fsynced go into the next one, so N concurrent senders pay for one fsync
 * instead of N. A commit starts at setImmediate, so the sends of one turn of the event loop join even when no
 * commit is running. A commit of one message is written as a message file (layouts 1-3, what the release before
 * wrote), of several as one layout 4 commit file.
 */
export class GroupCommit {
  private readonly o: GroupCommitOptions;
  private waiting: PendingSend[] = [];
  private running = false;

  constructor(o: GroupCommitOptions) {
    this.o = o;
  }

  /** Resolves once the messages are fsynced and in ready/ (and passed to `committed`). */
  send(messages: readonly OutgoingMessage[], bytes: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ messages, bytes, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || !this.waiting.length) return;
    this.running = true;
    setImmediate(() => void this.commitNext());
  }

  private async commitNext(): Promise<void> {
    const group: PendingSend[] = [this.waiting.shift()!];
    let count = group[0]!.messages.length;
    let bytes = group[0]!.bytes;
    while (this.waiting.length) {
      const next = this.waiting[0]!;
      if (count + next.messages.length > this.o.maxMessages || bytes + next.bytes > this.o.maxBytes) break;
      group.push(this.waiting.shift()!);
      count += next.messages.length;
      bytes += next.bytes;
    }
    const messages = group.length === 1 ? group[0]!.messages : group.flatMap((s) => s.messages);
    try {
      const commit = await this.write(messages);
      // In ready/ from here on: queued (and delivered) whatever the directory's fsync says.
      this.o.committed(commit);
      // The rename made durable too, so a power loss cannot leave the commit in tmp/ (emptied at start). When
      // this fails the sends fail though their messages are queued: a retried push is then a duplicate, which
      // at-least-once allows.
      await (this.o.io.syncDir ?? syncDirectory)(path.join(this.o.dir, 'ready'));
      for (const s of group) s.resolve();
    } catch (err) {
      for (const s of group) s.reject(err);
    }
    this.running = false;
    this.schedule();
  }

  private async write(messages: readonly OutgoingMessage[]): Promise<Commit> {
    const multi = messages.length > 1;
    const one = messages[0]!;
    const name = this.o.newName(multi, multi ? undefined : one.groupId);
    const tmp = path.join(this.o.dir, 'tmp', name);
    await writeSynced(tmp, multi ? encodeCommit(messages) : encodeMessage(one.body, one.attributes, one.groupId), this.o.io);
    try {
      await this.o.io.rename(tmp, path.join(this.o.dir, 'ready', name));
    } catch (err) {
      await this.o.io.rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
    return { name, multi, messages };
  }
}
