import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { builtToolPath } from '../helpers/tools.ts';
import http from 'node:http';
import net from 'node:net';
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { openBackends } from '../../lib/local/backends.ts';
import { blobKey } from '../../lib/queue/bucket-keys.ts';
import { encodeTimeSeries } from '../../lib/remote-write/encode.ts';
import { snappyCompress } from '../../lib/remote-write/snappy.ts';
import { unpackMessage } from '../../lib/queue/unpack.ts';
import type { BlobStore } from '../../lib/ports/index.ts';
import { EVENTS_DIR, httpEventNames, loadHttpEvent, loadScheduledEvent, loadSqsEvent } from '../helpers/events.ts';
import { patchedAsset, RIC_INSTALL, RIC_NATIVE, sqsEventOf, startRie, synthGateway, type RieFunction, type SynthedStack } from '../helpers/lambda-rie.ts';
import { haveBinary, startMoto, startVictoriaMetrics, useFakeAwsCredentials, type Service, type VictoriaMetrics } from '../helpers/services.ts';

/**
 * Issue 16, part 1: every function's bundle from `cdk synth` (cdk.out/asset.*, handler index.handler) runs
 * under the Lambda Runtime Interface Emulator with npm aws-lambda-ric as the runtime client, against moto
 * (AWS_ENDPOINT_URL) and a real VictoriaMetrics. Every events/*.json sample goes through RIE's invocation
 * URL. What Lambda does around the functions is played by the test: the SQS event source (receive with
 * attributes, invoke deliver, delete what succeeded) and EventBridge (the scheduled event).
 */

/** What each push route answers (REFERENCE.md: the status its real clients expect). */
const STATUS: Record<string, number> = {
  'http-csv.json': 204,
  'http-datadog-v1.json': 202,
  'http-graphite.json': 204,
  'http-health.json': 200,
  'http-influx-v2-gzip.json': 204,
  'http-influx.json': 204,
  'http-jsonline.json': 204,
  'http-opentsdb.json': 204,
  'http-otlp-json.json': 200,
  'http-ping.json': 204,
  'http-prometheus-text.json': 204,
  'http-pushgateway.json': 200,
  'http-remote-write.json': 204,
  'http-tenant-influx.json': 204,
};
const STATUS_ONLY = new Set(['http-ping.json', 'http-health.json']);

const noBlobs: BlobStore = {
  put: async () => {
    throw new Error('unexpected');
  },
  get: async () => undefined,
  list: async () => [],
  delete: async () => undefined,
} as unknown as BlobStore;

async function namesIn(messages: Message[]): Promise<Set<string>> {
  const names = new Set<string>();
  for (const m of messages) {
    const attrs = Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? '']));
    for (const s of (await unpackMessage(m.Body!, attrs, noBlobs)).timeseries) names.add(s.labels.find((l) => l.name === '__name__')!.value);
  }
  return names;
}

const rie = builtToolPath('aws-lambda-rie');
const missing = [!existsSync(rie) && `${rie} (.ci/run builds it)`, !haveBinary('moto_server') && 'moto_server', !haveBinary('victoria-metrics') && 'victoria-metrics', !existsSync(RIC_NATIVE) && `aws-lambda-ric's native client (${RIC_INSTALL})`].filter(Boolean);
if (missing.length && process.env.CI === 'true') throw new Error(`required under CI=true: ${missing.join(', ')}`);

