/**
 * The disk queue's file formats (lib/adapters/local/disk-queue.ts; layouts and the upgrade rule for
 * users in docs/disk-queue.md).
 *
 * A message file (ready/, inflight/, dead/) of a bytes body (MessageBody, lib/ports: every payload the
 * gateway queues), layout 3 (since 2026-12-03, s23):
 *   `MGQ3 ` + JSON of {attributes, groupId?} + `\n` + the body's bytes to the end of the file.
 * Read back as bytes: no base64 on the way in or out (the message is the snappy block as queued).
 * A message file of a text body (a claim check's key), layout 2 (since 2026-12-03; until s23 every body):
 *   `MGQ2 ` + JSON of {attributes, groupId?} + `\n` + the body's UTF-8 bytes to the end of the file.
 * The header holds no body and JSON never holds a raw newline, so the first `\n` ends it; the body is written
 * and read as bytes, not escaped into JSON and parsed back. Layout 2 files written by earlier releases hold
 * payloads as base64 text: they come back as text, which lib/queue/unpack.ts decodes (the upgrade path).
 * A body that is not well-formed UTF-16 (a lone surrogate, which UTF-8 cannot carry) is written in layout 1.
 * Layout 1 (until 2026-12): the JSON of {body, attributes, receiveCount, groupId?}; recognised by its first
 * byte `{` and read forever, its receiveCount being the floor of the message's count.
 *
 * A commit file of several messages, layout 4 (since 2026-12-03, s24: one file and one fsync per group commit):
 *   `MGQ4 ` + JSON of {messages: [{attributes, groupId?, bytes | text | body}, ...]} + `\n` + the bodies' bytes,
 *   one after the other in the header's order. `bytes: n`: a bytes body of n bytes; `text: n`: a text body of n
 *   UTF-8 bytes; `body: "..."`: a text body that UTF-8 cannot carry (a lone surrogate), held in the header
 *   (JSON escapes it) with nothing in the body part. The lengths must add up to the rest of the file exactly
 *   (a file that does not is reported, never half-read). Message i of a commit file `<name>` is `<name>#<i>`
 *   in the receive log and as a receipt handle. A commit of one message is written as a message file above.
 *
 * The receive log (`receives.log`), one line per receive batch, appended (written, not fsynced: it guards the
 * dead-letter count against a crash of the process, which the page cache survives) before the batch is
 * handed out: `R` then ` <id> <count>` for each message of the batch, then ` .` and `\n`. A message of a
 * commit file acknowledged (or dead-lettered) while others of its file are still queued is recorded as
 * done: `D` then ` <id>` for each, then ` .` and `\n`. A line without its ` .` and newline (a crash or a full
 * disk in the middle of the append) is ignored. A message's count is the largest recorded for its id; counts
 * and done ids of messages no longer queued are dropped when the log is compacted (at open, and when it
 * grows past four times the entries it holds live).
 */

import type { MessageBody, OutgoingMessage } from '../../ports/index.ts';

export interface StoredMessage {
  /** Bytes for layout 3 (a view of the file's buffer), text for layouts 1 and 2. */
  body: MessageBody;
  attributes: Record<string, string>;
  /** Layout 1 only (the count is in the receive log otherwise): 0 for layouts 2 and 3. */
  receiveCount: number;
  groupId?: string;
}

const MAGIC = 'MGQ2 ';
const MAGIC_BYTES = 'MGQ3 ';
const MAGIC_COMMIT = 'MGQ4 ';
const NEWLINE = 0x0a;

/**
 * The file content of a new message, in the parts to write one after the other: layout 3 for bytes (the
 * header line, then the body itself, not copied); layout 2 for text, or layout 1 for text UTF-8 cannot carry.
 */
export function encodeMessage(body: MessageBody, attributes: Record<string, string>, groupId: string | undefined): string | [string, Uint8Array] {
  if (typeof body !== 'string') return [`${MAGIC_BYTES}${JSON.stringify(groupId !== undefined ? { attributes, groupId } : { attributes })}\n`, body];
  if (!(body as unknown as { isWellFormed(): boolean }).isWellFormed()) return JSON.stringify({ body, attributes, receiveCount: 0, ...(groupId !== undefined ? { groupId } : {}) });
  // A cons string: written out by one UTF-8 encode of the file write, the body never copied into JSON.
  return `${MAGIC}${JSON.stringify(groupId !== undefined ? { attributes, groupId } : { attributes })}\n${body}`;
}

/** Reads a message file of any layout. */
export function decodeMessage(file: Buffer): StoredMessage {
  const magic = file.length >= MAGIC.length ? file.toString('latin1', 0, MAGIC.length) : '';
  if (magic === MAGIC || magic === MAGIC_BYTES) {
    const end = file.indexOf(NEWLINE, MAGIC.length);
    if (end < 0) throw new Error('disk queue: message file without its header line');
    const header = JSON.parse(file.toString('utf8', MAGIC.length, end)) as { attributes: Record<string, string>; groupId?: string };
    return { body: magic === MAGIC_BYTES ? file.subarray(end + 1) : file.toString('utf8', end + 1), attributes: header.attributes, receiveCount: 0, ...(header.groupId !== undefined ? { groupId: header.groupId } : {}) };
  }
  return JSON.parse(file.toString('utf8')) as StoredMessage;
}

