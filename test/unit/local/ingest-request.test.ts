/**
 * The ingest worker calls the core with httpRequestOf(req) instead of going through an API Gateway event
 * (lib/local/ingest-request.ts): the request the core sees must be the one the Lambda path gives it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromApiGatewayEvent, toApiGatewayEvent } from '../../../lib/adapters/lambda/events.ts';
import { httpRequestOf } from '../../../lib/local/ingest-request.ts';
import type { PoolRequest } from '../../../lib/local/ingest-pool.ts';

const plain = (r: ReturnType<typeof httpRequestOf>) => ({ ...r, query: [...r.query], body: Buffer.from(r.body).toString('hex') });

describe('the request an ingest worker hands the core', () => {
  const requests: PoolRequest[] = [
    { method: 'POST', url: '/write?db=x&precision=ms&extra_label=a%3Db', headers: { Host: 'h', 'Content-Encoding': 'gzip', 'X-Multi': ['a', 'b'], absent: undefined }, body: new Uint8Array([1, 2, 0, 255]), sourceIp: '127.0.0.1', now: 1 },
    { method: 'POST', url: '/insert/42/prometheus/api/v1/write', headers: {}, body: new Uint8Array(0), sourceIp: '::1', now: 2 },
    { method: 'PUT', url: '/api/v1/import/prometheus/%7Ejob?', headers: { 'content-type': 'text/plain' }, body: new TextEncoder().encode('m{a="ü"} 1\n'), sourceIp: '10.0.0.1', now: 3 },
  ];
  for (const req of requests) {
    it(`is what the API Gateway event round trip gives: ${req.method} ${req.url}`, () => {
      assert.deepEqual(plain(httpRequestOf(req)), plain(fromApiGatewayEvent(toApiGatewayEvent(req))));
    });
  }

  it('views the bytes it was given (a part of a larger buffer too), without copying them', () => {
    const whole = new Uint8Array([9, 9, 1, 2, 3, 9]);
    const body = httpRequestOf({ method: 'POST', url: '/write', headers: {}, body: whole.subarray(2, 5), sourceIp: '', now: 0 }).body;
    assert.deepEqual([...body], [1, 2, 3]);
    assert.equal(body.buffer, whole.buffer);
  });
});
