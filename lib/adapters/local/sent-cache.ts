import type { MessageBody, OutgoingMessage } from '../../ports/index.ts';
import type { StoredMessage } from './disk-queue-format.ts';

/**
 * The disk queue's messages sent by this process, durable on disk and not yet received, as they were sent:
 * the first receive takes them from here instead of reading back the file the send just wrote (a later
 * receive, after a release or a restart, reads the file). Holds at most `limitBytes` of bodies (a body's bytes,
 * or a string's UTF-16 code units at 2 bytes each; 0 keeps nothing); a message that does not fit is not kept. Bodies are kept
 * by reference: a sender does not change a body once sent.
 */
export class SentCache {
  private readonly limitBytes: number;
  private readonly messages = new Map<string, StoredMessage>();
  private bytes = 0;

  constructor(limitBytes: number) {
    this.limitBytes = limitBytes;
  }

  remember(name: string, m: OutgoingMessage): void {
    const size = cachedSize(m.body);
    if (this.limitBytes === 0 || this.bytes + size > this.limitBytes) return;
    this.messages.set(name, { body: m.body, attributes: m.attributes, receiveCount: 0, ...(m.groupId !== undefined ? { groupId: m.groupId } : {}) });
    this.bytes += size;
  }

  /** The message kept for a name, no longer kept; undefined when it must be read from its file. */
  take(name: string): StoredMessage | undefined {
    const m = this.messages.get(name);
    if (m === undefined) return undefined;
    this.messages.delete(name);
    this.bytes -= cachedSize(m.body);
    return m;
  }
}

function cachedSize(body: MessageBody): number {
  return typeof body === 'string' ? body.length * 2 : body.byteLength;
}
