import protobuf from 'protobufjs/minimal.js';
import { BadRequestError } from '../errors.ts';
import type { BucketSpan } from '../model/types.ts';

/**
 * Low-level protobuf readers shared by the remote_write 1.0 and 2.0 decoders: bounds checks, skipping
 * unknown fields, doubles read bit-exact (staleness markers keep their NaN payload), 64-bit integers as
 * JavaScript numbers, packed repeated fields and histogram spans.
 */
/** A scratch double and its bytes: reads a double's exact bits (never held across calls). */
const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);

export function checkEnd(r: protobuf.Reader, end: number): void {
  if (end > r.len) throw new BadRequestError(`remote_write: cannot decode protobuf at byte ${r.pos}: length ${end - r.pos} runs past the end of the body`);
}

export function skip(r: protobuf.Reader, tag: number): void {
  const wire = tag & 7;
  if (tag >>> 3 === 0 || wire === 3 || wire === 4 || wire > 5) {
    throw new BadRequestError(`remote_write: cannot decode protobuf at byte ${r.pos}: invalid tag ${tag}`);
  }
  if (wire === 2) {
    const n = r.uint32();
    checkEnd(r, r.pos + n);
    r.skip(n);
  } else {
    r.skipType(wire);
  }
}

export function overrun(r: protobuf.Reader, end: number): void {
  if (r.pos !== end) throw new BadRequestError(`remote_write: cannot decode protobuf at byte ${r.pos}: field overruns its message`);
}

export function isStaleBits(b: Uint8Array, p: number): boolean {
  return b[p] === 2 && b[p + 1] === 0 && b[p + 2] === 0 && b[p + 3] === 0 && b[p + 4] === 0 && b[p + 5] === 0 && b[p + 6] === 0xf0 && b[p + 7] === 0x7f;
}

export function readDoubleAt(b: Uint8Array, p: number): number {
  for (let i = 0; i < 8; i++) f64b[i] = b[p + i]!;
  return f64[0]!;
}

export function readDouble(r: protobuf.Reader, end: number): number {
  const p = r.pos;
  if (p + 8 > end) throw new BadRequestError(`remote_write: cannot decode protobuf at byte ${p}: truncated double`);
  r.pos = p + 8;
  return readDoubleAt(r.buf, p);
}

export function readSpan(r: protobuf.Reader): BucketSpan {
  const end = r.uint32() + r.pos;
  checkEnd(r, end);
  const s: BucketSpan = { offset: 0, length: 0 };
  while (r.pos < end) {
    const t = r.uint32();
    if (t === 0x08) s.offset = r.sint32();
    else if (t === 0x10) s.length = r.uint32();
    else skip(r, t);
  }
  overrun(r, end);
  return s;
}

export function readPackedSint64(r: protobuf.Reader, out: number[]): void {
  const end = r.uint32() + r.pos;
  checkEnd(r, end);
  while (r.pos < end) out.push(readSint64(r));
  overrun(r, end);
}

export function readPackedDouble(r: protobuf.Reader, out: number[]): void {
  const end = r.uint32() + r.pos;
  checkEnd(r, end);
  if ((end - r.pos) % 8 !== 0) throw new BadRequestError(`remote_write: cannot decode protobuf at byte ${r.pos}: packed doubles of ${end - r.pos} bytes`);
  while (r.pos < end) out.push(readDouble(r, end));
}

export function readSint64(r: protobuf.Reader): number {
  const n = readInt64(r);
  if (n >= 0) return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  // Two's complement readings above 2^63: only reachable for |value| >= 2^62, far beyond exact numbers.
  const u = BigInt.asUintN(64, BigInt(n));
  return Number((u >> 1n) ^ -(u & 1n));
}

export function readUint64(r: protobuf.Reader): number {
  const n = readInt64(r);
  return n >= 0 ? n : Number(BigInt.asUintN(64, BigInt(n)));
}

/** Reads an int64 varint as a JavaScript number (exact up to 2^53; remote_write timestamps are ms). */
export function readInt64(r: protobuf.Reader): number {
  const b = r.buf;
  let p = r.pos;
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (p >= r.len) throw new BadRequestError(`remote_write: cannot decode protobuf at byte ${p}: truncated varint`);
    const c = b[p++]!;
    if (i === 9 || (i >= 7 && c >= 0x80)) {
      // Negative (two's complement, 10 bytes) or beyond 2^53: take the slow exact path.
      r.pos = p - i - 1;
      return readInt64Big(r);
    }
    result += (c & 0x7f) * mul;
    if (c < 0x80) {
      r.pos = p;
      return result;
    }
    mul *= 128;
  }
  return result;
}

export function readInt64Big(r: protobuf.Reader): number {
  let v = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (r.pos >= r.len) throw new BadRequestError(`remote_write: cannot decode protobuf at byte ${r.pos}: truncated varint`);
    const c = r.buf[r.pos++]!;
    v |= BigInt(c & 0x7f) << shift;
    if (c < 0x80) return Number(BigInt.asIntN(64, v));
    shift += 7n;
  }
  throw new BadRequestError(`remote_write: cannot decode protobuf at byte ${r.pos}: varint longer than 10 bytes`);
}
