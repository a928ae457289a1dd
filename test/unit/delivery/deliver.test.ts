import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deliverBatch, type DeliveryDeps, type QueueRecord } from '../../../lib/delivery/deliver.ts';
import { decideRetry, parseRetryAfter } from '../../../lib/remote-write/retry.ts';
import { packSeries } from '../../../lib/queue/envelope.ts';
import { decodeWriteRequest } from '../../../lib/remote-write/decode.ts';
import { snappyUncompress } from '../../../lib/remote-write/snappy.ts';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../lib/ports/index.ts';
import type { TimeSeries } from '../../../lib/model/types.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger } from '../../helpers/fakes.ts';

type Script = (req: HttpRequest, n: number) => HttpResponse | Error;

class ScriptedHttp implements HttpClient {
  readonly requests: HttpRequest[] = [];
  private readonly script: Script;
  constructor(script: Script) {
    this.script = script;
  }
  async request(req: HttpRequest): Promise<HttpResponse> {
    this.requests.push(req);
    const r = this.script(req, this.requests.length);
    if (r instanceof Error) throw r;
    return r;
  }
  samplesSent(url?: string): number {
    let n = 0;
    for (const r of this.requests.filter((q) => !url || q.url === url)) {
      for (const s of decodeWriteRequest(snappyUncompress(r.body!, 1e8, 't')).timeseries) n += s.samples.length;
    }
    return n;
  }
}

const status = (s: number, headers: Record<string, string> = {}): HttpResponse => ({ status: s, headers, body: Buffer.from(`status ${s}`) });

function records(series: TimeSeries[]): QueueRecord[] {
  const packed = packSeries(series, { maxMessageBytes: 256 * 1024, maxSamples: 1e9, tenant: 't', source: 'push', newSpoolKey: () => 'spool/x' });
  // As SQS delivers them: a bytes body as its base64.
  return packed.messages.map((m, i) => ({ messageId: `m${i}`, body: typeof m.body === 'string' ? m.body : Buffer.from(m.body).toString('base64'), attributes: m.attributes }));
}

const input: TimeSeries[] = Array.from({ length: 5 }, (_, i) => ({ labels: [{ name: '__name__', value: `m${i}` }], samples: [{ value: i, timestamp: 1000 + i }, { value: i, timestamp: 2000 + i }] }));

function deps(http: HttpClient, destinations = ['http://a/api/v1/write'], extra: Record<string, unknown> = {}) {
  const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: destinations.map((url, i) => ({ url, name: `d${i}`, queue_config: { max_samples_per_send: 4, min_backoff: '100ms', max_backoff: '1s', ...extra } })) });
  const blobs = new MemoryBlobStore();
  const clock = new FakeClock();
  const metrics = new CounterRegistry();
  const d: DeliveryDeps = { destinations: config.remoteWrite.map((c) => ({ config: c })), http, blobs, clock, logger: new MemoryLogger(), metrics, random: () => 0.5 };
  return { d, blobs, clock, metrics };
}

