import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ingestHarness } from '../../../helpers/ingest.ts';
import { unpackMessage } from '../../../../lib/queue/unpack.ts';
import { encodeWriteRequest } from '../../../../lib/remote-write/encode.ts';
import { snappyCompress } from '../../../../lib/remote-write/snappy.ts';
import type { TimeSeries } from '../../../../lib/model/types.ts';

const headers = { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf' };
const series = (n: number, per = 1): TimeSeries[] =>
  Array.from({ length: n }, (_, i) => ({ labels: [{ name: '__name__', value: 'up' }, { name: 'i', value: String(i) }], samples: Array.from({ length: per }, (_, j) => ({ value: i + j, timestamp: 1000 + j })) }));

describe('remote_write 1.0 passthrough in the pipeline', () => {
  it('queues the request bytes as received when nothing changes', async () => {
    const h = ingestHarness();
    const body = snappyCompress(encodeWriteRequest({ timeseries: series(3, 2), metadata: [] }));
    assert.equal((await h.call('POST', '/api/v1/write', body, headers)).status, 204);
    assert.equal(h.queue.sent.length, 1);
    assert.equal(h.queue.sent[0]!.body, Buffer.from(body).toString('base64'));
    assert.deepEqual(h.queue.sent[0]!.attributes, { v: '2', samples: '6', tenant: 'default', source: 'push' });
    assert.deepEqual((await unpackMessage(h.queue.sent[0]!.body, h.queue.sent[0]!.attributes, h.blobs)).timeseries, series(3, 2));
    assert.equal(h.metrics.get('ingest_samples_total', { protocol: 'remote_write', tenant: 'default' }), 6);
  });

  it('re-encodes when an extra label changes the series, as before', async () => {
    const h = ingestHarness();
    const body = snappyCompress(encodeWriteRequest({ timeseries: series(1), metadata: [] }));
    assert.equal((await h.call('POST', '/api/v1/write?extra_label=env=x', body, headers)).status, 204);
    const got = await unpackMessage(h.queue.sent[0]!.body, h.queue.sent[0]!.attributes, h.blobs);
    assert.deepEqual(got.timeseries[0]!.labels, [{ name: '__name__', value: 'up' }, { name: 'env', value: 'x' }, { name: 'i', value: '0' }]);
  });

  it('a request over max_samples_per_message takes the full path and is split', async () => {
    const h = ingestHarness();
    const body = snappyCompress(encodeWriteRequest({ timeseries: series(15_000), metadata: [] }));
    assert.equal((await h.call('POST', '/api/v1/write', body, headers)).status, 204);
    assert.ok(h.queue.sent.length >= 2);
    let n = 0;
    for (const m of h.queue.sent) n += (await unpackMessage(m.body, m.attributes, h.blobs)).timeseries.length;
    assert.equal(n, 15_000);
  });
});
