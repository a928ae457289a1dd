import snappy from 'snappyjs';
import { BadRequestError, PayloadTooLargeError } from '../errors.ts';

/** Snappy block format (not framed), as remote_write 1.0 requires. */
export function snappyCompress(data: Uint8Array): Uint8Array {
  return snappy.compress(data);
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
 * Decompresses a snappy block, refusing (413) an announced length over `maxBytes` before allocating, and
 * answering 400 for bytes that are not snappy. `what` names the protocol for messages.
 */
export function snappyUncompress(data: Uint8Array, maxBytes: number, what: string): Uint8Array {
  const len = snappyDecodedLength(data);
  if (len === undefined) throw new BadRequestError(`${what}: body is not snappy-compressed (invalid block header)`);
  if (len > maxBytes) {
    throw new PayloadTooLargeError(`${what}: decompressed body of ${len} bytes exceeds max_decompressed_body_bytes=${maxBytes}`);
  }
  const problem = snappyBlockProblem(data, len);
  if (problem) throw new BadRequestError(`${what}: body is not valid snappy block data: ${problem}`);
  try {
    return snappy.uncompress(data, maxBytes);
  } catch (err) {
    throw new BadRequestError(`${what}: body is not valid snappy block data: ${(err as Error).message}`);
  }
}

/**
 * Walks the tags of a snappy block without copying and says what is wrong with it, or undefined.
 * snappyjs trusts the lengths it reads: a hostile literal length makes it loop for billions of iterations
 * and output past the announced length is silently discarded. This pass bounds every literal and copy by the
 * announced length, so snappyjs only ever sees well-formed input. Cost: one step per tag.
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
