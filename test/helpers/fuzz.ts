import fc from 'fast-check';

/**
 * Bodies made from a valid one by up to 8 byte overwrites or insertions: close enough to the format to reach
 * deep parser paths, broken enough to exercise every error path.
 */
export function mutatedBytes(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 }), fc.boolean()), { maxLength: 8 }).map((muts) => {
    const b = Array.from(base);
    for (const [pos, byte, insert] of muts) {
      if (insert) b.splice(pos % (b.length + 1), 0, byte);
      else b[pos % b.length] = byte;
    }
    return Uint8Array.from(b);
  });
}

const utf8 = new TextEncoder();

/** `text` repeated (whole units only) to about `bytes` bytes, between `prefix` and `suffix`; units joined by `sep`. */
export function fill(unit: string, bytes: number, { prefix = '', sep = '', suffix = '' } = {}): Uint8Array {
  const n = Math.max(1, Math.floor((bytes - prefix.length - suffix.length) / (unit.length + sep.length)));
  return utf8.encode(prefix + Array.from({ length: n }, () => unit).join(sep) + suffix);
}

/** `depth` JSON containers around `inner`: `[[[...]]]` or `{"a":{"a":...}}`. */
export function nestedJson(depth: number, kind: 'array' | 'object', inner = '1'): string {
  return kind === 'array' ? '['.repeat(depth) + inner + ']'.repeat(depth) : '{"a":'.repeat(depth) + inner + '}'.repeat(depth);
}

/** Byte sequences that are never valid UTF-8: stray continuation, overlong, surrogate, truncated, out of range. */
export const INVALID_UTF8: readonly Uint8Array[] = [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0xff], [0xfe, 0xff]].map((b) => Uint8Array.from(b));

/** `base` with invalid UTF-8 sequences written over (or inserted at) the given positions. */
export function withInvalidUtf8(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.array(fc.tuple(fc.nat(Math.max(0, base.length - 1)), fc.nat(INVALID_UTF8.length - 1), fc.boolean()), { minLength: 1, maxLength: 8 }).map((muts) => {
    const b = Array.from(base);
    for (const [pos, which, insert] of muts) {
      const seq = Array.from(INVALID_UTF8[which]!);
      if (insert) b.splice(pos % (b.length + 1), 0, ...seq);
      else b.splice(pos % (b.length + 1), seq.length, ...seq);
    }
    return Uint8Array.from(b);
  });
}

/** Protobuf varint. */
export function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** A length-delimited protobuf field `field` holding `inner`. */
export function lenField(field: number, inner: Uint8Array): Uint8Array {
  return Uint8Array.from([...varint((field << 3) | 2), ...varint(inner.length), ...inner]);
}

/** `depth` length-delimited fields nested inside each other (field numbers cycling through `fields`). */
export function nestedProtobuf(depth: number, fields: readonly number[] = [1]): Uint8Array {
  // Built in one pass (wrapping a copy per level is quadratic): level i, counted from the inside, holds
  // exactly level i-1, so the bytes are the headers from the outside in.
  const headers: number[][] = [];
  let inner = 0;
  for (let i = 0; i < depth; i++) {
    const h = [...varint((fields[i % fields.length]! << 3) | 2), ...varint(inner)];
    headers.push(h);
    inner += h.length;
  }
  const out: number[] = [];
  for (let i = headers.length - 1; i >= 0; i--) for (const x of headers[i]!) out.push(x);
  return Uint8Array.from(out);
}

/**
 * A protobuf message whose length prefixes lie: a length-delimited field claiming `claimed` bytes (up to
 * 2^32) followed by fewer, at the start or after a valid prefix of `base`.
 */
export function lyingLengthPrefix(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.integer({ min: 1, max: 15 }), fc.oneof(fc.integer({ min: 1, max: 1 << 20 }), fc.constant(2 ** 31 - 1), fc.constant(2 ** 32 - 1)), fc.nat(base.length), fc.uint8Array({ maxLength: 16 })).map(([field, claimed, at, tail]) =>
    Uint8Array.from([...base.subarray(0, at), ...varint((field << 3) | 2), ...varint(claimed), ...tail]),
  );
}
