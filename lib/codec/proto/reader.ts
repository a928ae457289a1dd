/**
 * A protobuf wire-format reader for the hand-written decoders (OTLP, DataDog, client_model): bytes in,
 * JavaScript values out, nothing allocated but the values asked for. 64-bit integers come out as numbers
 * (exact up to 2^53; fixed64 nanosecond timestamps straight to exact milliseconds), never as Long objects.
 *
 * Contract: every read is bounded by `len`, the end of the message being read (`enter`/`leave` narrow and
 * restore it), so a length prefix that lies is caught where it is read. Malformed bytes throw `ProtoError`
 * (a reason and the byte offset); decoders catch it and answer with their protocol's BadRequestError.
 * Strings are UTF-8 checked (invalid UTF-8 throws, as protobufjs' proto3 decoding did). `bytes()` returns a
 * view of the input, valid only while the input is.
 */
export class ProtoError extends Error {
  readonly pos: number;
  constructor(reason: string, pos: number) {
    super(reason);
    this.pos = pos;
  }
}

/** Nesting limit for groups skipped as unknown fields (protoc's and protobufjs' default recursion limit). */
export const MAX_GROUP_DEPTH = 100;

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_START_GROUP = 3;
const WIRE_END_GROUP = 4;
const WIRE_I32 = 5;

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Node's native Latin-1 copy; for ASCII bytes it is the string. Works on any Uint8Array. */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice;
/** Scratch double for bit-exact reads (never held across calls). */
const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);

