import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openBackends } from '../../lib/local/backends.ts';
import { startLocalRunner, type LocalRunner } from '../../lib/local/runner.ts';
import { parseGatewayConfig } from '../../lib/config/schema.ts';
import type { OutgoingMessage } from '../../lib/ports/index.ts';
import { MemoryLogger } from '../helpers/fakes.ts';
import { startScriptedReceiver, type ScriptedReceiver } from '../helpers/scripted-receiver.ts';
import { cutAt, cutEvery, rawRequest } from '../helpers/raw-http.ts';

/**
 * Issue 12 item 1: max_body_bytes through the real local runner over a real socket. The default limit
 * (4194304) and the issue's own reproduction: Influx lines of exactly 64 bytes, so 65,536 of them are the
 * limit and 66,536 (4,258,304 bytes) are past it. Every over-size request must answer 413 naming the protocol
 * and the limit, whatever the chunking, with nothing queued and nothing reaching the receiver.
 */
const LIMIT = 4_194_304;
const LINE = 64;

/** n Influx lines of exactly 64 bytes each, one sample each, every line its own series (tag i). */
function lines(n: number, tag: string): Buffer {
  const out = Buffer.alloc(n * LINE);
  for (let i = 0; i < n; i++) {
    const head = `lim_${tag},i=${String(i).padStart(6, '0')} v=1 1700000000000000000`;
    const line = `${head.slice(0, head.indexOf(' '))},pad=${'x'.repeat(LINE - 1 - head.length - 5)}${head.slice(head.indexOf(' '))}\n`;
    out.write(line, i * LINE, 'latin1');
  }
  return out;
}

/** A body of `total` bytes handed out in `piece`-byte writes without holding it all (for the far-past cases). */
function* stream(total: number, piece: number): Generator<Uint8Array> {
  const block = lines(piece / LINE, 'far');
  for (let sent = 0; sent < total; sent += piece) yield block;
}

