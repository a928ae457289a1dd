import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ingestHarness } from '../../helpers/ingest.ts';
import { unpackMessage } from '../../../lib/queue/unpack.ts';
import { packSeries } from '../../../lib/queue/envelope.ts';
import { encodeWriteRequest, encodeTimeSeries } from '../../../lib/remote-write/encode.ts';
import { decodeWriteRequest } from '../../../lib/remote-write/decode.ts';
import { encodeV2Request } from '../../../lib/remote-write/v2.ts';
import { decodeV2Request } from '../../../lib/remote-write/v2-decode.ts';
import { snappyCompress, snappyUncompress } from '../../../lib/remote-write/snappy.ts';
import { deliverBatch, destinationFor, type DeliveryDeps, type QueueRecord } from '../../../lib/delivery/deliver.ts';
import { replayOverflow } from '../../../lib/delivery/replay.ts';
import { chunkBySamples } from '../../../lib/delivery/chunk.ts';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import { nativeToClassic, bucketCounts, formatBound } from '../../../lib/model/classic.ts';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../lib/ports/index.ts';
import type { Histogram, TimeSeries } from '../../../lib/model/types.ts';
import { compileRelabelConfigs } from '../../../lib/relabel/index.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger } from '../../helpers/fakes.ts';

const V2_CT = 'application/x-protobuf;proto=io.prometheus.write.v2.Request';

function hist(over: Partial<Histogram> = {}): Histogram {
  return { timestamp: 1000, float: false, count: 6, sum: 9, schema: 0, zeroThreshold: 0.001, zeroCount: 1, negativeSpans: [], negativeBuckets: [], positiveSpans: [{ offset: 0, length: 3 }], positiveBuckets: [1, 1, 0], resetHint: 0, customValues: [], ...over };
}
const name = (n: string, more: Record<string, string> = {}) => [{ name: '__name__', value: n }, ...Object.entries(more).map(([k, v]) => ({ name: k, value: v }))];

