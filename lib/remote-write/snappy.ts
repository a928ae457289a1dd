import { snappyCompressor, snappyUncompressor } from 'hysnappy';
import { BadRequestError, PayloadTooLargeError } from '../errors.ts';
import { SnappyDecoder } from './snappy-decoder.ts';

/*
 * The codec is hysnappy: Google's snappy block format in C, compiled to WebAssembly and shipped inside its
 * JavaScript as base64, so it bundles into every Lambda chunk on any architecture (arm64 included) with no
 * native binary. Measured 6-8x snappyjs' speed on remote_write bodies (bench/RESULTS.md, issue 14 I/O).
 *
 * Each codec instance owns a WebAssembly memory that only grows. The compressor and hysnappy's decoder serve inputs up to
 * KEEP_BYTES of wasm memory; a larger body gets an instance of its own (~0.1 ms to create) that is garbage
 * once the call returns, so one huge request does not pin its size in the process for good.
 * snappyUncompress (queue messages, overflow objects: the caller keeps its copy) decodes with hysnappy as
 * packaged; snappyUncompressLeased (request bodies: read in place while the request lasts) with the same
 * WebAssembly instantiated by snappy-decoder.ts, whose memory the caller can read. Those decoders are pooled:
 * a lease takes one, and one given back is kept while the idle ones hold at most KEEP_BYTES of memory
 * together. At most MAX_LEASES are out at once: past that a lease is a copy (each WebAssembly memory
 * reserves gigabytes of address space, so thousands of requests in flight must not each hold one).
 * Instances are created on first use: importing this module costs no wasm compilation (Lambda init).
 */
const KEEP_BYTES = 16 << 20;
/** Decoders leased at once, at most; further leases decode into a copy of their own. */
export const MAX_LEASES = 64;
/** hysnappy places its input at 68,000 bytes into the wasm memory, after the C stack and tables. */
const WASM_BASE = 68_000;
/** Output bytes per input byte a snappy block can reach at most: 64 from a 3-byte copy tag (21.3), rounded up. */
export const MAX_EXPANSION = 22;

let compressor: ((input: Uint8Array) => Uint8Array) | undefined;
let uncompressor: ((input: Uint8Array, outputLength: number) => Uint8Array) | undefined;
const idleDecoders: SnappyDecoder[] = [];
let idleBytes = 0;
let leased = 0;

function takeDecoder(): SnappyDecoder {
  const d = idleDecoders.pop();
  if (d === undefined) return new SnappyDecoder();
  idleBytes -= d.memoryBytes;
  return d;
}

function giveDecoder(d: SnappyDecoder): void {
  const bytes = d.memoryBytes;
  if (idleBytes + bytes > KEEP_BYTES) return;
  idleBytes += bytes;
  idleDecoders.push(d);
}

/** Decoders idle in the pool, the wasm memory they hold, and decoders leased (tests). */
export function snappyDecoderPool(): { idle: number; bytes: number; leased: number } {
  return { idle: idleDecoders.length, bytes: idleBytes, leased };
}

/** Snappy block format (not framed), as remote_write 1.0 requires. */
export function snappyCompress(data: Uint8Array): Uint8Array {
  const need = WASM_BASE + data.length * 2 + (data.length >>> 2) + 1100;
  if (need > KEEP_BYTES) return sameKind(data, snappyCompressor()(data));
  compressor ??= snappyCompressor();
  return sameKind(data, compressor(data));
}

/**
 * Decompresses a block announcing `len` bytes into exactly `len` bytes of room, with `decode` (hysnappy's
 * uncompressor, or a pooled decoder's). The decoder (C snappy's checks, in WebAssembly's sandbox) refuses
 * every block snappyBlockProblem refuses and accepts every block it accepts
 * (test/unit/remote-write/snappy.test.ts checks both ways on corrupted, truncated and random blocks): a
 * literal or copy past the room, a copy offset of 0 or before the start, a block shorter than announced.
 * Each tag consumes input, so a hostile block ends in one pass over it.
 */
function decodeChecked(decode: (input: Uint8Array, len: number) => Uint8Array, data: Uint8Array, len: number, what: string): Uint8Array {
  try {
    return decode(data, len);
  } catch (err) {
    // The walk runs only for a block the decoder refused, to name the tag and the reason.
    const problem = snappyBlockProblem(data, len);
    throw new BadRequestError(`${what}: body is not valid snappy block data: ${problem ?? (err as Error).message}`);
  }
}

/** hysnappy's uncompressor: the shared instance up to KEEP_BYTES of wasm memory, an instance of its own past that. */
function uncompressCopy(data: Uint8Array, len: number): Uint8Array {
  if (WASM_BASE + data.length + len > KEEP_BYTES) return snappyUncompressor()(data, len);
  uncompressor ??= snappyUncompressor();
  return uncompressor(data, len);
}

/**
 * The result as the kind of array the input was, as snappyjs returned it: a Buffer for a Buffer (request
 * bodies; decoders read strings with Buffer's methods), a view of the codec's copy, never a second copy.
 */
function sameKind(input: Uint8Array, out: Uint8Array): Uint8Array {
  return Buffer.isBuffer(input) ? Buffer.from(out.buffer, out.byteOffset, out.byteLength) : out;
}

/**
 * The uncompressed length a snappy block announces in its header, or undefined when the header is not a
 * valid varint. Read before decompressing so an oversized body is refused without allocating it.
 */
export function snappyDecodedLength(data: Uint8Array): number | undefined {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 5 && i < data.length; i++) {
    const c = data[i]!;
    result += (c & 0x7f) * 2 ** shift;
    if (c < 0x80) return result;
    shift += 7;
  }
  return undefined;
}

