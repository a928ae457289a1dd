import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deliverBatch, type DeliveryDeps, type QueueRecord } from '../../../lib/delivery/deliver.ts';
import { dropOldSamples, noAgeDrops, SAMPLE_AGE_LOG } from '../../../lib/delivery/sample-age.ts';
import { packSeries } from '../../../lib/queue/envelope.ts';
import { decodeWriteRequest } from '../../../lib/remote-write/decode.ts';
import { snappyUncompress } from '../../../lib/remote-write/snappy.ts';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../lib/ports/index.ts';
import type { MetricMetadata, TimeSeries } from '../../../lib/model/types.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger } from '../../helpers/fakes.ts';

class RecordingHttp implements HttpClient {
  readonly bodies: ReturnType<typeof decodeWriteRequest>[] = [];
  async request(req: HttpRequest): Promise<HttpResponse> {
    this.bodies.push(decodeWriteRequest(snappyUncompress(req.body!, 1e8, 't')));
    return { status: 204, headers: {}, body: Buffer.alloc(0) };
  }
}

const NOW = 1_700_000_000_000;
const series = (name: string, ...timestamps: number[]): TimeSeries => ({ labels: [{ name: '__name__', value: name }], samples: timestamps.map((timestamp) => ({ value: 1, timestamp })) });
const META: MetricMetadata[] = [{ type: 'COUNTER', metricFamilyName: 'fresh', help: 'h', unit: '' }];

function records(input: TimeSeries[], metadata: MetricMetadata[] = []): QueueRecord[] {
  const packed = packSeries(input, { maxMessageBytes: 256 * 1024, maxSamples: 1e9, tenant: 't', source: 'push', newSpoolKey: () => 'spool/x', metadata });
  return packed.messages.map((m, i) => ({ messageId: `m${i}`, body: m.body, attributes: m.attributes }));
}

function setup(rw: Record<string, unknown>) {
  const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ url: 'http://a/api/v1/write', name: 'd0', ...rw }] });
  const http = new RecordingHttp();
  const metrics = new CounterRegistry();
  const logger = new MemoryLogger();
  const d: DeliveryDeps = { destinations: config.remoteWrite.map((c) => ({ config: c })), http, blobs: new MemoryBlobStore(), clock: new FakeClock(NOW), logger, metrics, random: () => 0.5 };
  return { d, http, metrics, logger };
}

describe('queue_config.sample_age_limit', () => {
  it('drops what is older than the limit at send time, keeps what is at the limit, counts and logs the drop', async () => {
    const { d, http, metrics, logger } = setup({ queue_config: { sample_age_limit: '10m' } });
    const limit = 600_000;
    const input = [series('old', NOW - limit - 1, NOW - limit), series('gone', NOW - 3 * limit), series('fresh', NOW - 1000)];
    const res = await deliverBatch(records(input), NOW + 60_000, d);
    assert.deepEqual(res.failedMessageIds, []);
    const sent = http.bodies.flatMap((b) => b.timeseries).map((s) => [s.labels[0]!.value, s.samples.map((x) => x.timestamp)]);
    assert.deepEqual(sent, [['old', [NOW - limit]], ['fresh', [NOW - 1000]]]);
    assert.equal(metrics.get('delivery_dropped_total', { destination: 'd0', kind: 'sample', reason: 'sample_age_limit' }), 2);
    const line = logger.lines.find((l) => l.msg === SAMPLE_AGE_LOG);
    assert.ok(line, JSON.stringify(logger.lines));
    assert.equal(line.fields!.samples, 2);
  });

  it('without the limit the same batch is sent whole', async () => {
    const { d, http, metrics } = setup({});
    await deliverBatch(records([series('old', NOW - 10 * 86_400_000), series('fresh', NOW)]), NOW + 60_000, d);
    assert.equal(http.bodies.flatMap((b) => b.timeseries).length, 2);
    assert.equal(metrics.get('delivery_dropped_total', { destination: 'd0', kind: 'sample', reason: 'sample_age_limit' }), 0);
  });

  it('drops old histograms and exemplars too; a series left empty is not sent', () => {
    const drops = noAgeDrops();
    const s: TimeSeries = {
      labels: [{ name: '__name__', value: 'h' }],
      samples: [],
      histograms: [{ timestamp: 10, float: false, count: 1, sum: 1, schema: 0, zeroThreshold: 0, zeroCount: 0, positiveSpans: [], positiveDeltas: [], negativeSpans: [], negativeDeltas: [], positiveCounts: [], negativeCounts: [], resetHint: 0 } as never],
      exemplars: [{ labels: [], value: 1, timestamp: 10 }],
    };
    assert.deepEqual(dropOldSamples([s], 100, 1000, drops), []);
    assert.deepEqual(drops, { samples: 0, histograms: 1, exemplars: 1 });
  });

  it('returns the input itself when nothing is old', () => {
    const input = [series('a', 950, 1000)];
    assert.equal(dropOldSamples(input, 50, 1000, noAgeDrops()), input);
  });
});

describe('metadata_config.send', () => {
  it('false: the destination gets the samples and no metadata', async () => {
    const { d, http } = setup({ metadata_config: { send: false } });
    await deliverBatch(records([series('fresh', NOW)], META), NOW + 60_000, d);
    assert.equal(http.bodies.flatMap((b) => b.timeseries).length, 1);
    assert.deepEqual(http.bodies.flatMap((b) => b.metadata), []);
  });

  it('true (the default): the metadata that arrived is sent', async () => {
    const { d, http } = setup({ metadata_config: { send: true } });
    await deliverBatch(records([series('fresh', NOW)], META), NOW + 60_000, d);
    assert.deepEqual(http.bodies.flatMap((b) => b.metadata).map((m) => m.metricFamilyName), ['fresh']);
  });
});