describe('remote_write receive: 2.0 and the new kinds through the pipeline', () => {
  it('2.0: queues samples, histograms, exemplars and metadata; answers 204 with exact written counts', async () => {
    const h = ingestHarness();
    const body = encodeV2Request(
      [
        { labels: name('rpc_seconds', { job: 'api' }), samples: [], histograms: [hist(), hist({ timestamp: 2000 })], exemplars: [{ labels: name('x').slice(0, 0).concat([{ name: 'trace_id', value: 't1' }]), value: 0.2, timestamp: 1000 }] },
        { labels: name('up', { job: 'api' }), samples: [{ value: 1, timestamp: 1000 }] },
      ],
      [{ type: 'HISTOGRAM', metricFamilyName: 'rpc_seconds', help: 'RPC latency.', unit: 'seconds' }],
    ).body;
    const res = await h.call('POST', '/api/v1/write', snappyCompress(body), { 'content-type': V2_CT, 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '2.0.0' });
    assert.equal(res.status, 204, String(res.body));
    assert.equal(res.headers['X-Prometheus-Remote-Write-Samples-Written'], '1');
    assert.equal(res.headers['X-Prometheus-Remote-Write-Histograms-Written'], '2');
    assert.equal(res.headers['X-Prometheus-Remote-Write-Exemplars-Written'], '1');
    const m = h.queue.sent[0]!;
    assert.equal(m.attributes.v, '2');
    assert.equal(m.attributes.histograms, '2');
    assert.equal(m.attributes.exemplars, '1');
    assert.equal(m.attributes.metadata, '1');
    const wr = await unpackMessage(m.body, m.attributes, h.blobs);
    assert.equal(wr.timeseries.find((s) => s.labels[0]!.value === 'rpc_seconds')!.histograms!.length, 2);
    assert.deepEqual(wr.metadata, [{ type: 'HISTOGRAM', metricFamilyName: 'rpc_seconds', help: 'RPC latency.', unit: 'seconds' }]);
    assert.equal(h.metrics.get('ingest_histograms_total', { protocol: 'remote_write', tenant: 'default' }), 2);
    assert.equal(h.metrics.get('ingest_exemplars_total', { protocol: 'remote_write', tenant: 'default' }), 1);
  });

  it('2.0: a series it cannot take is left out, the rest queued, and the answer is 400 with the counts (as Prometheus 3)', async () => {
    const h = ingestHarness();
    const good = encodeV2Request([{ labels: name('up'), samples: [{ value: 1, timestamp: 1 }] }]).body;
    // Append a series whose label reference points past the symbols table.
    const bad = Buffer.from([0x2a, 0x06, 0x0a, 0x02, 0x01, 0x09, 0x12, 0x00]);
    const res = await h.call('POST', '/api/v1/write', snappyCompress(Buffer.concat([good, bad])), { 'content-type': V2_CT });
    assert.equal(res.status, 400);
    assert.match(String(res.body), /remote_write: series 2: series reference 9 is outside the symbols table/);
    assert.equal(res.headers['X-Prometheus-Remote-Write-Samples-Written'], '1');
    assert.equal(h.queue.sent.length, 1);
  });

  it('2.0: series breaking the label rules are 400 too, nothing else lost', async () => {
    const h = ingestHarness();
    const body = encodeV2Request([{ labels: [{ name: 'a', value: 'x' }], samples: [{ value: 1, timestamp: 1 }] }, { labels: name('ok'), samples: [{ value: 1, timestamp: 1 }] }]).body;
    const res = await h.call('POST', '/api/v1/write', snappyCompress(body), { 'content-type': V2_CT });
    assert.equal(res.status, 400);
    assert.equal(res.headers['X-Prometheus-Remote-Write-Samples-Written'], '1');
  });

  it('1.0: metadata-only requests are queued; histograms and exemplars too', async () => {
    const h = ingestHarness();
    const res = await h.call('POST', '/api/v1/write', snappyCompress(encodeWriteRequest({ timeseries: [], metadata: [{ type: 'COUNTER', metricFamilyName: 'x_total', help: 'X.', unit: '' }] })));
    assert.equal(res.status, 204);
    assert.equal(h.queue.sent.length, 1);
    assert.equal(h.queue.sent[0]!.attributes.metadata, '1');
    const res2 = await h.call('POST', '/api/v1/write', snappyCompress(encodeWriteRequest({ timeseries: [{ labels: name('h'), samples: [], histograms: [hist()] }, { labels: name('h'), samples: [], exemplars: [{ labels: [], value: 1, timestamp: 1000 }] }], metadata: [] })), { 'content-type': 'application/x-protobuf;proto=prometheus.WriteRequest' });
    assert.equal(res2.status, 204);
    const wr = await unpackMessage(h.queue.sent[1]!.body, h.queue.sent[1]!.attributes, h.blobs);
    assert.equal(wr.timeseries.length, 1, 'equal label sets merged: the exemplar rides with its histogram');
    assert.equal(wr.timeseries[0]!.histograms!.length, 1);
    assert.equal(wr.timeseries[0]!.exemplars!.length, 1);
  });

  it('relabeling applies to histogram series like any other (drop and rename)', async () => {
    const h = ingestHarness({}, undefined, { relabel: compileRelabelConfigs([{ source_labels: ['__name__'], regex: 'drop_me', action: 'drop' }, { target_label: 'env', replacement: 'prod' }], 'relabel_configs') });
    const body = encodeV2Request([{ labels: name('drop_me'), samples: [], histograms: [hist()] }, { labels: name('keep'), samples: [], histograms: [hist()] }]).body;
    const res = await h.call('POST', '/api/v1/write', snappyCompress(body), { 'content-type': V2_CT });
    assert.equal(res.status, 204);
    assert.equal(res.headers['X-Prometheus-Remote-Write-Histograms-Written'], '1');
    const wr = await unpackMessage(h.queue.sent[0]!.body, h.queue.sent[0]!.attributes, h.blobs);
    assert.deepEqual(wr.timeseries.map((s) => s.labels), [[{ name: '__name__', value: 'keep' }, { name: 'env', value: 'prod' }]]);
    assert.equal(h.metrics.get('ingest_relabel_dropped_total', { protocol: 'remote_write', kind: 'histogram' }), 1);
  });
});

