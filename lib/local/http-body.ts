import type http from 'node:http';
import type { BodyBuffers } from './body-buffers.ts';

/**
 * What readCappedBody saw: the whole body, more than maxBytes, or a client that went away. `release` gives the
 * body's buffer back to the BodyBuffers it came from: call it once the request is answered, and do not read
 * the body afterwards.
 */
export type BodyRead = { kind: 'body'; body: Buffer; release: () => void } | { kind: 'too-large'; received: number } | { kind: 'aborted' };

const NOTHING = (): void => {};

/**
 * The declared Content-Length when it exceeds maxBytes (the request is refused before any of its body is
 * read), else undefined. Node's parser has already rejected malformed or conflicting Content-Length headers,
 * and a Transfer-Encoding: chunked request has none.
 */
export function declaredTooLarge(req: http.IncomingMessage, maxBytes: number): number | undefined {
  const cl = req.headers['content-length'];
  if (cl === undefined) return undefined;
  const n = Number(cl);
  return Number.isFinite(n) && n > maxBytes ? n : undefined;
}

/**
 * Reads a request body of at most maxBytes, whatever its chunking (one write, many small writes,
 * Transfer-Encoding: chunked). As soon as more than maxBytes have arrived it stops reading and resolves
 * `too-large`: nothing of the body is kept and the rest is never read (the caller answers 413 with
 * `Connection: close`, and Node destroys the socket once the answer is written). Holds at most maxBytes
 * plus one socket chunk (twice that while a growing buffer is copied into its successor).
 *
 * A body that arrives in one chunk is that chunk. With `buffers`, a body of several chunks is copied into a
 * buffer taken from them (sized by its Content-Length when it has one, else grown by doubling) instead of
 * concatenated into a new one; without, Buffer.concat.
 */
export function readCappedBody(req: http.IncomingMessage, maxBytes: number, buffers?: BodyBuffers): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    /** The pooled buffer the chunks are copied into, once a second chunk arrives (with `buffers`). */
    let into: Buffer | undefined;
    const declared = Number(req.headers['content-length']);
    const done = (r: BodyRead): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('aborted', onAborted);
      resolve(r);
    };
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > maxBytes) {
        req.pause();
        chunks.length = 0;
        giveBack();
        done({ kind: 'too-large', received: size });
        return;
      }
      if (buffers === undefined || (into === undefined && chunks.length === 0)) {
        chunks.push(c);
        return;
      }
      const have = size - c.length;
      if (into === undefined) {
        into = buffers.take(Number.isSafeInteger(declared) && declared >= size ? declared : 2 * size);
        chunks[0]!.copy(into, 0);
        chunks.length = 0;
      } else if (size > into.length) {
        const bigger = buffers.take(2 * size);
        into.copy(bigger, 0, 0, have);
        buffers.give(into);
        into = bigger;
      }
      c.copy(into, have);
    };
    const giveBack = (): void => {
      if (into !== undefined) buffers!.give(into);
      into = undefined;
    };
    const onEnd = (): void => {
      if (into !== undefined) {
        const b = into;
        // The body's now: a late 'error' (a reset after the answer) must not give it back (giveBack).
        into = undefined;
        let held = true;
        done({
          kind: 'body',
          body: b.subarray(0, size),
          release: () => {
            if (held) buffers!.give(b);
            held = false;
          },
        });
        return;
      }
      done({ kind: 'body', body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), release: NOTHING });
    };
    const onAborted = (): void => {
      giveBack();
      done({ kind: 'aborted' });
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onAborted);
    // Stays attached: a reset after the answer must not become an unhandled 'error' event.
    req.on('error', onAborted);
  });
}
