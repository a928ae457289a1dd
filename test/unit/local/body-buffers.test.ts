import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { BodyBuffers, DEFAULT_KEEP_BYTES, MIN_BYTES, sizeClass } from '../../../lib/local/body-buffers.ts';
import { readCappedBody, type BodyRead } from '../../../lib/local/http-body.ts';

describe('BodyBuffers: reused request body buffers', () => {
  it('sizes are powers of two from 64 KiB: at a class and one past it', () => {
    assert.equal(sizeClass(1), MIN_BYTES);
    assert.equal(sizeClass(MIN_BYTES), MIN_BYTES);
    assert.equal(sizeClass(MIN_BYTES + 1), 2 * MIN_BYTES);
    assert.equal(sizeClass(1 << 20), 1 << 20);
    assert.equal(sizeClass((1 << 20) + 1), 2 << 20);
  });

  it('a buffer given back is handed out again, the smallest that fits', () => {
    const pool = new BodyBuffers();
    const big = pool.take(1 << 20);
    const small = pool.take(100_000);
    pool.give(big);
    pool.give(small);
    assert.equal(pool.take(90_000), small);
    assert.equal(pool.take(200_000), big);
    assert.deepEqual(pool.stats(), { buffers: 0, bytes: 0 });
  });

  it('keeps idle buffers up to keepBytes: at the limit kept, one buffer past it left to the collector', () => {
    const pool = new BodyBuffers({ keepBytes: 4 * MIN_BYTES });
    const bufs = [pool.take(MIN_BYTES), pool.take(MIN_BYTES), pool.take(2 * MIN_BYTES), pool.take(MIN_BYTES)];
    for (const b of bufs) pool.give(b);
    assert.deepEqual(pool.stats(), { buffers: 3, bytes: 4 * MIN_BYTES });
    assert.equal(DEFAULT_KEEP_BYTES, 8 << 20);
  });

  it('poison overwrites a buffer given back (tests: a view kept past its answer reads 0xEE)', () => {
    const pool = new BodyBuffers({ poison: true });
    const b = pool.take(10);
    const view = b.subarray(0, 3);
    view.set([1, 2, 3]);
    pool.give(b);
    assert.deepEqual([...view], [0xee, 0xee, 0xee]);
  });
});

describe('readCappedBody with BodyBuffers', () => {
  const pool = new BodyBuffers({ poison: true });
  let last: Promise<BodyRead> | undefined;
  const server = http.createServer((req, res) => {
    last = readCappedBody(req, Number(req.headers['x-max'] ?? 1 << 20), req.headers['x-pool'] === '0' ? undefined : pool);
    void last.then((r) => res.end(r.kind === 'body' ? `${r.body.length}` : r.kind));
  });
  const up = new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  after(() => server.close());

  /** Sends the body in `parts` writes, with or without a Content-Length; resolves with the read. */
  async function send(body: Buffer, parts: number, headers: Record<string, string>): Promise<BodyRead> {
    const port = await up;
    const req = http.request({ port, host: '127.0.0.1', method: 'POST', headers, agent: false });
    const answered = new Promise<void>((resolve, reject) => req.once('response', (res) => res.resume().once('end', resolve)).once('error', reject));
    const step = Math.ceil(body.length / parts);
    for (let at = 0; at < body.length; at += step) {
      req.write(body.subarray(at, at + step));
      await new Promise((r) => setTimeout(r, 5));
    }
    req.end();
    await answered;
    return last!;
  }

  const body = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7) % 251));

  it('a body of several chunks with a Content-Length: copied into one pooled buffer of its size class; release gives it back', async () => {
    const b = body(300_000);
    const r = await send(b, 5, { 'content-length': String(b.length) });
    assert.equal(r.kind, 'body');
    if (r.kind !== 'body') return;
    assert.ok(r.body.equals(b));
    assert.equal(r.body.buffer.byteLength, sizeClass(b.length), 'the pooled buffer, not a concat');
    const idle = pool.stats().buffers;
    r.release();
    r.release();
    assert.equal(pool.stats().buffers, idle + 1, 'given back once');
    assert.equal(r.body[0], 0xee, 'poisoned: the body is not to be read after release');
  });

  it('a chunked body (no Content-Length) grows by doubling and arrives whole', async () => {
    const b = body(700_000);
    const r = await send(b, 40, { 'transfer-encoding': 'chunked' });
    assert.equal(r.kind, 'body');
    if (r.kind !== 'body') return;
    assert.ok(r.body.equals(b));
    r.release();
  });

  it('without BodyBuffers: Buffer.concat as before, release does nothing', async () => {
    const b = body(200_000);
    const r = await send(b, 4, { 'content-length': String(b.length), 'x-pool': '0' });
    assert.equal(r.kind, 'body');
    if (r.kind !== 'body') return;
    assert.equal(r.body.buffer.byteLength, b.length, 'a buffer of the body\'s own size (Buffer.concat)');
    r.release();
    assert.ok(r.body.equals(b));
  });

  it('past maxBytes the pooled buffer goes back at once and the read says too-large', async () => {
    const port = await up;
    // Idle buffers of 512 KiB and more are there from the tests before: the read takes one of them.
    const idle = pool.stats();
    assert.ok(idle.buffers >= 1);
    const sock = net.connect(port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.write(`POST / HTTP/1.1\r\nhost: x\r\nx-max: 150000\r\ntransfer-encoding: chunked\r\n\r\n`);
    for (let i = 0; i < 4; i++) {
      sock.write(`10000\r\n${'a'.repeat(0x10000)}\r\n`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const r = await last!;
    sock.destroy();
    assert.deepEqual(r.kind, 'too-large');
    assert.deepEqual(pool.stats(), idle, 'the buffer it took is back');
  });
});