describe('queue: envelope version 2, and version 1 still delivered', () => {
  it('a stored version 1 message (SQS, spool/ claim check) is delivered as before', async () => {
    const v1Body = snappyCompress(encodeTimeSeries([{ labels: name('legacy'), samples: [{ value: 1, timestamp: 1 }] }]));
    const http = new Scripted(() => ok());
    const { d, blobs } = deps(http);
    await blobs.put('spool/2026-12-01/x.snappy', v1Body);
    const recs: QueueRecord[] = [
      { messageId: 'a', body: Buffer.from(v1Body).toString('base64'), attributes: { v: '1', samples: '1', tenant: 't', source: 'push' } },
      { messageId: 'b', body: 'spool/2026-12-01/x.snappy', attributes: { v: '1', samples: '1', tenant: 't', source: 'push', claim: '1' } },
    ];
    const res = await deliverBatch(recs, d.clock.now() + 60_000, d);
    assert.deepEqual(res.failedMessageIds, []);
    assert.equal(http.requests.length, 2);
    assert.deepEqual(Buffer.from(http.requests[0]!.body!), Buffer.from(v1Body), 'forwarded untouched');
  });

  it('a claim check whose key comes back as bytes (a queue that keeps bytes) is read and its spooled payload deleted once delivered', async () => {
    const payload = snappyCompress(encodeTimeSeries([{ labels: name('spooled'), samples: [{ value: 1, timestamp: 1 }] }]));
    const http = new Scripted(() => ok());
    const { d, blobs } = deps(http);
    await blobs.put('spool/2026-12-03/y.snappy', payload);
    const key = new TextEncoder().encode('spool/2026-12-03/y.snappy');
    const res = await deliverBatch([{ messageId: 'c', body: key, attributes: { v: '2', samples: '1', tenant: 't', source: 'push', claim: '1' } }], d.clock.now() + 60_000, d);
    assert.deepEqual(res.failedMessageIds, []);
    assert.deepEqual(Buffer.from(http.requests[0]!.body!), Buffer.from(payload));
    assert.equal(blobs.objects.has('spool/2026-12-03/y.snappy'), false, 'the spooled payload is deleted under its key');
  });

  it('a stored version 1 object under overflow/ replays to a 2.0 destination re-encoded', async () => {
    const http = new Scripted(() => ok2());
    const { d, blobs } = deps(http, { protobuf_message: 'io.prometheus.write.v2.Request' });
    await blobs.put('overflow/d0/2026-12-01/x.snappy', snappyCompress(encodeTimeSeries([{ labels: name('legacy'), samples: [{ value: 1, timestamp: 1 }] }])), { samples: '1' });
    const [r] = await replayOverflow({ ...d, destinations: d.destinations }, { concurrency: 1, maxObjectsPerSecond: 100, maxBytesPerSecond: 1e9, deadline: d.clock.now() + 60_000 });
    assert.equal(r!.replayed, 1);
    assert.equal(http.requests[0]!.headers['content-type'], V2_CT);
    assert.deepEqual(decodeV2Request(snappyUncompress(http.requests[0]!.body!, 1e6, 't')).timeseries[0]!.labels, name('legacy'));
  });

  it('an unknown envelope version is refused (quarantined), not misread', async () => {
    const http = new Scripted(() => ok());
    const { d, blobs } = deps(http);
    const res = await deliverBatch([{ messageId: 'z', body: 'AAAA', attributes: { v: '3' } }], d.clock.now() + 1000, d);
    assert.deepEqual(res.failedMessageIds, []);
    assert.ok([...blobs.objects.keys()].some((k) => k.startsWith('rejected/_undecodable/')));
  });
});

class Scripted implements HttpClient {
  readonly requests: HttpRequest[] = [];
  private readonly script: (req: HttpRequest, n: number) => HttpResponse;
  constructor(script: (req: HttpRequest, n: number) => HttpResponse) {
    this.script = script;
  }
  async request(req: HttpRequest): Promise<HttpResponse> {
    this.requests.push(req);
    return this.script(req, this.requests.length);
  }
}
const ok = (): HttpResponse => ({ status: 204, headers: {}, body: Buffer.from('') });
/** A 2.0 receiver's answer: it says what it wrote. */
const ok2 = (): HttpResponse => ({ status: 204, headers: { 'x-prometheus-remote-write-samples-written': '1', 'x-prometheus-remote-write-histograms-written': '1', 'x-prometheus-remote-write-exemplars-written': '2' }, body: Buffer.from('') });
const status = (s: number): HttpResponse => ({ status: s, headers: {}, body: Buffer.from(`status ${s}`) });

function deps(http: HttpClient, extra: Record<string, unknown> = {}, max = 100) {
  const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ url: 'http://a/api/v1/write', name: 'd0', queue_config: { max_samples_per_send: max, min_backoff: '100ms', max_backoff: '1s' }, ...extra }] });
  const blobs = new MemoryBlobStore();
  const metrics = new CounterRegistry();
  const d: DeliveryDeps = { destinations: config.remoteWrite.map((c) => ({ config: c })), http, blobs, clock: new FakeClock(), logger: new MemoryLogger(), metrics, random: () => 0.5 };
  return { d, blobs, metrics };
}

/** The records SQS would deliver for the packed messages: a bytes body as its base64 text. */
function recordsOf(series: TimeSeries[], metadata: Parameters<typeof packSeries>[1]['metadata'] = []): QueueRecord[] {
  return packSeries(series, { maxMessageBytes: 256 * 1024, maxSamples: 1e9, tenant: 't', source: 'push', newSpoolKey: () => 'spool/x', metadata }).messages.map((m, i) => ({ messageId: `m${i}`, body: typeof m.body === 'string' ? m.body : Buffer.from(m.body).toString('base64'), attributes: m.attributes }));
}

