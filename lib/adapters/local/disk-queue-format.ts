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
 * The receive log (`receives.log`), one line per receive batch, appended and fsynced before the batch is
 * handed out: `R` then ` <name> <count>` for each message of the batch, then ` .` and `\n`. A line without
 * its ` .` and newline (a crash or a full disk in the middle of the append) is ignored. A message's count is
 * the largest recorded for its name; counts of messages no longer queued are dropped when the log is
 * compacted (at open, and when it grows past four times the counts it holds).
 */

import type { MessageBody } from '../../ports/index.ts';

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

/** One receive batch's line of the receive log. Names are `[0-9a-z.-_A-Z]` (disk-queue.ts makes them). */
export function receiveLogLine(counts: readonly (readonly [string, number])[]): string {
  let s = 'R';
  for (const [name, count] of counts) s += ` ${name} ${count}`;
  return `${s} .\n`;
}

/** The counts a receive log holds (the largest per name), ignoring an unfinished last line. */
export function parseReceiveLog(text: string, into = new Map<string, number>()): Map<string, number> {
  const lines = text.split('\n');
  lines.pop(); // whatever follows the last newline is an append cut short
  for (const line of lines) {
    const t = line.split(' ');
    if (t[0] !== 'R' || t[t.length - 1] !== '.' || t.length % 2 !== 0) continue;
    for (let i = 1; i + 1 < t.length - 1; i += 2) {
      const count = Number(t[i + 1]);
      if (!Number.isSafeInteger(count) || count < 0) continue;
      if (count > (into.get(t[i]!) ?? -1)) into.set(t[i]!, count);
    }
  }
  return into;
}
