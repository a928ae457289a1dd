import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { MAX_GROUP_DEPTH, ProtoError, ProtoReader, readDouble, readRepeated, readSint64 } from '../../../../lib/codec/proto/reader.ts';
import { varint } from '../../../helpers/fuzz.ts';

/** Values written by protobufjs' Writer (an independent encoder), read back by ProtoReader. */
function written(build: (w: protobuf.Writer) => void): ProtoReader {
  const w = protobuf.Writer.create();
  build(w);
  return new ProtoReader(w.finish());
}

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const U64_MAX = 2n ** 64n - 1n;

describe('ProtoReader: 64-bit integers straight to numbers, as Long#toNumber gave them', () => {
  it('int64, uint64, sint64, fixed64, sfixed64 (property against BigInt)', () => {
    fc.assert(
      fc.property(fc.bigInt(I64_MIN, I64_MAX), fc.bigInt(0n, U64_MAX), (s, u) => {
        const r = written((w) => w.int64(s.toString()).uint64(u.toString()).sint64(s.toString()).fixed64(u.toString()).sfixed64(s.toString()).int64(s.toString()));
        // Long#toNumber: high * 2^32 + low, each half exact, so the sum is one rounding of the exact value.
        const num = (v: bigint) => Number(BigInt.asIntN(32, v >> 32n)) * 4294967296 + Number(v & 0xffffffffn);
        const unum = (v: bigint) => Number(v >> 32n) * 4294967296 + Number(v & 0xffffffffn);
        assert.equal(r.int64(), num(s));
        assert.equal(r.uint64(), unum(u));
        assert.equal(r.sint64(), num(s));
        assert.equal(r.fixed64Number(), unum(u));
        assert.equal(r.sfixed64Number(), num(s));
        assert.equal(r.int64String(), s.toString());
        assert.equal(r.pos, r.len);
      }),
      { numRuns: 2000 },
    );
  });

  it('fixed64 nanoseconds to milliseconds exactly (floor), over the whole uint64 range', () => {
    fc.assert(
      fc.property(fc.oneof(fc.bigInt(0n, U64_MAX), fc.bigInt(1_600_000_000_000_000_000n, 1_900_000_000_000_000_000n)), (ns) => {
        assert.equal(written((w) => w.fixed64(ns.toString())).fixed64NanosToMillis(), Number(ns / 1_000_000n));
      }),
      { numRuns: 2000 },
    );
  });

  it('uint32, int32, sint32, bool, double (bit-exact, NaN payloads and -0 kept)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.double(), fc.boolean(), (i, d, b) => {
        const r = written((w) => w.uint32(i >>> 0).int32(i).sint32(i).bool(b).double(d));
        assert.equal(r.uint32(), i >>> 0);
        assert.equal(r.int32(), i);
        assert.equal(r.sint32(), i);
        assert.equal(r.bool(), b);
        assert.ok(Object.is(r.double(), d));
      }),
      { numRuns: 2000 },
    );
  });

  it('strings: ASCII, multi-byte and long ones as written; bytes as a view', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.uint8Array({ maxLength: 40 }), (s, b) => {
        const r = written((w) => w.string(s).bytes(b));
        assert.equal(r.string(), s);
        assert.deepEqual(Uint8Array.from(r.bytes()), b);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('ProtoReader: malformed bytes throw ProtoError with the offset', () => {
  const cases: { name: string; bytes: number[]; read: (r: ProtoReader) => unknown; want: RegExp }[] = [
    { name: 'truncated varint', bytes: [0x80, 0x80], read: (r) => r.uint32(), want: /truncated varint/ },
    { name: 'varint of 11 bytes', bytes: [...Array(10).fill(0xff), 0x01], read: (r) => r.int64(), want: /longer than 10 bytes/ },
    { name: 'truncated fixed64', bytes: [1, 2, 3], read: (r) => r.fixed64Number(), want: /truncated fixed64/ },
    { name: 'truncated double', bytes: [1, 2, 3, 4, 5, 6, 7], read: (r) => r.double(), want: /truncated double/ },
    { name: 'length past the end', bytes: [0x05, 0x61], read: (r) => r.string(), want: /length 5 runs past the end of the message \(1 bytes left\)/ },
    { name: 'length of 6 bytes', bytes: [0x80, 0x80, 0x80, 0x80, 0x80, 0x00], read: (r) => r.length(), want: /invalid length encoding/ },
    { name: 'invalid UTF-8 (short)', bytes: [0x03, 0x61, 0xff, 0x62], read: (r) => r.string(), want: /not valid UTF-8/ },
    { name: 'invalid UTF-8 (long)', bytes: [40, ...Array(39).fill(0x61), 0xc0], read: (r) => r.string(), want: /not valid UTF-8/ },
    { name: 'field number 0', bytes: [0x00, 0x01], read: (r) => r.skip(r.uint32()), want: /field number 0/ },
    { name: 'wire type 6', bytes: [0x0e], read: (r) => r.skip(r.uint32()), want: /invalid wire type 6/ },
    { name: 'wire type 7', bytes: [0x0f], read: (r) => r.skip(r.uint32()), want: /invalid wire type 7/ },
    { name: 'end group without a start', bytes: [0x0c], read: (r) => r.skip(r.uint32()), want: /end group without a start/ },
    { name: 'unterminated group', bytes: [0x0b, 0x08, 0x01], read: (r) => r.skip(r.uint32()), want: /unterminated group/ },
    { name: 'group ended by another field', bytes: [0x0b, 0x14], read: (r) => r.skip(r.uint32()), want: /does not match/ },
    { name: 'skipped field past the end', bytes: [0x09, 1, 2], read: (r) => r.skip(r.uint32()), want: /runs past the end/ },
    { name: 'packed doubles not a multiple of 8', bytes: [0x09, ...Array(9).fill(0)], read: (r) => readRepeated(r, 2, [], readDouble), want: /truncated double/ },
    { name: 'a sub-message read stops at its end', bytes: [0x01, 0x80, 0x01], read: (r) => (r.enter(), r.uint32()), want: /truncated varint/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.throws(() => c.read(new ProtoReader(Uint8Array.from(c.bytes))), (e: unknown) => e instanceof ProtoError && c.want.test(e.message) && e.pos >= 0 && e.pos <= c.bytes.length);
    });
  }

  it(`groups nest up to MAX_GROUP_DEPTH (${MAX_GROUP_DEPTH}) levels, one more is refused`, () => {
    const groups = (depth: number) => Uint8Array.from([...Array(depth).fill(0x0b), ...Array(depth).fill(0x0c)]);
    const ok = new ProtoReader(groups(MAX_GROUP_DEPTH));
    ok.skip(ok.uint32());
    assert.equal(ok.pos, ok.len);
    const deep = new ProtoReader(groups(MAX_GROUP_DEPTH + 1));
    assert.throws(() => deep.skip(deep.uint32()), /groups nested deeper than 100/);
  });
});

describe('ProtoReader: unknown fields of every wire type are skipped', () => {
  it('varint, i64, length-delimited, group (nested, with every type inside), i32', () => {
    const group = [...varint((7 << 3) | 3), 0x08, 0x96, 0x01, 0x11, ...Array(8).fill(1), 0x1a, 0x02, 0x61, 0x62, 0x25, 1, 2, 3, 4, 0x2b, 0x2c, ...varint((7 << 3) | 4)];
    const bytes = Uint8Array.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x11, ...Array(8).fill(9), 0x1a, 0x03, 1, 2, 3, ...group, 0x2d, 1, 2, 3, 4, 0x30, 0x05]);
    const r = new ProtoReader(bytes);
    const tags: number[] = [];
    while (r.pos < r.len) {
      const t = r.uint32();
      tags.push(t);
      if (t === 0x30) assert.equal(r.uint32(), 5);
      else r.skip(t);
    }
    assert.deepEqual(tags, [0x08, 0x11, 0x1a, (7 << 3) | 3, 0x2d, 0x30]);
  });

  it('repeated numbers are read packed and unpacked alike', () => {
    const packed = written((w) => w.fork().sint64(-3).sint64(5).ldelim());
    const out: number[] = [];
    readRepeated(packed, 2, out, readSint64);
    const single = written((w) => w.sint64(7));
    readRepeated(single, 0, out, readSint64);
    assert.deepEqual(out, [-3, 5, 7]);
  });
});