const mixed: TimeSeries[] = [
  { labels: name('rpc_seconds', { job: 'api' }), samples: [], histograms: [hist()], exemplars: [{ labels: [{ name: 'trace_id', value: 'a' }], value: 1.5, timestamp: 1000 }] },
  { labels: name('up', { job: 'api' }), samples: [{ value: 1, timestamp: 1000 }], exemplars: [{ labels: [{ name: 'trace_id', value: 'b' }], value: 1, timestamp: 1000 }] },
];

describe('delivery: protobuf_message, send_exemplars, send_native_histograms, convert_native_histograms_to_classic', () => {
  it('defaults forward what arrived, as queued (1.0), histograms, exemplars and metadata included', async () => {
    const http = new Scripted(() => ok());
    const { d, metrics } = deps(http);
    const recs = recordsOf(mixed, [{ type: 'GAUGE', metricFamilyName: 'up', help: 'Up.', unit: '' }]);
    await deliverBatch(recs, d.clock.now() + 60_000, d);
    assert.equal(Buffer.from(http.requests[0]!.body!).toString('base64'), recs[0]!.body, 'forwarded untouched');
    const got = decodeWriteRequest(snappyUncompress(http.requests[0]!.body!, 1e6, 't'));
    assert.equal(got.metadata.length, 1);
    assert.equal(metrics.get('delivery_sent_histograms_total', { destination: 'd0' }), 1);
    assert.equal(metrics.get('delivery_sent_exemplars_total', { destination: 'd0' }), 2);
  });

  it('protobuf_message 2.0: Content-Type and version header of 2.0, per-series metadata', async () => {
    const http = new Scripted(() => ok2());
    const { d } = deps(http, { protobuf_message: 'io.prometheus.write.v2.Request' });
    await deliverBatch(recordsOf(mixed, [{ type: 'GAUGE', metricFamilyName: 'up', help: 'Up.', unit: '' }]), d.clock.now() + 60_000, d);
    const req = http.requests[0]!;
    assert.equal(req.headers['content-type'], V2_CT);
    assert.equal(req.headers['x-prometheus-remote-write-version'], '2.0.0');
    const got = decodeV2Request(snappyUncompress(req.body!, 1e6, 't'));
    assert.equal(http.requests.length, 1);
    assert.equal(got.timeseries.length, 2);
    assert.deepEqual(got.metadata, [{ type: 'GAUGE', metricFamilyName: 'up', help: 'Up.', unit: '' }]);
  });

  it('a 2.0 receiver writing less than it was sent (its written counts) is counted and logged', async () => {
    const http = new Scripted(() => ({ status: 204, headers: { 'x-prometheus-remote-write-samples-written': '1', 'x-prometheus-remote-write-histograms-written': '0', 'x-prometheus-remote-write-exemplars-written': '0' }, body: Buffer.from('') }));
    const { d, metrics } = deps(http, { protobuf_message: 'io.prometheus.write.v2.Request' });
    await deliverBatch(recordsOf(mixed), d.clock.now() + 60_000, d);
    assert.equal(metrics.get('delivery_receiver_unwritten_total', { destination: 'd0', kind: 'histograms' }), 1);
    assert.equal(metrics.get('delivery_receiver_unwritten_total', { destination: 'd0', kind: 'exemplars' }), 2);
    assert.ok(!metrics.get('delivery_receiver_unwritten_total', { destination: 'd0', kind: 'samples' }));
  });

  it('2.0: metadata that came in a request of its own (Prometheus 1.0 sends it so) reaches the series sent later', async () => {
    const http = new Scripted(() => ok2());
    const { d } = deps(http, { protobuf_message: 'io.prometheus.write.v2.Request' });
    await deliverBatch(recordsOf([], [{ type: 'COUNTER', metricFamilyName: 'requests', help: 'Requests.', unit: '' }]), d.clock.now() + 60_000, d);
    assert.equal(http.requests.length, 0, '2.0 has no series-less metadata: nothing sent');
    await deliverBatch(recordsOf([{ labels: name('requests_total'), samples: [{ value: 1, timestamp: 1 }] }]), d.clock.now() + 60_000, d);
    assert.deepEqual(decodeV2Request(snappyUncompress(http.requests[0]!.body!, 1e6, 't')).metadata, [{ type: 'COUNTER', metricFamilyName: 'requests_total', help: 'Requests.', unit: '' }]);
  });

  it('2.0: a request left with only exemplar-only series is not sent; its exemplars are counted as dropped', async () => {
    const http = new Scripted(() => ok2());
    const { d, metrics } = deps(http, { protobuf_message: 'io.prometheus.write.v2.Request' });
    await deliverBatch(recordsOf([{ labels: name('e'), samples: [], exemplars: [{ labels: [], value: 1, timestamp: 1 }] }]), d.clock.now() + 60_000, d);
    assert.equal(http.requests.length, 0);
    assert.equal(metrics.get('delivery_dropped_total', { destination: 'd0', kind: 'exemplar', reason: 'no_sample_in_v2_series' }), 1);
    assert.ok(!metrics.get('delivery_protobuf_fallback_total', { destination: 'd0' }));
  });

  it('a 2xx to 2.0 without written counts (a 1.0 receiver ignoring Content-Type) is sent again as 1.0, and 1.0 from then on', async () => {
    const http = new Scripted(() => ok());
    const { d, metrics } = deps(http, { protobuf_message: 'io.prometheus.write.v2.Request' });
    await deliverBatch(recordsOf(mixed), d.clock.now() + 60_000, d);
    await deliverBatch(recordsOf(mixed), d.clock.now() + 60_000, d);
    assert.deepEqual(http.requests.map((r) => r.headers['content-type']), [V2_CT, 'application/x-protobuf', 'application/x-protobuf']);
    assert.equal(metrics.get('delivery_protobuf_fallback_total', { destination: 'd0' }), 1);
    assert.equal(metrics.get('delivery_sent_samples_total', { destination: 'd0' }), 2);
  });

  it('a 2.0 destination answering 415 gets the same data as 1.0, and 1.0 from then on', async () => {
    const http = new Scripted((req) => (req.headers['content-type'] === V2_CT ? status(415) : ok()));
    const { d, metrics, blobs } = deps(http, { protobuf_message: 'io.prometheus.write.v2.Request' });
    await deliverBatch(recordsOf(mixed), d.clock.now() + 60_000, d);
    await deliverBatch(recordsOf(mixed), d.clock.now() + 60_000, d);
    assert.deepEqual(http.requests.map((r) => r.headers['content-type']), [V2_CT, 'application/x-protobuf', 'application/x-protobuf']);
    assert.equal(metrics.get('delivery_protobuf_fallback_total', { destination: 'd0' }), 1);
    assert.equal([...blobs.objects.keys()].filter((k) => k.startsWith('rejected/')).length, 0);
    assert.equal(metrics.get('delivery_sent_histograms_total', { destination: 'd0' }), 2);
  });

  it('send_native_histograms: false and send_exemplars: false drop them, counted and logged, floats still sent', async () => {
    const http = new Scripted(() => ok());
    const { d, metrics } = deps(http, { send_native_histograms: false, send_exemplars: false });
    await deliverBatch(recordsOf(mixed), d.clock.now() + 60_000, d);
    const got = decodeWriteRequest(snappyUncompress(http.requests[0]!.body!, 1e6, 't'));
    assert.deepEqual(got.timeseries, [{ labels: name('up', { job: 'api' }), samples: [{ value: 1, timestamp: 1000 }] }]);
    assert.equal(metrics.get('delivery_dropped_total', { destination: 'd0', kind: 'histogram', reason: 'send_native_histograms_false' }), 1);
    assert.equal(metrics.get('delivery_dropped_total', { destination: 'd0', kind: 'exemplar', reason: 'send_exemplars_false' }), 2);
    assert.ok((d.logger as MemoryLogger).lines.some((l) => l.level === 'warn' && /does not take/.test(l.msg)));
  });

  it('convert_native_histograms_to_classic sends _bucket{le}, _count and _sum series', async () => {
    const http = new Scripted(() => ok());
    const { d, metrics } = deps(http, { convert_native_histograms_to_classic: true });
    await deliverBatch(recordsOf(mixed.slice(0, 1)), d.clock.now() + 60_000, d);
    const got = decodeWriteRequest(snappyUncompress(http.requests[0]!.body!, 1e6, 't')).timeseries;
    const byLe = Object.fromEntries(got.filter((s) => s.labels.some((l) => l.value === 'rpc_seconds_bucket')).map((s) => [s.labels.find((l) => l.name === 'le')!.value, s.samples[0]!.value]));
    // Deltas [1, 1, 0] are counts [1, 2, 2] for (0.5,1], (1,2], (2,4]; the zero bucket holds 1 (le=0.001).
    assert.deepEqual(byLe, { '0.001': 1, '1': 2, '2': 4, '4': 6, '+Inf': 6 });
    assert.equal(got.find((s) => s.labels[0]!.value === 'rpc_seconds_count')!.samples[0]!.value, 6);
    assert.equal(got.find((s) => s.labels[0]!.value === 'rpc_seconds_sum')!.samples[0]!.value, 9);
    assert.ok(got.every((s) => !s.histograms));
    assert.equal(got.find((s) => s.exemplars)!.labels.find((l) => l.name === 'le')!.value, '2', 'exemplar 1.5 on the le="2" bucket');
    assert.equal(metrics.get('delivery_converted_histograms_total', { destination: 'd0' }), 1);
  });

  it('max_samples_per_send counts histograms: a long histogram series is cut in order, exemplars with the first piece', () => {
    const s: TimeSeries = { labels: name('h'), samples: [{ value: 1, timestamp: 1 }], histograms: [hist({ timestamp: 2 }), hist({ timestamp: 3 }), hist({ timestamp: 4 })], exemplars: [{ labels: [], value: 1, timestamp: 1 }] };
    const chunks = chunkBySamples([s], 2);
    assert.deepEqual(chunks.map((c) => c.map((p) => [p.samples.length, p.histograms?.length ?? 0, p.exemplars?.length ?? 0])), [[[1, 1, 1]], [[0, 2, 0]]]);
  });
});

