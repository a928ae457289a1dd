import { ProtoReader } from '../codec/proto/reader.ts';
import { BadRequestError } from '../errors.ts';
import type { BucketSpan } from '../model/types.ts';

/**
 * Low-level protobuf readers shared by the remote_write 1.0 and 2.0 decoders: bounds checks, skipping
 * unknown fields, doubles read bit-exact (staleness markers keep their NaN payload), 64-bit integers as
 * JavaScript numbers, packed repeated fields and histogram spans, on the shared wire reader
 * (lib/codec/proto/reader.ts). Strings are read leniently, as Buffer#toString reads them (invalid UTF-8
 * becomes U+FFFD; what protobufjs gave for a Buffer body): `textAt`, `readText`.
 */
/** A scratch double and its bytes: reads a double's exact bits (never held across calls). */
const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);

/** Node's native copies: Latin-1 (for ASCII bytes it is the string) and UTF-8 with U+FFFD for invalid bytes; any Uint8Array. */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice;
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice(this: Uint8Array, start: number, end: number): string }).utf8Slice;

/** The string b[p, end): short ASCII through the Latin-1 copy, anything else as UTF-8 with U+FFFD for invalid bytes. */
export function textAt(b: Uint8Array, p: number, end: number): string {
  if (end - p <= 64) {
    let i = p;
    while (i < end && b[i]! < 0x80) i++;
    if (i === end) return latin1Slice.call(b, p, end);
  }
  return utf8Slice.call(b, p, end);
}

/** A length-delimited string field (its tag read), leniently decoded (textAt). */
export function readText(r: ProtoReader): string {
  const n = r.uint32();
  const p = r.pos;
  checkEnd(r, p + n);
  r.pos = p + n;
  return n === 0 ? '' : textAt(r.buf, p, p + n);
}

export function checkEnd(r: ProtoReader, end: number): void {
  if (end > r.len) throw new BadRequestError(`remote_write: cannot decode protobuf at byte ${r.pos}: length ${end - r.pos} runs past the end of the body`);
}

export function skip(r: ProtoReader, tag: number): void {
  const wire = tag & 7;
  if (tag >>> 3 === 0 || wire === 3 || wire === 4 || wire > 5) {
    throw new BadRequestError(`remote_write: cannot decode protobuf at byte ${r.pos}: invalid tag ${tag}`);
  }
  if (wire === 2) {
    const n = r.uint32();
    checkEnd(r, r.pos + n);
    r.pos += n;
  } else if (wire === 0) {
    r.varint64();
  } else {
    const n = wire === 1 ? 8 : 4;
    if (r.pos + n > r.len) throw new BadRequestError(`remote_write: cannot decode protobuf at byte ${r.pos}: truncated ${wire === 1 ? 'fixed64' : 'fixed32'} field`);
    r.pos += n;
  }
}

export function overrun(r: ProtoReader, end: number): void {
  if (r.pos !== end) throw new BadRequestError(`remote_write: cannot decode protobuf at byte ${r.pos}: field overruns its message`);
}

export function isStaleBits(b: Uint8Array, p: number): boolean {
  return b[p] === 2 && b[p + 1] === 0 && b[p + 2] === 0 && b[p + 3] === 0 && b[p + 4] === 0 && b[p + 5] === 0 && b[p + 6] === 0xf0 && b[p + 7] === 0x7f;
}

export function readDoubleAt(b: Uint8Array, p: number): number {
  for (let i = 0; i < 8; i++) f64b[i] = b[p + i]!;
  return f64[0]!;
}

export function readDouble(r: ProtoReader, end: number): number {
  const p = r.pos;
  if (p + 8 > end) throw new BadRequestError(`remote_write: cannot decode protobuf at byte ${p}: truncated double`);
  r.pos = p + 8;
  return readDoubleAt(r.buf, p);
}

export function readSpan(r: ProtoReader): BucketSpan {
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

export function readPackedSint64(r: ProtoReader, out: number[]): void {
  const end = r.uint32() + r.pos;
  checkEnd(r, end);
  while (r.pos < end) out.push(readSint64(r));
  overrun(r, end);
}

export function readPackedDouble(r: ProtoReader, out: number[]): void {
  const end = r.uint32() + r.pos;
  checkEnd(r, end);
  if ((end - r.pos) % 8 !== 0) throw new BadRequestError(`remote_write: cannot decode protobuf at byte ${r.pos}: packed doubles of ${end - r.pos} bytes`);
  while (r.pos < end) out.push(readDouble(r, end));
}

export function readSint64(r: ProtoReader): number {
  const n = readInt64(r);
  if (n >= 0) return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  // Two's complement readings above 2^63: only reachable for |value| >= 2^62, far beyond exact numbers.
  const u = BigInt.asUintN(64, BigInt(n));
  return Number((u >> 1n) ^ -(u & 1n));
}

export function readUint64(r: ProtoReader): number {
  const n = readInt64(r);
  return n >= 0 ? n : Number(BigInt.asUintN(64, BigInt(n)));
}

/** Reads an int64 varint as a JavaScript number (exact up to 2^53; remote_write timestamps are ms). */
export function readInt64(r: ProtoReader): number {
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

export function readInt64Big(r: ProtoReader): number {
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
