import zlib from 'node:zlib';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.ts';
import { snappyUncompress, snappyUncompressLeased } from '../remote-write/snappy.ts';

export type ContentEncoding = 'identity' | 'gzip' | 'deflate' | 'snappy' | 'zstd';

/** Maps a Content-Encoding header to a supported encoding; 415 for anything else. */
export function parseContentEncoding(header: string | undefined, protocol: string): ContentEncoding {
  const v = (header ?? '').trim().toLowerCase();
  switch (v) {
    case '':
    case 'identity':
      return 'identity';
    case 'gzip':
    case 'x-gzip':
      return 'gzip';
    case 'deflate':
      return 'deflate';
    case 'snappy':
      return 'snappy';
    case 'zstd':
      return 'zstd';
    default:
      throw new UnsupportedMediaTypeError(`${protocol}: unsupported Content-Encoding ${JSON.stringify(v.slice(0, 100))} (supported: gzip, deflate, snappy, zstd)`);
  }
}

/**
 * Undoes a Content-Encoding, never producing more than maxBytes (413 naming the limit otherwise) and
 * answering 400 when the bytes are not in the announced encoding.
 */
export function decompressBody(body: Uint8Array, encoding: ContentEncoding, maxBytes: number, protocol: string): Uint8Array {
  if (encoding === 'identity') {
    if (body.length > maxBytes) throw tooLarge(protocol, body.length, maxBytes);
    return body;
  }
  if (encoding === 'snappy') return snappyUncompress(body, maxBytes, protocol);
  const opts = { maxOutputLength: maxBytes };
  try {
    switch (encoding) {
      case 'gzip':
        return zlib.gunzipSync(body, opts);
      case 'deflate':
        // RFC 9110 deflate is zlib-wrapped; some clients send raw deflate, which zlib's header check rejects.
        return body.length >= 2 && (body[0]! & 0x0f) === 8 && ((body[0]! << 8) | body[1]!) % 31 === 0 ? zlib.inflateSync(body, opts) : zlib.inflateRawSync(body, opts);
      case 'zstd':
        return zlib.zstdDecompressSync(body, opts);
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) throw tooLarge(protocol, undefined, maxBytes);
    throw new BadRequestError(`${protocol}: cannot decompress ${encoding} body: ${e.message}`);
  }
}

/** A request's decompressed body, readable until release() (decompressBodyScoped). */
export interface ScopedBody {
  readonly body: Uint8Array;
  /** The request is done with `body` and every view of it; a second call does nothing. */
  release(): void;
}

const NOTHING_HELD = (): void => {};

/**
 * decompressBody for a caller that says when it is done with the bytes: a snappy body (remote_write's) is
 * decoded into a pooled WebAssembly decoder and read there in place until release(), instead of being copied
 * into a fresh buffer per request (snappyUncompressLeased); the other encodings give their own buffers and
 * release() does nothing. The ingest pipeline releases when its answer is ready: nothing it or a route
 * keeps past that may be a view of the body (parsers copy what they keep into strings and batches).
 */
export function decompressBodyScoped(body: Uint8Array, encoding: ContentEncoding, maxBytes: number, protocol: string): ScopedBody {
  if (encoding !== 'snappy') return { body: decompressBody(body, encoding, maxBytes, protocol), release: NOTHING_HELD };
  const lease = snappyUncompressLeased(body, maxBytes, protocol);
  return { body: lease.bytes, release: lease.release };
}

function tooLarge(protocol: string, size: number | undefined, max: number): PayloadTooLargeError {
  const what = size === undefined ? 'decompressed body' : `body of ${size} bytes`;
  return new PayloadTooLargeError(`${protocol}: ${what} exceeds max_decompressed_body_bytes=${max}`);
}
