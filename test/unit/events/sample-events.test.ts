import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Context } from 'aws-lambda';
import { createDeliverHandler } from '../../../lib/compose/deliver.ts';
import { createIngestHandler } from '../../../lib/compose/ingest.ts';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import { loadGatewayConfig } from '../../../lib/config/load.ts';
import { DEFAULT_LIMITS } from '../../../lib/config/schema.ts';
import { createRouter } from '../../../lib/ingest/routes.ts';
import type { HttpClient, HttpRequest } from '../../../lib/ports/index.ts';
import { decodeWriteRequest } from '../../../lib/remote-write/decode.ts';
import { snappyUncompress } from '../../../lib/remote-write/snappy.ts';
import { httpEventNames, loadHttpEvent, loadScheduledEvent, loadSqsEvent } from '../../helpers/events.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger, MemoryQueue } from '../../helpers/fakes.ts';

const context = { getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

function ingestHandler() {
  const queue = new MemoryQueue();
  const metrics = new CounterRegistry();
  const handler = createIngestHandler({ router: createRouter(DEFAULT_LIMITS), limits: DEFAULT_LIMITS, maxSamplesPerMessage: 10_000, relabel: { rules: [] }, externalLabels: [], queue, blobs: new MemoryBlobStore(), clock: new FakeClock(), logger: new MemoryLogger(), metrics });
  return { handler, queue, metrics };
}

/** Status routes answer without queueing anything. */
const STATUS_ONLY = new Set(['http-ping.json', 'http-health.json']);

describe('events/: API Gateway HTTP API samples through functions/ingest.ts', () => {
  it('covers every protocol family the gateway serves', () => {
    const names = httpEventNames();
    for (const want of ['remote-write', 'influx', 'jsonline', 'prometheus-text', 'pushgateway', 'opentsdb', 'csv', 'graphite', 'otlp-json', 'datadog-v1', 'ping', 'health']) {
      assert.ok(names.includes(`http-${want}.json`), `events/http-${want}.json missing`);
    }
  });
  for (const name of httpEventNames()) {
    it(`${name} is answered 2xx and queues its samples`, async () => {
      const { handler, queue, metrics } = ingestHandler();
      const res = await handler(loadHttpEvent(name), context);
      assert.ok(res.statusCode! >= 200 && res.statusCode! < 300, `${name}: ${res.statusCode} ${res.body}`);
      if (STATUS_ONLY.has(name)) assert.equal(queue.sent.length, 0);
      else {
        assert.ok(queue.sent.length >= 1, `${name}: nothing queued`);
        assert.ok(metrics.get('ingest_samples_total') >= 1);
      }
    });
  }
  it('the remote_write sample is a snappy WriteRequest, base64-encoded as API Gateway sends binary bodies', () => {
    const e = loadHttpEvent('http-remote-write.json');
    assert.equal(e.isBase64Encoded, true);
    const wr = decodeWriteRequest(snappyUncompress(Buffer.from(e.body!, 'base64'), 1 << 20, 'test'));
    assert.deepEqual(wr.timeseries.map((s) => s.labels.find((l) => l.name === '__name__')?.value), ['http_requests_total', 'process_cpu_seconds_total']);
  });
  it('the tenant sample queues under its tenant', async () => {
    const { handler, queue } = ingestHandler();
    await handler(loadHttpEvent('http-tenant-influx.json'), context);
    assert.equal(queue.sent[0]!.attributes.tenant, '42');
  });
  it('loadEvent hands out clones: a test changing one does not change the next', () => {
    const a = loadHttpEvent('http-influx.json');
    a.body = 'changed';
    a.headers['x'] = 'y';
    const b = loadHttpEvent('http-influx.json');
    assert.notEqual(b.body, 'changed');
    assert.equal(b.headers['x'], undefined);
  });
});

describe('events/sqs-batch.json through functions/deliver.ts', () => {
  it('delivers the queued remote_write sample and reports no batch item failure', async () => {
    const sent: HttpRequest[] = [];
    const http: HttpClient = { request: async (req) => (sent.push(req), { status: 204, headers: {}, body: new Uint8Array() }) };
    const config = loadGatewayConfig('auth: {mode: none}\nremote_write:\n  - url: http://vm.example:8428/api/v1/write\n');
    const handler = createDeliverHandler({ destinations: config.remoteWrite.map((c) => ({ config: c })), http, blobs: new MemoryBlobStore(), clock: new FakeClock(), logger: new MemoryLogger(), metrics: new CounterRegistry(), random: () => 0.5 });
    const res = await handler(loadSqsEvent(), context);
    assert.deepEqual(res, { batchItemFailures: [] });
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.url, 'http://vm.example:8428/api/v1/write');
  });
});

describe('events/scheduled.json', () => {
  it('is an EventBridge scheduled event (for functions/scrape.ts and functions/replay.ts)', () => {
    const e = loadScheduledEvent();
    assert.equal(e['detail-type'], 'Scheduled Event');
    assert.equal(e.source, 'aws.events');
  });
});
