import type http from 'node:http';

/** What readCappedBody saw: the whole body, more than maxBytes, or a client that went away. */
export type BodyRead = { kind: 'body'; body: Buffer } | { kind: 'too-large'; received: number } | { kind: 'aborted' };

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
 * plus one socket chunk.
 */
export function readCappedBody(req: http.IncomingMessage, maxBytes: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
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
        done({ kind: 'too-large', received: size });
        return;
      }
      chunks.push(c);
    };
    const onEnd = (): void => done({ kind: 'body', body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    const onAborted = (): void => done({ kind: 'aborted' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onAborted);
    // Stays attached: a reset after the answer must not become an unhandled 'error' event.
    req.on('error', onAborted);
  });
}
