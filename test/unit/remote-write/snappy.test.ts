/**
 * The snappy codec behind lib/remote-write/snappy.ts (hysnappy, WebAssembly) against snappyjs, the pure
 * JavaScript codec it replaced: the block format is the contract (remote_write 1.0 bodies from and to
 * Prometheus and VictoriaMetrics), so each side must read the other's output, and the answers to malformed
 * bodies must stay the same clear 4xx.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import snappyjs from 'snappyjs';
import { snappyCompress, snappyUncompress } from '../../../lib/remote-write/snappy.ts';
import { BadRequestError, GatewayError, PayloadTooLargeError } from '../../../lib/errors.ts';
import { remoteWriteBody } from '../../../bench/remote-write-parse.ts';

/** Random bytes, text-like bytes (long matches) and runs, up to a few 64 KiB snappy fragments. */
const payloads = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }),
  fc.uint8Array({ minLength: 60_000, maxLength: 200_000 }),
  fc.array(fc.constantFrom('__name__', 'instance', 'host-1:9100', 'job', 'node', '\u00e9', '\n', 'x'), { maxLength: 30_000 }).map((a) => new TextEncoder().encode(a.join(''))),
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 300_000 })).map(([b, n]) => new Uint8Array(n).fill(b)),
);

describe('snappy codec', () => {
  it('round-trips random buffers, and snappyjs reads its output and it reads snappyjs output (property)', () => {
    fc.assert(
      fc.property(payloads, (data) => {
        const mine = snappyCompress(data);
        assert.deepEqual(snappyUncompress(mine, data.length, 't'), data);
        assert.deepEqual(new Uint8Array(snappyjs.uncompress(mine)), data);
        const theirs = snappyjs.compress(data);
        assert.deepEqual(snappyUncompress(theirs, data.length, 't'), data);
      }),
      { numRuns: 300 },
    );
  });

  it('reads and writes real remote_write bodies both ways', () => {
    const body = remoteWriteBody(2000, 1, 1_700_000_000_000);
    const raw = snappyjs.uncompress(body);
    assert.deepEqual(snappyUncompress(body, 1 << 26, 'remote_write'), raw);
    assert.deepEqual(snappyjs.uncompress(snappyCompress(raw)), raw);
  });

  it('gives back a Buffer for a Buffer and a Uint8Array for a Uint8Array, as snappyjs did', () => {
    const data = new TextEncoder().encode('abc'.repeat(100));
    assert.ok(!Buffer.isBuffer(snappyCompress(data)));
    assert.ok(Buffer.isBuffer(snappyCompress(Buffer.from(data))));
    assert.ok(!Buffer.isBuffer(snappyUncompress(snappyCompress(data), 1000, 't')));
    assert.ok(Buffer.isBuffer(snappyUncompress(Buffer.from(snappyCompress(data)), 1000, 't')));
  });

  it('handles a body past the shared instances\' 16 MiB with an instance of its own, and the shared ones still work after', () => {
    const big = new Uint8Array(20 << 20);
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
    const c = snappyCompress(big);
    assert.deepEqual(new Uint8Array(snappyjs.uncompress(c)), big);
    assert.deepEqual(snappyUncompress(c, big.length, 't'), big);
    const small = new TextEncoder().encode('small body');
    assert.deepEqual(snappyUncompress(snappyCompress(small), 100, 't'), small);
  });

  it('refuses every truncation and corruption of a valid body with a 400 (never another error, never wrong bytes)', () => {
    const data = new TextEncoder().encode('remote_write '.repeat(400) + 'tail');
    const c = snappyCompress(data);
    for (let cut = 1; cut < c.length; cut++) {
      assert.throws(() => snappyUncompress(c.subarray(0, cut), 1 << 20, 'remote_write'), (e: Error) => e instanceof BadRequestError && /^remote_write: body is not (valid )?snappy/.test(e.message));
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: c.length - 1 }), fc.integer({ min: 0, max: 255 }), (at, byte) => {
        const bad = Uint8Array.from(c);
        bad[at] = byte;
        try {
          const out = snappyUncompress(bad, 1 << 20, 'remote_write');
          // A corruption that is still a well-formed block decodes to what snappyjs decodes it to.
          assert.deepEqual(out, snappyjs.uncompress(bad));
        } catch (e) {
          assert.ok(e instanceof GatewayError && (e instanceof BadRequestError || e instanceof PayloadTooLargeError), String(e));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
