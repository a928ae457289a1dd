/**
 * The snappy decoder instantiated by the gateway (lib/remote-write/snappy-decoder.ts: hysnappy's
 * WebAssembly, so that the output is read in place) and the pool of decoders behind snappyUncompressLeased.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { WASM_BASE64 } from '../../../lib/remote-write/snappy-decoder.ts';
import { MAX_LEASES, snappyCompress, snappyDecoderPool, snappyUncompress, snappyUncompressLeased } from '../../../lib/remote-write/snappy.ts';
import { BadRequestError, PayloadTooLargeError } from '../../../lib/errors.ts';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('snappy decoder in the gateway\'s hands', () => {
  it('is hysnappy\'s decoder byte for byte (an upgrade of hysnappy that changes it fails here until the copy follows)', () => {
    const file = createRequire(import.meta.url).resolve('hysnappy').replace(/index\.js$/, 'uncompress.js');
    const theirs = /const wasm64 = '([^']*)'/.exec(readFileSync(file, 'utf8'))?.[1];
    assert.ok(theirs, `no wasm64 in ${file}`);
    assert.equal(WASM_BASE64, theirs);
  });

  it('a lease reads the same bytes as the copy, and keeps them while other bodies are decoded', () => {
    const a = text('first body '.repeat(3000));
    const b = text('second, different body '.repeat(2000));
    const la = snappyUncompressLeased(Buffer.from(snappyCompress(a)), 1 << 20, 't');
    assert.ok(Buffer.isBuffer(la.bytes));
    const lb = snappyUncompressLeased(snappyCompress(b), 1 << 20, 't');
    const copy = snappyUncompress(snappyCompress(b), 1 << 20, 't');
    assert.deepEqual(new Uint8Array(la.bytes), a);
    assert.deepEqual(new Uint8Array(lb.bytes), b);
    assert.deepEqual(copy, b);
    la.release();
    lb.release();
  });

  it('a lease and the copy give the same bytes or the same error on corrupted and truncated blocks (property)', () => {
    const c = snappyCompress(text('remote_write series{job="node"} '.repeat(300) + 'tail'));
    const outcome = (f: () => Uint8Array): string => {
      try {
        return Buffer.from(f()).toString('hex');
      } catch (e) {
        return `${(e as Error).constructor.name}: ${(e as Error).message}`;
      }
    };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: c.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: c.length }), (at, byte, cut) => {
        const bad = Uint8Array.from(c.subarray(0, cut));
        if (at < cut) bad[at] = byte;
        let lease: ReturnType<typeof snappyUncompressLeased> | undefined;
        const leased = outcome(() => (lease = snappyUncompressLeased(bad, 1 << 20, 'remote_write')).bytes);
        lease?.release();
        assert.equal(leased, outcome(() => snappyUncompress(bad, 1 << 20, 'remote_write')));
      }),
      { numRuns: 1000 },
    );
    assert.equal(snappyDecoderPool().leased, 0);
  });

  it('a released decoder serves the next body; a second release gives nothing back twice', () => {
    snappyUncompressLeased(snappyCompress(text('warm')), 100, 't').release();
    const before = snappyDecoderPool().idle;
    const l = snappyUncompressLeased(snappyCompress(text('x'.repeat(5000))), 10_000, 't');
    assert.equal(snappyDecoderPool().idle, before - 1);
    l.release();
    l.release();
    assert.equal(snappyDecoderPool().idle, before);
  });

  it('errors lease nothing and read as before: 413 past the limit, 400 naming the tag', () => {
    const idle = snappyDecoderPool().idle;
    const c = snappyCompress(text('abc'.repeat(1000)));
    assert.throws(() => snappyUncompressLeased(c, 2999, 'remote_write'), (e: Error) => e instanceof PayloadTooLargeError && /exceeds max_decompressed_body_bytes=2999/.test(e.message));
    const bad = c.subarray(0, c.length - 3);
    assert.throws(() => snappyUncompressLeased(bad, 1 << 20, 'remote_write'), (e: Error) => e instanceof BadRequestError && /^remote_write: body is not valid snappy block data: /.test(e.message));
    assert.equal(snappyDecoderPool().idle, idle);
  });

  it(`at most MAX_LEASES (${MAX_LEASES}) decoders are leased at once: the lease at the limit holds one, the one past it is a copy`, () => {
    const body = (i: number): Uint8Array => text(`body ${i} `.repeat(200));
    const start = snappyDecoderPool().leased;
    const leases = Array.from({ length: MAX_LEASES - start }, (_, i) => snappyUncompressLeased(snappyCompress(body(i)), 1 << 20, 't'));
    assert.equal(snappyDecoderPool().leased, MAX_LEASES);
    const past = snappyUncompressLeased(snappyCompress(body(-1)), 1 << 20, 't');
    assert.equal(snappyDecoderPool().leased, MAX_LEASES);
    assert.equal(past.bytes.buffer.byteLength, past.bytes.length, 'its own buffer, not a decoder\'s memory');
    assert.deepEqual(past.bytes, body(-1));
    leases.forEach((l, i) => assert.deepEqual(new Uint8Array(l.bytes), body(i)));
    past.release();
    for (const l of leases) l.release();
    assert.equal(snappyDecoderPool().leased, start);
  });

  it('idle decoders hold at most 16 MiB together: one grown past it is not kept', () => {
    const big = new Uint8Array(17 << 20);
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
    const c = snappyCompress(big);
    const l = snappyUncompressLeased(c, big.length, 't');
    assert.equal(l.bytes[4096 * 3], (4096 * 3) & 0xff);
    l.release();
    assert.ok(snappyDecoderPool().bytes <= 16 << 20, JSON.stringify(snappyDecoderPool()));
    assert.deepEqual(snappyUncompress(snappyCompress(text('small')), 100, 't'), text('small'));
  });
});
