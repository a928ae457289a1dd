/**
 * snappyUncompress hands a block straight to the WebAssembly decoder and walks its tags (snappyBlockProblem)
 * only when the decoder refuses it, to name the tag and the reason. That is sound only while the two agree
 * on every block: these tests check both ways on corrupted, truncated and random blocks, and the one bound
 * checked before decoding (a block cannot announce more than MAX_EXPANSION times its size) at and past it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { snappyUncompressor } from 'hysnappy';
import { MAX_EXPANSION, snappyBlockProblem, snappyCompress, snappyDecodedLength, snappyUncompress } from '../../../lib/remote-write/snappy.ts';
import { BadRequestError } from '../../../lib/errors.ts';
import { remoteWriteBody } from '../../../bench/remote-write-parse.ts';

const decode = snappyUncompressor();

/** Whether the decoder alone takes the block, and whether the walk finds nothing wrong with it. */
function verdicts(block: Uint8Array): { decoder: boolean; walk: boolean } | undefined {
  const len = snappyDecodedLength(block);
  if (len === undefined || len > 1 << 20 || block.length === 0) return undefined;
  let decoder = true;
  try {
    decode(block, len);
  } catch {
    decoder = false;
  }
  return { decoder, walk: snappyBlockProblem(block, len) === undefined };
}

const valid = [
  snappyCompress(new TextEncoder().encode('remote_write '.repeat(400) + 'tail')),
  remoteWriteBody(40, 2, 1_700_000_000_000),
  snappyCompress(Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919) % 5)),
];

/** A literal 'a' then `copies` copies of 64 bytes at offset 1: the most output per input byte a block can have. */
function densest(copies: number, announced = 1 + 64 * copies): Uint8Array {
  const head: number[] = [];
  for (let v = announced; ; v >>>= 7) {
    if (v < 0x80) {
      head.push(v);
      break;
    }
    head.push((v & 0x7f) | 0x80);
  }
  const block = [...head, 0x00, 0x61];
  for (let i = 0; i < copies; i++) block.push((63 << 2) | 2, 1, 0);
  return Uint8Array.from(block);
}

describe('snappy: the decoder and the tag walk agree', () => {
  it('on every corruption and truncation of valid blocks (property)', () => {
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), fc.option(fc.nat()), (which, edits, cut) => {
        const block = Uint8Array.from(valid[which]!);
        for (const [at, byte] of edits) block[at % block.length] = byte;
        const v = verdicts(cut === null ? block : block.subarray(0, cut % block.length));
        if (v) assert.equal(v.decoder, v.walk, `decoder ${v.decoder}, walk ${v.walk}`);
      }),
      { numRuns: 20_000 },
    );
  });

  it('on random tag streams (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.uint8Array({ maxLength: 80 }), (len, tags) => {
        const v = verdicts(Uint8Array.from([...(len < 0x80 ? [len] : [(len & 0x7f) | 0x80, len >>> 7]), ...tags]));
        if (v) assert.equal(v.decoder, v.walk, `decoder ${v.decoder}, walk ${v.walk}`);
      }),
      { numRuns: 20_000 },
    );
  });

  it('names the tag and the reason for a block the decoder refuses', () => {
    const cases = [
      { name: 'copy before the start', block: [0x05, 0x00, 0x61, (3 << 2) | 2, 0x05, 0x00], want: /copy offset 5 out of range at byte 6$/ },
      { name: 'copy offset 0', block: [0x05, 0x00, 0x61, (3 << 2) | 2, 0x00, 0x00], want: /copy offset 0 out of range at byte 6$/ },
      { name: 'literal past the end', block: [0x05, (4 << 2) | 0, 0x61, 0x62], want: /literal of 5 bytes at byte 2 runs past the end$/ },
      { name: 'short of the announced length', block: [0x05, (1 << 2) | 0, 0x61, 0x62], want: /decoded 2 bytes but the header announced 5$/ },
    ];
    for (const c of cases) {
      assert.throws(() => snappyUncompress(Uint8Array.from(c.block), 1 << 20, 'remote_write'), (e: Error) => e instanceof BadRequestError && /^remote_write: body is not valid snappy block data: /.test(e.message) && c.want.test(e.message), c.name);
    }
  });
});

describe('snappy: a block announcing more than it can hold', () => {
  it('decodes the densest possible block, at the bound (64 bytes from every 3-byte copy)', () => {
    const block = densest(1000);
    const out = snappyUncompress(block, 1 << 20, 'remote_write');
    assert.equal(out.length, 64_001);
    assert.ok(out.every((b) => b === 0x61));
    assert.ok(out.length > block.length * (MAX_EXPANSION - 1), `${out.length} / ${block.length}`);
  });

  it('refuses a header announcing more than MAX_EXPANSION times the block, before decoding, naming both sizes', () => {
    const at = densest(1000, 3005 * MAX_EXPANSION);
    assert.equal(at.length, 3005);
    assert.throws(() => snappyUncompress(at, 1 << 20, 'remote_write'), /: decoded 64001 bytes but the header announced 66110$/);
    const past = densest(1000, 3005 * MAX_EXPANSION + 1);
    assert.throws(() => snappyUncompress(past, 1 << 20, 'remote_write'), (e: Error) => e instanceof BadRequestError && e.message === 'remote_write: body is not valid snappy block data: the header announces 66111 bytes, more than a block of 3005 bytes can hold (22x)');
  });
});