describe('classic conversion preserves counts at every boundary (property)', () => {
  const arb = fc
    .record({
      schema: fc.oneof(fc.integer({ min: -4, max: 8 }), fc.constant(-53)),
      zt: fc.constantFrom(0, 1e-128, 0.001),
      zero: fc.nat(20),
      pos: fc.array(fc.record({ gap: fc.nat(3), counts: fc.array(fc.nat(50), { minLength: 1, maxLength: 4 }) }), { maxLength: 3 }),
      neg: fc.array(fc.record({ gap: fc.nat(3), counts: fc.array(fc.nat(50), { minLength: 1, maxLength: 4 }) }), { maxLength: 3 }),
      start: fc.integer({ min: -10, max: 10 }),
      float: fc.boolean(),
    })
    .map((r) => {
      const custom = r.schema === -53;
      const build = (parts: { gap: number; counts: number[] }[], start: number) => {
        const spans = parts.map((p, i) => ({ offset: i === 0 ? start + p.gap : p.gap, length: p.counts.length }));
        const counts = parts.flatMap((p) => p.counts);
        return { spans, counts };
      };
      const pos = build(r.pos, custom ? 0 : r.start);
      const neg = custom ? { spans: [], counts: [] } : build(r.neg, r.start);
      const deltas = (c: number[]) => c.map((v, i) => v - (i ? c[i - 1]! : 0));
      const maxIdx = pos.spans.reduce((n, s) => n + s.offset + s.length, 0);
      const zeroCount = custom ? 0 : r.zero;
      const total = zeroCount + pos.counts.reduce((a, b) => a + b, 0) + neg.counts.reduce((a, b) => a + b, 0);
      const h: Histogram = {
        timestamp: 1000,
        float: r.float,
        count: total,
        sum: 42,
        schema: r.schema,
        zeroThreshold: custom ? 0 : r.zt,
        zeroCount,
        negativeSpans: neg.spans,
        negativeBuckets: r.float ? neg.counts : deltas(neg.counts),
        positiveSpans: pos.spans,
        positiveBuckets: r.float ? pos.counts : deltas(pos.counts),
        resetHint: 0,
        customValues: custom ? Array.from({ length: Math.max(0, maxIdx) }, (_, i) => (i + 1) * 0.5) : [],
      };
      return h;
    });

  it('every emitted le holds the count of native buckets at or below it; +Inf, _count and _sum hold the totals', () => {
    fc.assert(
      fc.property(arb, (h) => {
        // Independent oracle: every native bucket with its upper bound (negative ones by their upper end).
        const buckets: [number, number][] = [];
        const base = (i: number) => (h.schema === -53 ? (i >= h.customValues.length ? Infinity : h.customValues[i]!) : 2 ** (i / 2 ** h.schema));
        for (const b of bucketCounts(h.positiveSpans, h.positiveBuckets, h.float)) buckets.push([base(b.index), b.count]);
        for (const b of bucketCounts(h.negativeSpans, h.negativeBuckets, h.float)) buckets.push([-base(b.index - 1), b.count]);
        if (h.schema !== -53) buckets.push([h.zeroThreshold, h.zeroCount]);
        const out = nativeToClassic(name('x', { job: 'j' }), [h]);
        const bucketSeries = out.filter((s) => s.labels[0]!.value === 'x_bucket');
        let prev = -Infinity;
        for (const s of bucketSeries) {
          const leLabel = s.labels.find((l) => l.name === 'le')!.value;
          const le = leLabel === '+Inf' ? Infinity : Number(leLabel);
          const want = buckets.filter(([ub]) => ub <= le || (le === Infinity)).reduce((n, [, c]) => n + c, 0);
          assert.equal(s.samples[0]!.value, want, `le=${leLabel}`);
          assert.ok(s.samples[0]!.value >= prev, 'cumulative');
          prev = s.samples[0]!.value;
        }
        assert.equal(bucketSeries.at(-1)!.labels.find((l) => l.name === 'le')!.value, '+Inf');
        assert.equal(bucketSeries.at(-1)!.samples[0]!.value, h.count);
        assert.equal(out.find((s) => s.labels[0]!.value === 'x_count')!.samples[0]!.value, h.count);
        assert.equal(out.find((s) => s.labels[0]!.value === 'x_sum')!.samples[0]!.value, 42);
        assert.ok(out.every((s) => s.labels.some((l) => l.name === 'job' && l.value === 'j')));
      }),
      { numRuns: 500 },
    );
  });

  it('formats le as client libraries do (Go shortest %g)', () => {
    assert.deepEqual([0.001, 1, 2.5, 1e6, 123456, 1e-5, Infinity].map(formatBound), ['0.001', '1', '2.5', '1e+06', '123456', '1e-05', '+Inf']);
  });
});

