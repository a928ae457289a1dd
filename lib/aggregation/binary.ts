/**
 * A minimal binary writer/reader for aggregation snapshots: unsigned varints, float64 (bit-exact, NaN
 * payloads and infinities survive), signed 64-bit-safe integers as float64, and UTF-8 strings with a varint
 * length. The reader throws SnapshotError on truncated or malformed input, never anything else.
 */
export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

export class BinWriter {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  uvarint(v: number): void {
    this.ensure(10);
    let x = v;
    while (x >= 0x80) {
      this.buf[this.pos++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    this.buf[this.pos++] = x;
  }

  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  str(s: string): void {
    this.ensure(s.length * 3 + 10);
    const start = this.pos + 5;
    const { written } = enc.encodeInto(s, this.buf.subarray(start));
    // Length first: move the bytes back over the unused part of the 5-byte reservation.
    this.uvarint(written);
    this.buf.copyWithin(this.pos, start, start + written);
    this.pos += written;
  }

  /** A length-prefixed byte string. */
  bytes(b: Uint8Array): void {
    this.uvarint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  bool(b: boolean): void {
    this.uvarint(b ? 1 : 0);
  }

  /** The written bytes (a copy; the writer may be reused). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

export class BinReader {
  private readonly buf: Uint8Array;
  private readonly view: DataView;
  private pos = 0;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new SnapshotError(`snapshot truncated at byte ${this.pos}`);
  }

  uvarint(): number {
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      this.need(1);
      const b = this.buf[this.pos++]!;
      x += (b & 0x7f) * mul;
      if (b < 0x80) return x;
      mul *= 0x80;
    }
    throw new SnapshotError(`varint too long at byte ${this.pos}`);
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  str(): string {
    const n = this.uvarint();
    this.need(n);
    try {
      return dec.decode(this.buf.subarray(this.pos, (this.pos += n)));
    } catch {
      throw new SnapshotError(`bad UTF-8 in snapshot at byte ${this.pos - n}`);
    }
  }

  bool(): boolean {
    return this.uvarint() !== 0;
  }

  bytes(): Uint8Array {
    const n = this.uvarint();
    this.need(n);
    return this.buf.subarray(this.pos, (this.pos += n));
  }

  atEnd(): boolean {
    return this.pos === this.buf.length;
  }
}