export class ProtoReader {
  buf: Uint8Array;
  pos: number;
  /** End of the message being read: reads past it throw. */
  len: number;
  /** The halves of the last `varint64()`, unsigned 32-bit each. */
  lo = 0;
  hi = 0;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.pos = 0;
    this.len = buf.length;
  }

  fail(reason: string): never {
    throw new ProtoError(reason, this.pos);
  }

  /** A varint's low 32 bits (the rest of up to 10 bytes is read and dropped, as protobuf's uint32/int32/enum). */
  uint32(): number {
    const b = this.buf;
    let p = this.pos;
    if (p < this.len && b[p]! < 0x80) {
      this.pos = p + 1;
      return b[p]!;
    }
    let v = 0;
    for (let i = 0; i < 10; i++) {
      if (p >= this.len) this.fail('truncated varint');
      const c = b[p++]!;
      if (i < 5) v |= (c & 0x7f) << (7 * i);
      if (c < 0x80) {
        this.pos = p;
        return v >>> 0;
      }
    }
    this.fail('varint longer than 10 bytes');
  }

  int32(): number {
    return this.uint32() | 0;
  }

  sint32(): number {
    const v = this.uint32();
    return (v >>> 1) ^ -(v & 1);
  }

  bool(): boolean {
    this.varint64();
    return (this.lo | this.hi) !== 0;
  }

  /** Reads a varint of up to 64 bits into `lo`/`hi`. */
  varint64(): void {
    const b = this.buf;
    let p = this.pos;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (p >= this.len) this.fail('truncated varint');
      const c = b[p++]!;
      if (i < 4) lo |= (c & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (c & 0x0f) << 28;
        hi |= (c & 0x7f) >>> 4;
      } else hi |= (c & 0x7f) << (7 * i - 32);
      if (c < 0x80) {
        this.pos = p;
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return;
      }
    }
    this.fail('varint longer than 10 bytes');
  }

  /** int64 as a number (two's complement; beyond 2^53 rounded, as Long#toNumber). */
  int64(): number {
    this.varint64();
    return (this.hi | 0) * 4294967296 + this.lo;
  }

  /** uint64 as a number (beyond 2^53 rounded). */
  uint64(): number {
    this.varint64();
    return this.hi * 4294967296 + this.lo;
  }

  /** sint64 (zigzag) as a number. */
  sint64(): number {
    this.varint64();
    const neg = this.lo & 1;
    let lo = ((this.lo >>> 1) | (this.hi << 31)) >>> 0;
    let hi = this.hi >>> 1;
    if (neg) {
      lo = ~lo >>> 0;
      hi = ~hi >>> 0;
    }
    return (hi | 0) * 4294967296 + lo;
  }

  /** int64 as exact decimal text (what Long#toString gives). */
  int64String(): string {
    this.varint64();
    if (this.hi < 0x200000) return String(this.hi * 4294967296 + this.lo);
    return BigInt.asIntN(64, (BigInt(this.hi) << 32n) | BigInt(this.lo)).toString();
  }

  /** Reads 8 little-endian bytes into `lo`/`hi`. */
  fixed64(): void {
    const p = this.pos;
    if (p + 8 > this.len) this.fail('truncated fixed64');
    const b = this.buf;
    this.lo = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
    this.hi = (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24)) >>> 0;
    this.pos = p + 8;
  }

  /** fixed64 as a number (beyond 2^53 rounded). */
  fixed64Number(): number {
    this.fixed64();
    return this.hi * 4294967296 + this.lo;
  }

  /** sfixed64 as a number. */
  sfixed64Number(): number {
    this.fixed64();
    return (this.hi | 0) * 4294967296 + this.lo;
  }

  /** fixed64 nanoseconds since the epoch as milliseconds, exact (floor), without a 64-bit intermediate. */
  fixed64NanosToMillis(): number {
    this.fixed64();
    // hi * 2^32 = hi * 4294 * 1e6 + hi * 967296; every term stays below 2^53.
    return this.hi * 4294 + Math.floor((this.hi * 967296 + this.lo) / 1e6);
  }

  double(): number {
    const p = this.pos;
    if (p + 8 > this.len) this.fail('truncated double');
    const b = this.buf;
    for (let i = 0; i < 8; i++) f64b[i] = b[p + i]!;
    this.pos = p + 8;
    return f64[0]!;
  }

  /** A length prefix (at most 5 bytes, as protobufjs reads it); the bytes must follow within the message. */
  length(): number {
    const start = this.pos;
    const n = this.uint32();
    if (this.pos - start > 5) this.fail('invalid length encoding');
    if (n > this.len - this.pos) this.fail(`length ${n} runs past the end of the message (${this.len - this.pos} bytes left)`);
    return n;
  }

  /** Enters a length-delimited sub-message: returns the outer end to hand back to `leave`. */
  enter(): number {
    const n = this.length();
    const outer = this.len;
    this.len = this.pos + n;
    return outer;
  }

  /** Leaves a sub-message entered with `enter` (its reads stopped at its end, so pos is there). */
  leave(outer: number): void {
    this.len = outer;
  }

  string(): string {
    const n = this.length();
    const b = this.buf;
    const p = this.pos;
    const end = p + n;
    this.pos = end;
    if (n === 0) return '';
    if (n <= 64) {
      // Short ASCII (names, label values, attribute keys): one native copy, no decoder call.
      for (let i = p; i < end; i++) if (b[i]! >= 0x80) return this.utf8(p, end);
      return latin1Slice.call(b, p, end);
    }
    return this.utf8(p, end);
  }

  private utf8(p: number, end: number): string {
    try {
      return strict.decode(this.buf.subarray(p, end));
    } catch {
      this.pos = p;
      return this.fail('string is not valid UTF-8');
    }
  }

  bytes(): Uint8Array {
    const n = this.length();
    const p = this.pos;
    this.pos = p + n;
    return this.buf.subarray(p, p + n);
  }

  /**
   * Skips the field whose tag was just read, for every wire type (groups included, nested up to
   * MAX_GROUP_DEPTH): an unknown field, or a known one sent with another wire type than its own (protobufjs
   * and protoc skip those too). Field number 0, a stray end-group and wire types 6 and 7 are malformed.
   */
  skip(tag: number, depth = 0): void {
    if (tag >>> 3 === 0) this.fail('invalid tag (field number 0)');
    switch (tag & 7) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_I64:
        this.advance(8);
        return;
      case WIRE_LEN:
        this.advance(this.length());
        return;
      case WIRE_I32:
        this.advance(4);
        return;
      case WIRE_START_GROUP: {
        if (depth >= MAX_GROUP_DEPTH) this.fail(`groups nested deeper than ${MAX_GROUP_DEPTH}`);
        for (;;) {
          if (this.pos >= this.len) this.fail('unterminated group');
          const t = this.uint32();
          if ((t & 7) === WIRE_END_GROUP) {
            if (t >>> 3 !== tag >>> 3) this.fail('end group tag does not match its start');
            return;
          }
          this.skip(t, depth + 1);
        }
      }
      case WIRE_END_GROUP:
        this.fail('end group without a start');
      default:
        this.fail(`invalid wire type ${tag & 7}`);
    }
  }

  private advance(n: number): void {
    if (n > this.len - this.pos) this.fail(`field of ${n} bytes runs past the end of the message`);
    this.pos += n;
  }
}

/**
 * A repeated numeric field, packed (one length-delimited run) or not (one value per tag): protobuf parsers
 * must accept both. `wire` is the tag's wire type; `read` reads one value. A packed run whose bytes do not
 * divide into whole values is malformed.
 */
export function readRepeated(r: ProtoReader, wire: number, out: number[], read: (r: ProtoReader) => number): void {
  if (wire !== WIRE_LEN) {
    out.push(read(r));
    return;
  }
  const outer = r.enter();
  while (r.pos < r.len) out.push(read(r));
  r.leave(outer);
}

export const readDouble = (r: ProtoReader): number => r.double();
export const readFixed64 = (r: ProtoReader): number => r.fixed64Number();
export const readUint64 = (r: ProtoReader): number => r.uint64();
export const readSint64 = (r: ProtoReader): number => r.sint64();