describe('delivery', () => {
  it('sends every sample in chunks of max_samples_per_send with the remote_write 1.0 headers', async () => {
    const http = new ScriptedHttp(() => status(204));
    const { d, metrics } = deps(http);
    const res = await deliverBatch(records(input), d.clock.now() + 60_000, d);
    assert.deepEqual(res.failedMessageIds, []);
    assert.equal(http.requests.length, 3, '10 samples in chunks of 4');
    assert.equal(http.samplesSent(), 10);
    const h = http.requests[0]!.headers;
    assert.equal(h['content-encoding'], 'snappy');
    assert.equal(h['content-type'], 'application/x-protobuf');
    assert.equal(h['x-prometheus-remote-write-version'], '0.1.0');
    assert.ok(h['user-agent']);
    assert.equal(metrics.get('delivery_sent_samples_total', { destination: 'd0' }), 10);
  });

  it('forwards a message as queued, without re-encoding, when it needs no chunking or relabeling', async () => {
    const http = new ScriptedHttp(() => status(204));
    const { d } = deps(http, undefined, { max_samples_per_send: 10 });
    const recs = records(input);
    await deliverBatch(recs, d.clock.now() + 60_000, d);
    assert.equal(http.requests.length, 1);
    assert.deepEqual(Buffer.from(http.requests[0]!.body!), Buffer.from(recs[0]!.body as string, 'base64'));
  });

  it('retries 5xx and connection errors with backoff, then succeeds', async () => {
    const http = new ScriptedHttp((_r, n) => (n === 1 ? status(503) : n === 2 ? new Error('ECONNRESET') : status(204)));
    const { d, clock, metrics } = deps(http);
    const start = clock.now();
    await deliverBatch(records(input), start + 60_000, d);
    assert.equal(http.samplesSent() - 4 - 4, 10, 'first chunk sent three times');
    assert.equal(metrics.get('delivery_retries_total'), 2);
    assert.equal(clock.now() - start, 100 + 200, 'backoff doubles from min_backoff');
  });

  it('never retries 400 or 401: the data goes to rejected/ with status and response excerpt', async () => {
    for (const code of [400, 401]) {
      const http = new ScriptedHttp(() => status(code));
      const { d, blobs, metrics } = deps(http);
      const res = await deliverBatch(records(input), d.clock.now() + 60_000, d);
      assert.deepEqual(res.failedMessageIds, []);
      assert.equal(http.requests.length, 3, 'each chunk tried once');
      const keys = blobs.keys('rejected/d0/');
      assert.equal(keys.length, 3);
      assert.equal(blobs.objects.get(keys[0]!)!.metadata.status, String(code));
      assert.equal(blobs.objects.get(keys[0]!)!.metadata.response, `status ${code}`);
      assert.equal(metrics.get('delivery_rejected_samples_total'), 10);
    }
  });

  it('429 is rejected unless retry_on_http_429, then Retry-After is honoured', async () => {
    const http = new ScriptedHttp((_r, n) => (n === 1 ? status(429, { 'retry-after': '7' }) : status(204)));
    const { d, blobs } = deps(http);
    await deliverBatch(records(input), d.clock.now() + 60_000, d);
    assert.equal(blobs.keys('rejected/').length, 1);
    const http2 = new ScriptedHttp((_r, n) => (n === 1 ? status(429, { 'retry-after': '7' }) : status(204)));
    const w = deps(http2, undefined, { retry_on_http_429: true });
    const start = w.clock.now();
    await deliverBatch(records(input), start + 60_000, w.d);
    assert.equal(w.clock.now() - start, 7000);
    assert.equal(w.blobs.keys('rejected/').length, 0);
    assert.equal(http2.samplesSent(), 14);
  });

  it('a destination down past the deadline: the rest goes to overflow/ once, without a retry storm', async () => {
    const http = new ScriptedHttp(() => status(500));
    const { d, blobs, clock, metrics } = deps(http);
    const res = await deliverBatch([...records(input), ...records(input).map((r) => ({ ...r, messageId: 'second' }))], clock.now() + 2_000, d);
    assert.deepEqual(res.failedMessageIds, []);
    const keys = blobs.keys('overflow/d0/');
    assert.equal(keys.length, 2, 'one overflow object per message');
    let samples = 0;
    for (const k of keys) for (const s of decodeWriteRequest(snappyUncompress(blobs.objects.get(k)!.body, 1e8, 't')).timeseries) samples += s.samples.length;
    assert.equal(samples, 20);
    assert.equal(metrics.get('delivery_overflow_samples_total', { destination: 'd0' }), 20);
    assert.ok(http.requests.length <= 6, `${http.requests.length} attempts within a 2 s budget`);
  });

  it('one destination down never blocks or duplicates the other', async () => {
    const http = new ScriptedHttp((r) => (r.url.includes('bad') ? new Error('ECONNREFUSED') : status(204)));
    const { d, blobs } = deps(http, ['http://good/api/v1/write', 'http://bad/api/v1/write']);
    const res = await deliverBatch(records(input), d.clock.now() + 5_000, d);
    assert.deepEqual(res.failedMessageIds, []);
    assert.equal(http.samplesSent('http://good/api/v1/write'), 10);
    assert.equal(blobs.keys('overflow/d1/').length, 1);
    assert.equal(blobs.keys('overflow/d0/').length, 0);
  });

  it('when the blob store fails during overflow, the message is reported for redelivery', async () => {
    const http = new ScriptedHttp(() => status(500));
    const { d, blobs } = deps(http);
    blobs.failPuts = new Error('S3 down');
    const res = await deliverBatch(records(input), d.clock.now() + 1_000, d);
    assert.deepEqual(res.failedMessageIds, ['m0']);
  });

  it('an undecodable message is quarantined under rejected/_undecodable/ and acknowledged', async () => {
    const http = new ScriptedHttp(() => status(204));
    const { d, blobs } = deps(http);
    const res = await deliverBatch([{ messageId: 'junk', body: 'bm90IHNuYXBweQ==', attributes: { v: '1' } }], d.clock.now() + 1_000, d);
    assert.deepEqual(res.failedMessageIds, []);
    assert.equal(blobs.keys('rejected/_undecodable/').length, 1);
  });
});