/**
 * The length a block announces, once it is one this process will decode: 400 for a header that is not a
 * varint, 413 over `maxBytes` (before allocating), 400 over MAX_EXPANSION times the block's size.
 */
function checkedLength(data: Uint8Array, maxBytes: number, what: string): number {
  const len = snappyDecodedLength(data);
  if (len === undefined) throw new BadRequestError(`${what}: body is not snappy-compressed (invalid block header)`);
  if (len > maxBytes) {
    throw new PayloadTooLargeError(`${what}: decompressed body of ${len} bytes exceeds max_decompressed_body_bytes=${maxBytes}`);
  }
  // No tag writes more than 64 bytes for 3 of input (a 2-byte-offset copy), so a block announcing more than
  // MAX_EXPANSION times its size cannot fill it: refused before any output memory is grown (a 50-byte body
  // announcing 64 MiB is not worth a 64 MiB allocation; the walk refused it before decoding too).
  if (len > data.length * MAX_EXPANSION) {
    throw new BadRequestError(`${what}: body is not valid snappy block data: the header announces ${len} bytes, more than a block of ${data.length} bytes can hold (${MAX_EXPANSION}x)`);
  }
  return len;
}

/**
 * Decompresses a snappy block, refusing (413) an announced length over `maxBytes` before allocating, and
 * answering 400 for bytes that are not snappy. `what` names the protocol for messages. The result is the
 * caller's own (a Buffer for a Buffer, as snappyjs returned it); snappyUncompressLeased reads in place.
 */
export function snappyUncompress(data: Uint8Array, maxBytes: number, what: string): Uint8Array {
  const len = checkedLength(data, maxBytes, what);
  return sameKind(data, decodeChecked(uncompressCopy, data, len, what));
}

/** A decoded body in a pooled decoder's memory: `bytes` may be read until `release()`, never after. */
export interface SnappyLease {
  readonly bytes: Uint8Array;
  /** Gives the decoder back (its memory then serves the next body); a second call does nothing. */
  release(): void;
}

/**
 * snappyUncompress without the copy: the decoded bytes stay in the decoder's WebAssembly memory, which the
 * lease holds until release() (no other call decodes into it meanwhile, whatever runs in between). The
 * caller must not keep `bytes`, or any view of them, past release(), and must release every lease (one
 * never released counts against MAX_LEASES for good; past MAX_LEASES a lease is a copy). Same errors as
 * snappyUncompress; on an error nothing is leased. `bytes` is a Buffer for a Buffer input.
 */
export function snappyUncompressLeased(data: Uint8Array, maxBytes: number, what: string): SnappyLease {
  if (leased >= MAX_LEASES) return { bytes: snappyUncompress(data, maxBytes, what), release: () => {} };
  const len = checkedLength(data, maxBytes, what);
  const d = takeDecoder();
  let out: Uint8Array;
  try {
    out = decodeChecked(d.decode, data, len, what);
  } catch (err) {
    giveDecoder(d);
    throw err;
  }
  leased++;
  let held = true;
  return {
    bytes: Buffer.isBuffer(data) ? Buffer.from(out.buffer, out.byteOffset, out.byteLength) : out,
    release: () => {
      if (!held) return;
      held = false;
      leased--;
      giveDecoder(d);
    },
  };
}

/**
 * Walks the tags of a snappy block without copying and says what is wrong with it, or undefined: every
 * literal and copy bounded by the announced length, the block filling it. Run for a block the decoder
 * refused, so the answer to a bad body names the tag and the reason (it ran before every decode until the
 * decoder was measured to refuse exactly the same blocks: 3% of the forward path's main thread). Cost: one
 * step per tag.
 */
export function snappyBlockProblem(data: Uint8Array, announced: number): string | undefined {
  let pos = 0;
  while (data[pos]! >= 0x80) pos++;
  pos++;
  let out = 0;
  const n = data.length;
  while (pos < n) {
    const c = data[pos++]!;
    const kind = c & 3;
    let len: number;
    if (kind === 0) {
      len = (c >>> 2) + 1;
      if (len > 60) {
        const extra = len - 60;
        if (pos + extra > n) return `truncated literal length at byte ${pos}`;
        len = 0;
        for (let i = 0; i < extra; i++) len += data[pos + i]! * 2 ** (8 * i);
        len += 1;
        pos += extra;
      }
      if (pos + len > n) return `literal of ${len} bytes at byte ${pos} runs past the end`;
      pos += len;
    } else {
      let offset: number;
      if (kind === 1) {
        if (pos + 1 > n) return `truncated copy at byte ${pos}`;
        len = ((c >>> 2) & 7) + 4;
        offset = data[pos]! + ((c >>> 5) << 8);
        pos += 1;
      } else if (kind === 2) {
        if (pos + 2 > n) return `truncated copy at byte ${pos}`;
        len = (c >>> 2) + 1;
        offset = data[pos]! + data[pos + 1]! * 256;
        pos += 2;
      } else {
        if (pos + 4 > n) return `truncated copy at byte ${pos}`;
        len = (c >>> 2) + 1;
        offset = data[pos]! + data[pos + 1]! * 256 + data[pos + 2]! * 65536 + data[pos + 3]! * 16777216;
        pos += 4;
      }
      if (offset === 0 || offset > out) return `copy offset ${offset} out of range at byte ${pos}`;
    }
    out += len;
    if (out > announced) return `decoded data exceeds the announced ${announced} bytes`;
  }
  if (out !== announced) return `decoded ${out} bytes but the header announced ${announced}`;
  return undefined;
}