describe('native histograms Prometheus would refuse are reported at ingest, not queued', () => {
  const cases: { name: string; h: Partial<Histogram>; want: RegExp | undefined }[] = [
    { name: 'a valid integer histogram', h: {}, want: undefined },
    { name: 'count not matching the buckets', h: { count: 7 }, want: /6 observations in buckets, but the count is 7/ },
    { name: 'count below the buckets with a NaN sum (allowed above)', h: { count: 5, sum: NaN }, want: /6 observations in buckets, but the count is 5/ },
    { name: 'a count above the buckets with a NaN sum', h: { count: 9, sum: NaN }, want: undefined },
    { name: 'spans and buckets disagreeing', h: { positiveBuckets: [1, 1] }, want: /positive side: spans need 3 buckets, have 2/ },
    { name: 'a negative bucket count', h: { positiveBuckets: [1, -2, 0] }, want: /positive side: bucket 2 has an observation count of -1/ },
    { name: 'a negative offset past the first span', h: { positiveSpans: [{ offset: 0, length: 1 }, { offset: -1, length: 2 }] }, want: /span 2 has a negative offset -1/ },
    { name: 'an unknown schema', h: { schema: 60 }, want: /invalid schema 60/ },
    { name: 'custom bounds out of order', h: { schema: -53, zeroThreshold: 0, zeroCount: 0, count: 5, customValues: [1, 0.5, 2] }, want: /strictly increasing/ },
    { name: 'custom buckets with a zero count', h: { schema: -53, zeroThreshold: 0, customValues: [1, 2, 3] }, want: /zero count of 0/ },
    { name: 'too few custom bounds', h: { schema: -53, zeroThreshold: 0, zeroCount: 0, count: 5, customValues: [1] }, want: /only 1 custom bounds for a span length of 3/ },
    { name: 'a valid float histogram with a fractional count', h: { float: true, count: 2.5, zeroCount: 0.5, positiveBuckets: [1, 0.5, 0.5] }, want: undefined },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { histogramProblem } = await import('../../../lib/model/histogram-check.ts');
      const p = histogramProblem(hist(c.h));
      if (c.want) assert.match(p ?? '', c.want);
      else assert.equal(p, undefined);
    });
  }

  it('1.0: the bad histogram is left out and counted, its series\' other data and other series queued (204)', async () => {
    const h = ingestHarness();
    const body = encodeWriteRequest({ timeseries: [{ labels: name('h'), samples: [], histograms: [hist(), hist({ timestamp: 2000, count: 99 })] }, { labels: name('up'), samples: [{ value: 1, timestamp: 1 }] }], metadata: [] });
    const res = await h.call('POST', '/api/v1/write', snappyCompress(body));
    assert.equal(res.status, 204);
    assert.equal(res.headers['x-gateway-rejected-lines'], '1');
    const wr = await unpackMessage(h.queue.sent[0]!.body, h.queue.sent[0]!.attributes, h.blobs);
    assert.deepEqual(wr.timeseries.map((s) => [s.labels[0]!.value, s.histograms?.length ?? 0, s.samples.length]), [['h', 1, 0], ['up', 0, 1]]);
  });

  it('1.0: a series whose only bad part is one of its histograms still counts as accepted (204)', async () => {
    const h = ingestHarness();
    const body = encodeWriteRequest({ timeseries: [{ labels: name('h'), samples: [], histograms: [hist(), hist({ timestamp: 2000, count: 99 })] }], metadata: [] });
    const res = await h.call('POST', '/api/v1/write', snappyCompress(body));
    assert.equal(res.status, 204);
    assert.equal(h.queue.sent.length, 1);
  });

  it('2.0: 400 naming it, the rest queued, written counts exact', async () => {
    const h = ingestHarness();
    const body = encodeV2Request([{ labels: name('h'), samples: [], histograms: [hist(), hist({ timestamp: 2000, positiveBuckets: [1] })] }]).body;
    const res = await h.call('POST', '/api/v1/write', snappyCompress(body), { 'content-type': V2_CT });
    assert.equal(res.status, 400);
    assert.match(String(res.body), /invalid native histogram: positive side: spans need 3 buckets, have 1/);
    assert.equal(res.headers['X-Prometheus-Remote-Write-Histograms-Written'], '1');
  });
});

