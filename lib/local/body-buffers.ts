/**
 * Reused buffers for request bodies the local runner reads (http-body.ts): a body of many socket chunks is
 * copied into one buffer taken from here instead of a new Buffer.concat per request, and the buffer comes
 * back once the request is answered.
 *
 * Why: in the 5M-sample Influx bench every 1 MB body was concatenated into a fresh ArrayBuffer, 100 MiB of
 * garbage outside the V8 heap per run that stays resident until a collection frees it; ArrayBuffers were
 * 42-67 MiB of the gateway's peak RSS (bench/RESULTS.md, "Issue 14, part 7"). The socket's own chunks are still
 * allocated by Node per read.
 *
 * A buffer is handed out whole-or-nothing: sizes are powers of two from MIN_BYTES, and at most `keepBytes` of
 * idle buffers are kept (the rest is left to the collector). The runner gives a buffer back only after its
 * answer is written: nothing the ingest core returns holds a view of the body (queue messages, claim checks
 * and error texts are copies), which `poison` lets a test prove by overwriting every returned buffer.
 */
export const MIN_BYTES = 64 * 1024;

/** Idle bytes kept by default: four bodies of the bench's size in flight, well under a typical max_body_bytes. */
export const DEFAULT_KEEP_BYTES = 8 << 20;

export interface BodyBuffersOptions {
  /** Idle bytes kept at most (default DEFAULT_KEEP_BYTES); 0 keeps none. */
  keepBytes?: number;
  /** Overwrite each buffer given back with 0xEE bytes before keeping it (tests: a view kept past the answer reads garbage). */
  poison?: boolean;
}

export class BodyBuffers {
  private readonly idle: Buffer[] = [];
  private idleBytes = 0;
  private readonly keepBytes: number;
  private readonly poison: boolean;

  constructor(opts: BodyBuffersOptions = {}) {
    this.keepBytes = opts.keepBytes ?? DEFAULT_KEEP_BYTES;
    this.poison = opts.poison ?? false;
  }

  /** A buffer of at least `bytes` (its length is the size class: use a subarray). */
  take(bytes: number): Buffer {
    const size = sizeClass(bytes);
    // The smallest idle buffer that fits; the pool is a handful of buffers, so a scan is enough.
    let best = -1;
    for (let i = 0; i < this.idle.length; i++) {
      const len = this.idle[i]!.length;
      if (len >= size && (best < 0 || len < this.idle[best]!.length)) best = i;
    }
    if (best < 0) return Buffer.allocUnsafeSlow(size);
    const b = this.idle[best]!;
    this.idle[best] = this.idle[this.idle.length - 1]!;
    this.idle.pop();
    this.idleBytes -= b.length;
    return b;
  }

  /** Gives a buffer from take() back; kept if the idle bytes stay within keepBytes. */
  give(b: Buffer): void {
    if (this.poison) b.fill(0xee);
    if (this.idleBytes + b.length > this.keepBytes) return;
    this.idle.push(b);
    this.idleBytes += b.length;
  }

  /** Idle buffers and their bytes (tests, self-metrics). */
  stats(): { buffers: number; bytes: number } {
    return { buffers: this.idle.length, bytes: this.idleBytes };
  }
}

/** The power of two at least `bytes`, at least MIN_BYTES. */
export function sizeClass(bytes: number): number {
  let size = MIN_BYTES;
  while (size < bytes) size *= 2;
  return size;
}