/**
 * The parts of a layout 4 commit file for several messages, to write one after the other (writev): the
 * header line, then each body's bytes (a bytes body itself, not copied; a text body as its UTF-8).
 */
export function encodeCommit(messages: readonly OutgoingMessage[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  const heads: CommitHead[] = [];
  for (const m of messages) {
    const head: CommitHead = m.groupId !== undefined ? { attributes: m.attributes, groupId: m.groupId } : { attributes: m.attributes };
    if (typeof m.body !== 'string') {
      head.bytes = m.body.byteLength;
      parts.push(m.body);
    } else if ((m.body as unknown as { isWellFormed(): boolean }).isWellFormed()) {
      const utf8 = Buffer.from(m.body, 'utf8');
      head.text = utf8.byteLength;
      parts.push(utf8);
    } else head.body = m.body;
    heads.push(head);
  }
  parts.unshift(Buffer.from(`${MAGIC_COMMIT}${JSON.stringify({ messages: heads })}\n`, 'utf8'));
  return parts;
}

interface CommitHead {
  attributes: Record<string, string>;
  groupId?: string;
  bytes?: number;
  text?: number;
  body?: string;
}

/** Whether the file's first bytes are those of a layout 4 commit file. */
export function isCommitFile(head: Buffer): boolean {
  return head.length >= MAGIC_COMMIT.length && head.toString('latin1', 0, MAGIC_COMMIT.length) === MAGIC_COMMIT;
}

/**
 * The groups of a commit file's messages, in order, from its header line (the start of the file, at least up
 * to its first newline); undefined when `head` does not hold the whole line yet.
 */
export function commitGroups(head: Buffer): (string | undefined)[] | undefined {
  const end = head.indexOf(NEWLINE, MAGIC_COMMIT.length);
  if (end < 0) return undefined;
  return parseCommitHeader(head, end).map((h) => h.groupId);
}

function parseCommitHeader(file: Buffer, end: number): CommitHead[] {
  const header = JSON.parse(file.toString('utf8', MAGIC_COMMIT.length, end)) as { messages?: unknown };
  if (!Array.isArray(header.messages) || header.messages.length === 0) throw new Error('disk queue: commit file header without messages');
  return header.messages as CommitHead[];
}

/** Every message of a commit file; bytes bodies are views of `file`. Throws when the file is not whole. */
export function decodeCommit(file: Buffer): StoredMessage[] {
  if (!isCommitFile(file)) throw new Error('disk queue: not a commit file');
  const end = file.indexOf(NEWLINE, MAGIC_COMMIT.length);
  if (end < 0) throw new Error('disk queue: commit file without its header line');
  const heads = parseCommitHeader(file, end);
  const out: StoredMessage[] = [];
  let at = end + 1;
  for (const h of heads) {
    const n = h.bytes ?? h.text ?? 0;
    if (!Number.isSafeInteger(n) || n < 0 || at + n > file.length) throw new Error(`disk queue: commit file of ${file.length} bytes is shorter than its header says`);
    const body = h.bytes !== undefined ? file.subarray(at, at + n) : h.text !== undefined ? file.toString('utf8', at, at + n) : (h.body ?? '');
    at += n;
    out.push({ body, attributes: h.attributes, receiveCount: 0, ...(h.groupId !== undefined ? { groupId: h.groupId } : {}) });
  }
  if (at !== file.length) throw new Error(`disk queue: commit file of ${file.length} bytes is longer than its header says (${at})`);
  return out;
}

/** One receive batch's line of the receive log. Ids are `[0-9a-z.-_A-Z#]` (disk-queue.ts makes them). */
export function receiveLogLine(counts: readonly (readonly [string, number])[]): string {
  let s = 'R';
  for (const [name, count] of counts) s += ` ${name} ${count}`;
  return `${s} .\n`;
}

/** The receive log's line of messages of commit files done (acknowledged or dead-lettered). */
export function doneLogLine(ids: Iterable<string>): string {
  let s = 'D';
  for (const id of ids) s += ` ${id}`;
  return `${s} .\n`;
}

/**
 * The counts a receive log holds (the largest per id), ignoring an unfinished last line; the ids it records
 * as done are added to `done` when given.
 */
export function parseReceiveLog(text: string, into = new Map<string, number>(), done?: Set<string>): Map<string, number> {
  const lines = text.split('\n');
  lines.pop(); // whatever follows the last newline is an append cut short
  for (const line of lines) {
    const t = line.split(' ');
    if (t[0] === 'D' && t[t.length - 1] === '.') {
      for (let i = 1; i < t.length - 1; i++) done?.add(t[i]!);
      continue;
    }
    if (t[0] !== 'R' || t[t.length - 1] !== '.' || t.length % 2 !== 0) continue;
    for (let i = 1; i + 1 < t.length - 1; i += 2) {
      const count = Number(t[i + 1]);
      if (!Number.isSafeInteger(count) || count < 0) continue;
      if (count > (into.get(t[i]!) ?? -1)) into.set(t[i]!, count);
    }
  }
  return into;
}