describe('histograms and exemplars through ordered sharding, overflow and replay', () => {
  it('ordered mode: a histogram series goes to its label set\'s shard; metadata rides in the first message', async () => {
    const { seriesShard, shardGroupId } = await import('../../../lib/queue/shard.ts');
    const series: TimeSeries[] = Array.from({ length: 20 }, (_, i) => ({ labels: name('h', { i: String(i) }), samples: [], histograms: [hist()] }));
    const packed = packSeries(series, { maxMessageBytes: 256 * 1024, maxSamples: 1e9, tenant: 't', source: 'push', newSpoolKey: () => 'spool/x', shards: 4, metadata: [{ type: 'HISTOGRAM', metricFamilyName: 'h', help: '', unit: '' }] });
    let metadata = 0;
    for (const m of packed.messages) {
      const wr = await unpackMessage(m.body, m.attributes, new MemoryBlobStore());
      metadata += wr.metadata.length;
      for (const s of wr.timeseries) assert.equal(shardGroupId(seriesShard(s.labels, 4)), m.groupId);
      assert.equal(Number(m.attributes.histograms), wr.timeseries.length);
    }
    assert.equal(metadata, 1);
    assert.equal(packed.messages.reduce((n, m) => n + Number(m.attributes.histograms), 0), 20);
  });

  it('a destination down parks histograms and exemplars under overflow/; replay sends them', async () => {
    let down = true;
    const http = new Scripted(() => (down ? status(503) : ok()));
    const { d, blobs, metrics } = deps(http, { send_exemplars: true, write_relabel_configs: [{ target_label: 'via', replacement: 'gw' }] });
    d.destinations = d.destinations.map((x) => destinationFor(x.config));
    await deliverBatch(recordsOf(mixed), d.clock.now() + 2_000, d);
    const parked = [...blobs.objects.entries()].filter(([k]) => k.startsWith('overflow/d0/'));
    assert.equal(parked.length, 1);
    assert.equal(parked[0]![1].metadata.histograms, '1');
    assert.equal(metrics.get('delivery_overflow_histograms_total', { destination: 'd0' }), 1);
    down = false;
    const [r] = await replayOverflow(d, { concurrency: 1, maxObjectsPerSecond: 100, maxBytesPerSecond: 1e9, deadline: d.clock.now() + 60_000 });
    assert.equal(r!.replayed, 1);
    const sent = decodeWriteRequest(snappyUncompress(http.requests.at(-1)!.body!, 1e6, 't')).timeseries;
    assert.equal(sent.find((s) => s.histograms)!.histograms!.length, 1);
    assert.equal(sent.flatMap((s) => s.exemplars ?? []).length, 2);
    assert.ok(sent.every((s) => s.labels.some((l) => l.name === 'via')));
  });
});

