/**
 * A snappy body is decoded into a pooled WebAssembly decoder and read there in place until the pipeline
 * has answered (lib/codec/decompress.ts decompressBodyScoped). Requests in flight at once must each read
 * their own bytes: the pipeline and the lazily loaded routes await between decompressing and parsing, so
 * a decoder shared without a lease would be overwritten by the next request's body in between.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ingestHarness } from '../../../helpers/ingest.ts';
import { unpackMessage } from '../../../../lib/queue/unpack.ts';
import { encodeWriteRequest } from '../../../../lib/remote-write/encode.ts';
import { MAX_LEASES, snappyCompress, snappyDecoderPool } from '../../../../lib/remote-write/snappy.ts';
import type { TimeSeries } from '../../../../lib/model/types.ts';

const headers = { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf' };
/** Request r's series: its own metric name and values, so a message read from another request's bytes shows. */
const requestSeries = (r: number, n: number): TimeSeries[] =>
  Array.from({ length: n }, (_, i) => ({ labels: [{ name: '__name__', value: `req_${r}` }, { name: 'i', value: `${r}-${i}` }], samples: [{ value: r * 1000 + i, timestamp: 1000 + r }] }));

describe('the decompressed body in pooled decoder memory', () => {
  it(`requests in flight at once each read their own body, forwarded and decoded alike, past MAX_LEASES (${MAX_LEASES}) too`, async () => {
    const h = ingestHarness();
    // More than MAX_LEASES at once: the last ones get copies, which must read the same.
    const N = MAX_LEASES + 8;
    // Odd requests take the full path (an extra label): the route decodes the leased bytes after an await.
    const calls = Array.from({ length: N }, (_, r) =>
      h.call('POST', r % 2 ? `/api/v1/write?extra_label=req=${r}` : '/api/v1/write', snappyCompress(encodeWriteRequest({ timeseries: requestSeries(r, 20 + r), metadata: [] })), headers),
    );
    const answers = await Promise.all(calls);
    assert.deepEqual(answers.map((a) => a.status), new Array(N).fill(204), answers.map((a) => a.body).join(' '));
    assert.equal(h.queue.sent.length, N);
    const seen = new Set<number>();
    for (const m of h.queue.sent) {
      const got = (await unpackMessage(m.body, m.attributes, h.blobs)).timeseries;
      const r = Number(got[0]!.labels[0]!.value.slice(4));
      seen.add(r);
      const want = requestSeries(r, 20 + r).map((s) => (r % 2 ? { ...s, labels: [...s.labels, { name: 'req', value: String(r) }] } : s));
      assert.deepEqual(got, want, `request ${r}`);
    }
    assert.equal(seen.size, N);
    // Every lease was given back: the decoders are idle again (at most one per request in flight).
    const pool = snappyDecoderPool();
    assert.equal(pool.leased, 0, JSON.stringify(pool));
    assert.ok(pool.idle >= 1 && pool.idle <= N, JSON.stringify(pool));
  });

  it('a refused body (400) and a rejected request give the decoder back too', async () => {
    const h = ingestHarness();
    await h.call('POST', '/api/v1/write', snappyCompress(encodeWriteRequest({ timeseries: requestSeries(1, 3), metadata: [] })), headers);
    const idle = snappyDecoderPool().idle;
    const bad = Buffer.from(snappyCompress(encodeWriteRequest({ timeseries: requestSeries(2, 3), metadata: [] })));
    bad[bad.length - 1]! ^= 0xff;
    bad[5] = 0xff;
    const res = await h.call('POST', '/api/v1/write', bad, headers);
    assert.equal(res.status, 400, String(res.body));
    // A v2 request with an unknown message type: 415 after decompressing.
    const res2 = await h.call('POST', '/api/v1/write', snappyCompress(encodeWriteRequest({ timeseries: requestSeries(3, 3), metadata: [] })), { ...headers, 'content-type': 'application/x-protobuf;proto=nope' });
    assert.equal(res2.status, 415);
    assert.equal(snappyDecoderPool().idle, idle);
    assert.equal(snappyDecoderPool().leased, 0);
  });
});