describe('Lambda bundles under the Runtime Interface Emulator (aws-lambda-rie + aws-lambda-ric)', { skip: missing.length > 0 && `missing: ${missing.join(', ')}` }, () => {
  let moto: Service | undefined;
  let vm: VictoriaMetrics | undefined;
  let target: http.Server | undefined;
  let stack: SynthedStack | undefined;
  const running: RieFunction[] = [];
  const tempDirs: string[] = [];
  const fns: Record<string, RieFunction> = {};
  let sqs: SQSClient;
  let s3: S3Client;
  let queueUrl = '';
  let queueArn = '';
  const id = randomBytes(4).toString('hex');
  const bucket = `gw-rie-${id}`;
  let baseEnv: Record<string, string> = {};

  before(async () => {
    useFakeAwsCredentials();
    [moto, vm] = await Promise.all([startMoto(), startVictoriaMetrics()]);
    // A scrape target on loopback for the scrape function.
    target = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('# TYPE rie_target_jobs_total counter\nrie_target_jobs_total{kind="batch"} 7\n'));
    const targetPort = await new Promise<number>((resolve) => target!.listen(0, '127.0.0.1', () => resolve((target!.address() as net.AddressInfo).port)));
    const backends = await openBackends({ kind: 'aws', endpoint: moto.url, queueName: `gw-rie-${id}`, bucket, maxMessageBytes: 1024 * 1024 });
    sqs = new SQSClient({ endpoint: moto.url, region: 'us-east-1' });
    s3 = new S3Client({ endpoint: moto.url, region: 'us-east-1', forcePathStyle: true });
    queueUrl = (backends.queue as unknown as { url: string }).url;
    queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const config = [
      'auth: {mode: none}',
      'remote_write:',
      `  - {name: vm, url: "${vm.url}/api/v1/write", queue_config: {min_backoff: 10ms, max_backoff: 100ms}}`,
      'scrape_configs:',
      `  - {job_name: rie-target, scrape_interval: 2s, scrape_timeout: 1s, static_configs: [{targets: ["127.0.0.1:${targetPort}"]}]}`,
      '',
    ].join('\n');
    stack = await synthGateway(config);
    assert.deepEqual(Object.keys(stack.functions).sort(), ['deliver', 'ingest', 'replay', 'scrape']);
    baseEnv = { AWS_ENDPOINT_URL: moto.url, QUEUE_URL: queueUrl, BUCKET: bucket };
    for (const name of Object.keys(stack.functions)) {
      const f = await startRie(rie, stack.functions[name]!, baseEnv);
      running.push(f);
      fns[name] = f;
    }
  });

  after(async () => {
    await Promise.all(running.map((f) => f.stop()));
    target?.close();
    await vm?.stop();
    await moto?.stop();
    stack?.cleanup();
    for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  });

  /** Every message in the queue, received as the SQS event source does (all attributes), left invisible. moto holds nothing back from a short poll. */
  async function drainQueue(): Promise<Message[]> {
    const out: Message[] = [];
    for (;;) {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 600, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }));
      if (r.Messages?.length) out.push(...r.Messages);
      else return out;
    }
  }

  /** Lambda's SQS event source: batches of 10 to deliver; the messages of a successful batch are deleted. */
  async function deliverAll(messages: Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const batch = messages.slice(i, i + 10);
      const res = await fns.deliver!.invoke(sqsEventOf(batch, queueArn));
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json(), { batchItemFailures: [] }, fns.deliver!.logs().slice(-3000));
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((m, k) => ({ Id: String(k), ReceiptHandle: m.ReceiptHandle! })) }));
    }
  }

  /** VictoriaMetrics' series for selector once there are any: its index may show a new series a moment after the 2xx. */
  async function seriesOf(selector: string) {
    let got = await vm!.exportSeries(selector);
    for (let i = 0; i < 50 && !got.length; i++) {
      await new Promise((r) => setTimeout(r, 200));
      got = await vm!.exportSeries(selector);
    }
    return got;
  }

  let pushed: Message[] = [];

  it('ingest answers every events/http-*.json with its protocol status and queues the pushes in SQS', async (t) => {
    if (!fns.ingest) return t.skip('not started');
    // Every sample event is invoked in this file: the HTTP ones here, sqs-batch.json by deliver, scheduled.json by replay and scrape.
    assert.deepEqual(readdirSync(EVENTS_DIR).filter((f) => f.endsWith('.json')).sort(), [...Object.keys(STATUS), 'scheduled.json', 'sqs-batch.json'].sort());
    for (const name of httpEventNames()) {
      const res = await fns.ingest.invoke(loadHttpEvent(name));
      assert.equal(res.status, 200, `${name}: ${res.text}\n${fns.ingest.logs().slice(-3000)}`);
      // The API Gateway payload format 2.0 response the function returned.
      const out = res.json<{ statusCode: number; body?: string }>();
      assert.equal(out.statusCode, STATUS[name], `${name}: ${res.text}\n${fns.ingest.logs().slice(-2000)}`);
      const queued = await drainQueue();
      const push = queued.filter((m) => m.MessageAttributes?.source?.StringValue === 'push');
      if (STATUS_ONLY.has(name)) assert.equal(push.length, 0, name);
      else assert.ok(push.length >= 1, `${name}: nothing queued`);
      pushed.push(...queued);
    }
    assert.match(fns.ingest.logs(), /INIT REPORT|Init Duration/, 'one init phase, as a cold start');
  });

  it('deliver takes the real SQS records received from the queue (and events/sqs-batch.json) into VictoriaMetrics', async (t) => {
    if (!fns.deliver || !pushed.length) return t.skip('no pushes');
    const names = await namesIn(pushed.filter((m) => m.MessageAttributes?.source?.StringValue === 'push'));
    assert.ok(names.size >= 12, [...names].join(' '));
    await deliverAll(pushed);
    // The sample SQS event as it is (receipt handles of no real queue: deliver never deletes, the event source does).
    const sample = await fns.deliver.invoke(loadSqsEvent());
    assert.deepEqual(sample.json(), { batchItemFailures: [] });
    const sampleNames = await namesIn(loadSqsEvent().Records.map((r) => ({ Body: r.body, MessageAttributes: Object.fromEntries(Object.entries(r.messageAttributes).map(([k, v]) => [k, { StringValue: v.stringValue!, DataType: v.dataType }])) })));
    // Delivered means answered 2xx by VictoriaMetrics; its index may show a brand-new series a moment later.
    let stored = new Set<string>();
    for (let i = 0; i < 50 && ![...names, ...sampleNames].every((n) => stored.has(n)); i++) {
      if (i) await new Promise((r) => setTimeout(r, 200));
      stored = new Set((await vm!.exportSeries()).map((s) => s.metric.__name__!));
    }
    for (const n of [...names, ...sampleNames]) assert.ok(stored.has(n), `${n} reached VictoriaMetrics (has: ${[...stored].join(' ')})`);
    pushed = [];
  });

  it('replay, from its scheduled event, drains overflow/ in S3 into VictoriaMetrics', async (t) => {
    if (!fns.replay) return t.skip('not started');
    const series = [{ labels: [{ name: '__name__', value: 'rie_replayed' }, { name: 'run', value: id }], samples: [{ value: 42, timestamp: 1_795_262_400_000 }] }];
    const key = blobKey('overflow', 'vm', Date.now() - 60_000, `rie-${id}`);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: snappyCompress(encodeTimeSeries(series)), Metadata: { samples: '1' } }));
    const res = await fns.replay.invoke(loadScheduledEvent());
    assert.equal(res.status, 200, res.text);
    const out = res.json<{ destinations: { destination: string; replayed: number; left: number }[] }>();
    assert.deepEqual(out.destinations.map((d) => [d.destination, d.replayed, d.left]), [['vm', 1, 0]], res.text);
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'overflow/' }))).KeyCount ?? 0, 0, 'deleted after the 2xx');
    const got = await seriesOf(`{__name__="rie_replayed",run="${id}"}`);
    assert.deepEqual(got.map((s) => s.values), [[42]]);
  });

  it('scrape, from its scheduled event, scrapes the target and queues the samples; deliver takes them to VictoriaMetrics', async (t) => {
    if (!fns.scrape) return t.skip('not started');
    // EventBridge's event for the current minute (the sample's own minute is long past: every round is late).
    const late = await fns.scrape.invoke(loadScheduledEvent());
    assert.equal(late.status, 200, late.text);
    assert.equal(late.json<{ targets: number; rounds: number }>().targets, 1, late.text);
    // Not within the last seconds of a minute, so rounds of the current minute are still ahead.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 45_000) await new Promise((r) => setTimeout(r, 61_000 - intoMinute));
    const event = { ...loadScheduledEvent(), time: new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString() };
    // The stack's 55 s timeout would run rounds to the minute's end: a shorter one stops after a few (3 s are kept to save state).
    const short = await startRie(rie, { ...stack!.functions.scrape!, timeoutSeconds: 7 }, baseEnv);
    running.push(short);
    const res = await short.invoke(event);
    assert.equal(res.status, 200, res.text);
    const result = res.json<{ targets: number; rounds: number; scrapes: number; failed: number }>();
    assert.equal(result.targets, 1);
    assert.ok(result.scrapes >= 1 && result.failed === 0, res.text + short.logs().slice(-2000));
    const queued = await drainQueue();
    assert.ok((await namesIn(queued.filter((m) => m.MessageAttributes?.source?.StringValue === 'scrape'))).has('rie_target_jobs_total'));
    await deliverAll(queued);
    const got = await seriesOf('{__name__="rie_target_jobs_total"}');
    assert.equal(got.length, 1);
    assert.equal(got[0]!.metric.job, 'rie-target');
    assert.ok(got[0]!.values.every((v) => v === 7));
    assert.equal((await seriesOf('{__name__="up",job="rie-target"}')).length, 1, 'the auto series too');
  });

  it('a broken config fails the init phase the way Lambda reports it, and the next invocation initializes again', async (t) => {
    if (!stack) return t.skip('not synthesized');
    const broken = patchedAsset(stack.functions.ingest!, { 'gateway.json': JSON.stringify({ remote_write: 5 }) });
    tempDirs.push(broken.assetDir);
    const f = await startRie(rie, broken, baseEnv);
    running.push(f);
    for (let i = 0; i < 2; i++) {
      const res = await f.invoke(loadHttpEvent('http-influx.json'));
      // Lambda answers an init failure with the function error the runtime posted to /runtime/init/error.
      assert.equal(res.status, 502, res.text);
      const err = res.json<{ errorType: string; errorMessage: string }>();
      assert.equal(err.errorType, 'ConfigError');
      assert.match(err.errorMessage, /remote_write: must be a list, got number 5/);
    }
    const logs = f.logs();
    assert.match(logs, /\tERROR\tInit Error \t\{"errorType":"ConfigError"/, 'the runtime client logs the init error as Lambda does');
    assert.equal(logs.match(/INIT RTDONE\(status: error\)/g)?.length, 2, 'a fresh init per invocation after a failed one');
  });

  it('a handler past its timeout is reported as Lambda reports it (Task timed out after N seconds)', async (t) => {
    if (!stack) return t.skip('not synthesized');
    // An SQS endpoint that accepts connections and never answers: ingest waits on SendMessageBatch.
    const sockets = new Set<net.Socket>();
    const hole = net.createServer((s) => sockets.add(s));
    const port = await new Promise<number>((resolve) => hole.listen(0, '127.0.0.1', () => resolve((hole.address() as net.AddressInfo).port)));
    try {
      const f = await startRie(rie, { ...stack.functions.ingest!, timeoutSeconds: 1 }, { ...baseEnv, AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, QUEUE_URL: `http://127.0.0.1:${port}/000000000000/q` });
      running.push(f);
      const res = await f.invoke(loadHttpEvent('http-influx.json'));
      assert.match(res.text, /Task timed out after 1\.00 seconds/);
      assert.match(f.logs(), /REPORT RequestId: \S+\t.*Duration: 1000\.00 ms/);
    } finally {
      for (const s of sockets) s.destroy();
      hole.close();
    }
  });

});