describe('remote_write Content-Type negotiation (as Prometheus 3)', () => {
  const cases: { ct: string | undefined; want: 'v1' | 'v2' | RegExp }[] = [
    { ct: undefined, want: 'v1' },
    { ct: '', want: 'v1' },
    { ct: 'application/x-protobuf', want: 'v1' },
    { ct: 'application/x-protobuf;proto=prometheus.WriteRequest', want: 'v1' },
    { ct: 'Application/X-Protobuf; proto="io.prometheus.write.v2.Request"', want: 'v2' },
    { ct: 'application/x-protobuf;charset=utf-8;proto=io.prometheus.write.v2.Request', want: 'v2' },
    { ct: 'application/x-protobuf;proto=io.prometheus.write.v3.Request', want: /unsupported protobuf message "io.prometheus.write.v3.Request"/ },
    { ct: 'text/plain', want: /unsupported Content-Type "text\/plain"/ },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.ct)} -> ${String(c.want)}`, async () => {
      const { remoteWriteMessage } = await import('../../../lib/ingest/remote-write/route.ts');
      if (c.want instanceof RegExp) assert.throws(() => remoteWriteMessage(c.ct), (e: Error & { status?: number }) => e.status === 415 && (c.want as RegExp).test(e.message));
      else assert.equal(remoteWriteMessage(c.ct), c.want);
    });
  }
});
