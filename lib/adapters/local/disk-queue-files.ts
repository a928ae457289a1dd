import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../ports/index.ts';
import { commitGroups, decodeCommit, decodeMessage, isCommitFile, type StoredMessage } from './disk-queue-format.ts';
import { ReceiveLog } from './disk-queue-log.ts';
import { readHead, readWholeFile, unlinkIfThere } from './disk-queue-io.ts';

/** A file in ready/: one message (a message file, layouts 1-3) or a commit of several (layout 4, `<name>.c`). */
export interface QueueFile {
  name: string;
  multi: boolean;
  messages: number;
  /** Its messages neither acknowledged nor dead-lettered; the file is removed when none is left. */
  live: number;
}

/** A queued message. */
export interface Entry {
  /** `<name>` of a message file, `<name>#<index>` of a commit file's message: receipt handle and receive log key. */
  id: string;
  file: QueueFile;
  index: number;
  visibleAt: number;
  group: string | undefined;
}

/** receives/ holds the counts of an older layout (a file per message); inflight/ the held messages of the release before. */
const DIRS = ['ready', 'inflight', 'dead', 'tmp', 'receives'];
export const COMMIT_SUFFIX = '.c';
/** What open reads of a commit file to find its header line (the whole file when the line is longer). */
const HEAD_BYTES = 16 * 1024;

/** Queue order: by file name (names sort in commit order), then within a commit file. */
export function order(a: Entry, b: Entry): number {
  return a.file.name < b.file.name ? -1 : a.file.name > b.file.name ? 1 : a.index - b.index;
}

/** The group a message file belongs to, from its name's `.g<base64url>` suffix. */
export function groupOfName(name: string): string | undefined {
  const i = name.indexOf('.g');
  return i < 0 ? undefined : Buffer.from(name.slice(i + 2), 'base64url').toString();
}

export interface ScannedQueue {
  /** The messages to deliver, in order. */
  entries: Entry[];
  /** Receive counts of those messages. */
  counts: Map<string, number>;
  /** Done ids of the commit files still in ready/. */
  done: Set<string>;
  /** Whether receives.log or receives/ holds anything (then the log is rewritten with the live entries). */
  logged: boolean;
  /** Count files of the older layout, to remove once the log is rewritten. */
  oldCountFiles: string[];
}

/**
 * What a queue directory holds at open, as the next process sees it: the directories made, messages the release
 * before held in inflight/ moved back to ready/ (delivered again), tmp/ emptied (files never renamed into ready/
 * are no messages), receives.log and the older layout's count files read, every file in ready/ listed (a commit
 * file's header read; its done messages left out; a commit file all done, whose unlink a crash lost, removed).
 * A commit file whose header cannot be read is reported and left where it is, not delivered.
 */
export async function scanQueue(dir: string, logger: Logger | undefined): Promise<ScannedQueue> {
  for (const sub of DIRS) await fs.mkdir(path.join(dir, sub), { recursive: true });
  for (const name of await fs.readdir(path.join(dir, 'inflight'))) {
    await fs.rename(path.join(dir, 'inflight', name), path.join(dir, 'ready', name));
  }
  for (const name of await fs.readdir(path.join(dir, 'tmp'))) await fs.rm(path.join(dir, 'tmp', name), { force: true });
  const log = await ReceiveLog.read(dir);
  const oldCountFiles = await fs.readdir(path.join(dir, 'receives'));
  for (const name of oldCountFiles) {
    const count = Number(await fs.readFile(path.join(dir, 'receives', name), 'utf8'));
    if (Number.isSafeInteger(count) && count > (log.counts.get(name) ?? -1)) log.counts.set(name, count);
  }
  const entries: Entry[] = [];
  const done = new Set<string>();
  for (const name of (await fs.readdir(path.join(dir, 'ready'))).sort()) {
    if (!name.endsWith(COMMIT_SUFFIX)) {
      entries.push({ id: name, file: { name, multi: false, messages: 1, live: 1 }, index: 0, visibleAt: 0, group: groupOfName(name) });
      continue;
    }
    const full = path.join(dir, 'ready', name);
    let groups: (string | undefined)[] | undefined;
    try {
      const head = await readHead(full, HEAD_BYTES);
      if (!isCommitFile(head)) throw new Error('not a commit file');
      groups = commitGroups(head) ?? commitGroups(await readWholeFile(full));
      if (groups === undefined) throw new Error('no header line');
    } catch (err) {
      // A commit file is renamed into ready/ only once whole and fsynced: a damaged disk or a hand got here.
      logger?.error('disk queue: unreadable commit file left in ready/, not delivered', { name, error: String(err) });
      continue;
    }
    const file: QueueFile = { name, multi: true, messages: groups.length, live: 0 };
    const ids = groups.map((_, i) => `${name}#${i}`);
    for (let i = 0; i < groups.length; i++) {
      if (log.done.has(ids[i]!)) continue;
      file.live++;
      entries.push({ id: ids[i]!, file, index: i, visibleAt: 0, group: groups[i] });
    }
    if (file.live === 0) await unlinkIfThere(full);
    else for (const id of ids) if (log.done.has(id)) done.add(id);
  }
  // Counts and done ids of messages gone (acknowledged or dead-lettered) are left over: dropped.
  const counts = new Map<string, number>();
  for (const e of entries) {
    const count = log.counts.get(e.id);
    if (count !== undefined) counts.set(e.id, count);
  }
  return { entries, counts, done, logged: log.counts.size > 0 || log.done.size > 0 || oldCountFiles.length > 0, oldCountFiles };
}

/**
 * The stored messages of `picked`, each file read once (a receive batch often takes several messages of one
 * commit file); `cached[i]` (the sent cache) when given instead of reading. An entry whose file cannot be read
 * or decoded gets the error; a commit file whose lengths do not add up fails all its messages (never half-read).
 */
export async function readMessages(dir: string, picked: readonly Entry[], cached: readonly (StoredMessage | undefined)[]): Promise<(StoredMessage | Error)[]> {
  const reads = new Map<QueueFile, Promise<StoredMessage[] | Error>>();
  picked.forEach((e, i) => {
    if (cached[i] !== undefined || reads.has(e.file)) return;
    const read = readWholeFile(path.join(dir, 'ready', e.file.name)).then((buf) => (e.file.multi ? decodeCommit(buf) : [decodeMessage(buf)]));
    reads.set(e.file, read.catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))));
  });
  const files = new Map<QueueFile, StoredMessage[] | Error>();
  for (const [file, read] of reads) files.set(file, await read);
  return picked.map((e, i) => {
    const got = cached[i] ?? files.get(e.file)!;
    if (got instanceof Error || !Array.isArray(got)) return got;
    return got[e.index] ?? new Error(`disk queue: ${e.file.name} holds no message ${e.index}`);
  });
}