describe('retry policy', () => {
  const p = { minBackoffMs: 30, maxBackoffMs: 5000, retryOnHttp429: false };
  it('doubles from min to max with jitter, never below min or above max', () => {
    assert.deepEqual(decideRetry({ kind: 'status', status: 500 }, 0, p, 0, 0.5), { action: 'retry', delayMs: 30 });
    assert.deepEqual(decideRetry({ kind: 'status', status: 500 }, 3, p, 0, 0.5), { action: 'retry', delayMs: 240 });
    assert.deepEqual(decideRetry({ kind: 'status', status: 500 }, 20, p, 0, 0.99), { action: 'retry', delayMs: 5000 });
    assert.deepEqual(decideRetry({ kind: 'status', status: 500 }, 0, p, 0, 0), { action: 'retry', delayMs: 30 });
  });
  it('classifies statuses the Prometheus way', () => {
    assert.equal(decideRetry({ kind: 'status', status: 204 }, 0, p, 0, 0).action, 'done');
    assert.equal(decideRetry({ kind: 'status', status: 404 }, 0, p, 0, 0).action, 'reject');
    assert.equal(decideRetry({ kind: 'status', status: 429 }, 0, p, 0, 0).action, 'reject');
    assert.equal(decideRetry({ kind: 'status', status: 429 }, 0, { ...p, retryOnHttp429: true }, 0, 0).action, 'retry');
    assert.equal(decideRetry({ kind: 'error', message: 'timeout' }, 0, p, 0, 0).action, 'retry');
  });
  it('Retry-After in seconds or as an HTTP date, capped at 10x max_backoff', () => {
    assert.equal(parseRetryAfter('3', 0), 3000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10_000);
    assert.equal(parseRetryAfter('soon', 0), undefined);
    assert.deepEqual(decideRetry({ kind: 'status', status: 503, retryAfter: '99999' }, 0, p, 0, 0.5), { action: 'retry', delayMs: 50_000 });
  });
});

describe('write_relabel_configs', () => {
  it('each destination receives the subset its rules keep, relabeled; the other gets everything', async () => {
    const { destinationFor } = await import('../../../lib/delivery/deliver.ts');
    const http = new ScriptedHttp(() => status(204));
    const config = parseGatewayConfig({
      auth: { mode: 'none' },
      remote_write: [
        { url: 'http://all/w', name: 'all' },
        { url: 'http://some/w', name: 'some', write_relabel_configs: [{ action: 'keep', source_labels: ['__name__'], regex: 'm[01]' }, { target_label: 'dest', replacement: 'some' }] },
      ],
    });
    const d: DeliveryDeps = { destinations: config.remoteWrite.map(destinationFor), http, blobs: new MemoryBlobStore(), clock: new FakeClock(), logger: new MemoryLogger(), metrics: new CounterRegistry(), random: () => 0.5 };
    await deliverBatch(records(input), d.clock.now() + 60_000, d);
    assert.equal(http.samplesSent('http://all/w'), 10);
    assert.equal(http.samplesSent('http://some/w'), 4);
    const some = http.requests.filter((r) => r.url === 'http://some/w').flatMap((r) => decodeWriteRequest(snappyUncompress(r.body!, 1e8, 't')).timeseries);
    assert.deepEqual(some.map((s) => s.labels.map((l) => `${l.name}=${l.value}`).join(',')), ['__name__=m0,dest=some', '__name__=m1,dest=some']);
  });
});
