import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import type { Context } from 'aws-lambda';
import { createIngestHandler } from '../../../lib/compose/ingest.ts';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import { DEFAULT_LIMITS, type IngestLimits } from '../../../lib/config/schema.ts';
import { createRouter } from '../../../lib/ingest/routes.ts';
import { loadHttpEvent } from '../../helpers/events.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger, MemoryQueue } from '../../helpers/fakes.ts';

/**
 * Issue 12 item 1, the Lambda path: API Gateway HTTP API v2 events (events/http-influx*.json, cloned and
 * given other bodies) through functions/ingest.ts. max_body_bytes counts the body as the client sent it:
 * the decoded bytes when isBase64Encoded, the UTF-8 bytes otherwise, never the length of the JSON string.
 */
const context = { getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

function handlerWith(limits: Partial<IngestLimits>) {
  const l = { ...DEFAULT_LIMITS, ...limits };
  const queue = new MemoryQueue();
  const handler = createIngestHandler({ router: createRouter(l), limits: l, maxSamplesPerMessage: 10_000, relabel: { rules: [] }, externalLabels: [], queue, blobs: new MemoryBlobStore(), clock: new FakeClock(), logger: new MemoryLogger(), metrics: new CounterRegistry() });
  const samples = (): number => queue.sent.reduce((n, m) => n + Number(m.attributes.samples), 0);
  return { handler, samples };
}

/** n Influx lines of exactly 64 bytes (the reproduction uses these). */
function lines(n: number): Buffer {
  const out = Buffer.alloc(n * 64);
  for (let i = 0; i < n; i++) {
    const head = `lim,i=${String(i).padStart(6, '0')}`;
    const tail = ' v=1 1795262400';
    out.write(`${head},pad=${'x'.repeat(64 - 1 - head.length - 5 - tail.length)}${tail}\n`, i * 64, 'latin1');
  }
  return out;
}

function influxEvent(body: Buffer, base64: boolean, headers: Record<string, string> = {}) {
  const e = loadHttpEvent('http-influx.json');
  e.body = base64 ? body.toString('base64') : body.toString('utf8');
  e.isBase64Encoded = base64;
  e.headers = { ...e.headers, 'content-length': String(body.length), ...headers };
  return e;
}

describe('max_body_bytes on the Lambda path (API Gateway v2 events)', () => {
  const limit = 64 * 1024;
  const atLimit = lines(limit / 64);
  const onePast = Buffer.concat([atLimit, Buffer.from('\n')]);

  for (const base64 of [false, true]) {
    const how = base64 ? 'isBase64Encoded' : 'text';
    it(`${how}: a body of exactly max_body_bytes is accepted and every sample queued`, async () => {
      const { handler, samples } = handlerWith({ maxBodyBytes: limit });
      const res = await handler(influxEvent(atLimit, base64), context);
      assert.equal(res.statusCode, 204, res.body);
      assert.equal(samples(), limit / 64);
    });
    it(`${how}: one byte past answers 413 naming the protocol and the limit, nothing queued`, async () => {
      const { handler, samples } = handlerWith({ maxBodyBytes: limit });
      const res = await handler(influxEvent(onePast, base64), context);
      assert.equal(res.statusCode, 413);
      assert.equal(res.body, `influx: body of ${limit + 1} bytes exceeds max_body_bytes=${limit}\n`);
      assert.equal(samples(), 0);
    });
  }

  it('base64 is decoded by the flag before the limit applies: the encoded string (4/3 longer) does not count', async () => {
    const { handler } = handlerWith({ maxBodyBytes: limit });
    const e = influxEvent(atLimit, true);
    assert.ok(e.body!.length > limit);
    assert.equal((await handler(e, context)).statusCode, 204);
  });

  it('a binary content type does not make a text body base64 (the flag decides)', async () => {
    const { handler, samples } = handlerWith({ maxBodyBytes: limit });
    const res = await handler(influxEvent(lines(3), false, { 'content-type': 'application/octet-stream' }), context);
    assert.equal(res.statusCode, 204, res.body);
    assert.equal(samples(), 3);
  });

  it('a text body counts in UTF-8 bytes: fewer characters than the limit but more bytes is 413', async () => {
    const { handler, samples } = handlerWith({ maxBodyBytes: 1000 });
    const body = Buffer.from(`m,t=${'µ'.repeat(600)} v=1\n`);
    const e = influxEvent(body, false);
    assert.ok(e.body!.length <= 1000 && body.length > 1000);
    assert.equal((await handler(e, context)).statusCode, 413);
    assert.equal(samples(), 0);
  });

  it('gzip within max_body_bytes that inflates past max_decompressed_body_bytes answers 413, nothing queued', async () => {
    const { handler, samples } = handlerWith({ maxBodyBytes: limit, maxDecompressedBodyBytes: limit });
    const zipped = gzipSync(onePast);
    assert.ok(zipped.length < limit);
    const res = await handler(influxEvent(zipped, true, { 'content-encoding': 'gzip' }), context);
    assert.equal(res.statusCode, 413);
    assert.match(res.body!, /^influx: .*max_decompressed_body_bytes=65536/);
    assert.equal(samples(), 0);
  });

  it("the issue's reproduction with the default limit: 66,536 lines (4,258,304 bytes), base64 as API Gateway sends it: 413, nothing queued", async () => {
    const { handler, samples } = handlerWith({});
    const body = lines(66_536);
    assert.equal(body.length, 4_258_304);
    const res = await handler(influxEvent(body, true), context);
    assert.equal(res.statusCode, 413);
    assert.match(res.body!, /exceeds max_body_bytes=4194304/);
    assert.equal(samples(), 0);
  });
});