describe('max_body_bytes in the local runner (issue 12 item 1)', () => {
  let runner: LocalRunner;
  let receiver: ScriptedReceiver;
  let dataDir: string;
  const sent: OutgoingMessage[] = [];
  const queuedSamples = (): number => sent.reduce((n, m) => n + Number(m.attributes.samples), 0);

  before(async () => {
    receiver = await startScriptedReceiver([]);
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'gw-body-'));
    const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ name: 'rx', url: receiver.url }] });
    assert.equal(config.ingest.maxBodyBytes, LIMIT, 'the default limit');
    const logger = new MemoryLogger();
    const backends = await openBackends({ kind: 'disk', dataDir, maxMessageBytes: config.queue.maxMessageBytes, logger });
    const send = backends.queue.send.bind(backends.queue);
    backends.queue.send = async (messages) => {
      sent.push(...messages);
      return send(messages);
    };
    runner = await startLocalRunner({ config, backends, logger, host: '127.0.0.1', port: 0 });
  });

  after(async () => {
    await runner?.close();
    await receiver?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** Asserts a 413 naming the protocol and the limit, and that nothing more was queued. */
  async function assertRefused(res: { status: number; body: string }, queuedBefore: number): Promise<void> {
    assert.equal(res.status, 413, res.body);
    assert.match(res.body, /^influx: .* exceeds max_body_bytes=4194304\n$/);
    assert.equal(queuedSamples(), queuedBefore, 'nothing of an over-size body is queued');
  }

  const atLimit = lines(LIMIT / LINE, 'at');
  assert.equal(atLimit.length, LIMIT);

  it('at the limit, one write with Content-Length: 204 and all 65,536 samples queued', async () => {
    const before = queuedSamples();
    const res = await rawRequest(runner.url, { path: '/write', headers: { 'content-length': String(atLimit.length) }, body: [atLimit] });
    assert.equal(res.status, 204, res.body);
    assert.equal(queuedSamples() - before, LIMIT / LINE);
  });

  it('at the limit, chunked in 1000-byte writes: 204 and all samples queued', async () => {
    const before = queuedSamples();
    const res = await rawRequest(runner.url, { path: '/write', chunked: true, body: cutEvery(atLimit, 1000) });
    assert.equal(res.status, 204, res.body);
    assert.equal(queuedSamples() - before, LIMIT / LINE);
  });

  it("the issue's reproduction: 66,536 lines (4,258,304 bytes) in one write: 413, nothing queued", async () => {
    const body = lines(66_536, 'repro');
    assert.equal(body.length, 4_258_304);
    const before = queuedSamples();
    const res = await rawRequest(runner.url, { path: '/write', headers: { 'content-length': String(body.length) }, body: [body] });
    await assertRefused(res, before);
  });

  const onePast = Buffer.concat([atLimit, Buffer.from('\n')]);

  it('one byte past, Content-Length: 413, nothing queued', async () => {
    const before = queuedSamples();
    await assertRefused(await rawRequest(runner.url, { path: '/write', headers: { 'content-length': String(onePast.length) }, body: [onePast] }), before);
  });

  it('one byte past, chunked without Content-Length, in 1000-byte writes: 413, nothing queued', async () => {
    const before = queuedSamples();
    await assertRefused(await rawRequest(runner.url, { path: '/write', chunked: true, body: cutEvery(onePast, 1000) }), before);
  });

  it('one byte past, the last byte alone in its own chunk: 413, nothing queued', async () => {
    const before = queuedSamples();
    await assertRefused(await rawRequest(runner.url, { path: '/write', chunked: true, body: cutAt(onePast, [LIMIT]) }), before);
  });

  it('past the limit with a chunk that crosses it mid-line (was: 400 partial write, first part queued): 413, nothing queued', async () => {
    const body = lines(LIMIT / LINE + 100, 'mid');
    const before = queuedSamples();
    // The crossing chunk starts 30 bytes before the limit and ends mid-line past it.
    await assertRefused(await rawRequest(runner.url, { path: '/write', chunked: true, body: cutAt(body, [LIMIT - 30, LIMIT + 1000]) }), before);
  });

  it('a declared Content-Length past the limit is refused before any body is sent', { timeout: 30_000 }, async () => {
    const before = queuedSamples();
    // Headers only: if the runner waited for the body, no answer would come.
    const res = await rawRequest(runner.url, { path: '/api/v2/write?bucket=b', headers: { 'content-length': String(10 * LIMIT) } });
    await assertRefused(res, before);
    assert.match(res.body, /Content-Length 41943040/);
  });

  it('Expect: 100-continue with a Content-Length past the limit: 413 without a 100 Continue', { timeout: 30_000 }, async () => {
    const before = queuedSamples();
    const res = await rawRequest(runner.url, { path: '/write', headers: { 'content-length': String(LIMIT + 1), expect: '100-continue' } });
    await assertRefused(res, before);
    assert.ok(!res.raw.includes('100 Continue'), res.raw.slice(0, 200));
  });

  it('Expect: 100-continue within the limit: 100 Continue, then 204', async () => {
    const small = lines(10, 'cont');
    const before = queuedSamples();
    const res = await rawRequest(runner.url, { path: '/write', headers: { 'content-length': String(small.length), expect: '100-continue' }, body: [small] });
    assert.equal(res.status, 204, res.raw);
    assert.equal(queuedSamples() - before, 10);
  });

  for (const chunked of [true, false]) {
    it(`far past the limit (256 MiB${chunked ? ', chunked' : ', declared'}): 413, and the runner stops reading long before the end`, async () => {
      const total = 256 * 1024 * 1024;
      const before = queuedSamples();
      const res = await rawRequest(runner.url, { path: '/write', chunked, ...(chunked ? {} : { headers: { 'content-length': String(total) } }), body: stream(total, 64 * 1024) });
      await assertRefused(res, before);
      // A runner that kept reading would let the client hand over all of it; socket buffers hold a few MB.
      assert.ok(res.written < total / 8, `client wrote ${res.written} of ${total} bytes`);
    });
  }

  it('a request that is not a push (GET /metrics with an endless chunked body) is capped the same way', async () => {
    const total = 256 * 1024 * 1024;
    const res = await rawRequest(runner.url, { method: 'GET', path: '/metrics', chunked: true, body: stream(total, 64 * 1024) });
    assert.equal(res.status, 413, res.body);
    assert.equal(res.body, 'http: body of more than 4194304 bytes exceeds max_body_bytes=4194304\n');
    assert.ok(res.written < total / 8, `client wrote ${res.written} of ${total} bytes`);
  });

  it('the receiver gets exactly the samples of the accepted requests, and the 413s are counted', async () => {
    assert.ok(await runner.drained(60_000), 'queue drained');
    const got = receiver.accepted().reduce((n, s) => n + s.samples.length, 0);
    assert.equal(got, 2 * (LIMIT / LINE) + 10);
    assert.equal(runner.metrics.get('ingest_requests_total', { protocol: 'influx', status: '413' }), 9);
  });
});
