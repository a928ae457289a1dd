import type { BlobInfo, BlobStore, Clock, Logger, MessageQueue, OutgoingMessage } from '../../lib/ports/index.ts';

/** A queue that keeps what it is sent; `failWith` makes send() throw. */
/** A MessageQueue in memory that keeps what it is sent as SQS carries it: a bytes body as its base64 text. */
export class MemoryQueue implements MessageQueue {
  readonly sent: OutgoingMessage[] = [];
  failWith: Error | undefined;
  readonly maxMessageBytes: number;
  constructor(maxMessageBytes = 256 * 1024) {
    this.maxMessageBytes = maxMessageBytes;
  }
  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.failWith) throw this.failWith;
    for (const m of messages) this.sent.push(typeof m.body === 'string' ? m : { ...m, body: Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength).toString('base64') });
  }
}

export class MemoryBlobStore implements BlobStore {
  readonly objects = new Map<string, { body: Uint8Array; metadata: Record<string, string> }>();
  /** When set, put() throws it (to simulate an S3 outage). */
  failPuts: Error | undefined;
  async put(key: string, body: Uint8Array, metadata: Record<string, string> = {}): Promise<void> {
    if (this.failPuts) throw this.failPuts;
    this.objects.set(key, { body, metadata });
  }
  async get(key: string) {
    return this.objects.get(key);
  }
  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
  async list(prefix: string, opts: { startAfter?: string; limit?: number } = {}): Promise<BlobInfo[]> {
    return [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix) && (opts.startAfter === undefined || k > opts.startAfter))
      .sort()
      .slice(0, opts.limit ?? 1000)
      .map((key) => ({ key, size: this.objects.get(key)!.body.length }));
  }
  keys(prefix = ''): string[] {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

/** A clock that only moves when slept on or advanced: retry tests run instantly and deterministically. */
export class FakeClock implements Clock {
  t: number;
  constructor(t = 1_700_000_000_000) {
    this.t = t;
  }
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.t += ms;
  }
}

export class MemoryLogger implements Logger {
  readonly lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  debug(msg: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'debug', msg, ...(fields ? { fields } : {}) });
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'info', msg, ...(fields ? { fields } : {}) });
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'warn', msg, ...(fields ? { fields } : {}) });
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'error', msg, ...(fields ? { fields } : {}) });
  }
}
