#!/usr/bin/env node
/**
 * Regenerates events/*.json: API Gateway HTTP API (payload 2.0) events for each ingest protocol, an SQS
 * batch as the event source mapping delivers it, and an EventBridge scheduled event. Text bodies go as
 * text and binary bodies base64-encoded, as API Gateway does. Run: node scripts/generate-events.ts
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { fromApiGatewayEvent, toApiGatewayEvent, toSqsEvent } from '../lib/adapters/lambda/events.ts';
import { CounterRegistry } from '../lib/adapters/system.ts';
import { DEFAULT_LIMITS } from '../lib/config/schema.ts';
import { createIngest } from '../lib/ingest/pipeline.ts';
import { createRouter } from '../lib/ingest/routes.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger, MemoryQueue } from '../test/helpers/fakes.ts';
import { encodeWriteRequest } from '../lib/remote-write/encode.ts';
import { snappyCompress } from '../lib/remote-write/snappy.ts';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'events');
const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const NOW_S = NOW / 1000;

function http(method: string, url: string, headers: Record<string, string>, body: string | Uint8Array, binary = typeof body !== 'string'): APIGatewayProxyEventV2 {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const event = toApiGatewayEvent({ method, url, headers: { host: 'abc123.execute-api.eu-west-1.amazonaws.com', 'user-agent': 'sample', ...headers, ...(bytes.length ? { 'content-length': String(bytes.length) } : {}) }, body: bytes, sourceIp: '203.0.113.7', now: NOW });
  event.requestContext.accountId = '123456789012';
  event.requestContext.apiId = 'abc123';
  event.requestContext.requestId = 'sample-request-id';
  event.requestContext.domainPrefix = 'abc123';
  if (!binary) {
    event.body = Buffer.from(bytes).toString('utf8');
    event.isBase64Encoded = false;
  }
  if (!bytes.length) delete event.body;
  return event;
}

const remoteWrite = snappyCompress(
  encodeWriteRequest({
    timeseries: [
      { labels: [{ name: '__name__', value: 'http_requests_total' }, { name: 'code', value: '200' }, { name: 'job', value: 'sample' }], samples: [{ value: 1027, timestamp: NOW }] },
      { labels: [{ name: '__name__', value: 'process_cpu_seconds_total' }, { name: 'job', value: 'sample' }], samples: [{ value: 12.5, timestamp: NOW }] },
    ],
    metadata: [],
  }),
);

/** The queue message ingest makes of the remote_write sample: the SQS batch carries real envelopes. */
async function queuedMessages(event: APIGatewayProxyEventV2) {
  const queue = new MemoryQueue();
  const ingest = createIngest({ router: createRouter(DEFAULT_LIMITS), limits: DEFAULT_LIMITS, maxSamplesPerMessage: 10_000, relabel: { rules: [] }, externalLabels: [], queue, blobs: new MemoryBlobStore(), clock: new FakeClock(NOW), logger: new MemoryLogger(), metrics: new CounterRegistry() });
  const res = await ingest(fromApiGatewayEvent(event));
  if (res.status >= 300) throw new Error(`sample remote_write event refused: ${res.status}`);
  return queue.sent.map((m, i) => ({ messageId: `9f0c7d2e-0001-4c1a-9c55-00000000000${i + 1}`, receiptHandle: `AQEB-sample-${i + 1}`, body: m.body, attributes: m.attributes, receiveCount: 1 }));
}

function sqsBatch(messages: Awaited<ReturnType<typeof queuedMessages>>) {
  const event = toSqsEvent(messages, 'arn:aws:sqs:eu-west-1:123456789012:MetricsGateway-Queue', NOW);
  for (const r of event.Records) {
    r.awsRegion = 'eu-west-1';
    r.attributes.SenderId = 'AROAEXAMPLEID:MetricsGateway-Ingest';
  }
  return event;
}

const remoteWriteEvent = http('POST', '/api/v1/write', { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' }, remoteWrite);

const events: Record<string, unknown> = {
  'http-remote-write.json': remoteWriteEvent,
  'http-influx.json': http('POST', '/write?db=sample&precision=s', { 'content-type': 'text/plain' }, `cpu,host=web1,region=eu usage_user=12.5,usage_system=3i ${NOW_S}\nmem,host=web1 used_percent=41.2 ${NOW_S}\n`),
  'http-influx-v2-gzip.json': http('POST', '/api/v2/write?org=o&bucket=sample&precision=s', { 'content-type': 'text/plain; charset=utf-8', 'content-encoding': 'gzip' }, gzipSync(`disk,host=web1,path=/ free=1024i ${NOW_S}\n`)),
  'http-jsonline.json': http('POST', '/api/v1/import', { 'content-type': 'application/json' }, JSON.stringify({ metric: { __name__: 'queue_depth', job: 'sample', queue: 'orders' }, values: [17, 21], timestamps: [NOW - 15000, NOW] }) + '\n'),
  'http-prometheus-text.json': http('POST', '/api/v1/import/prometheus', { 'content-type': 'text/plain; version=0.0.4' }, '# TYPE batch_rows_processed counter\nbatch_rows_processed{job="sample"} 4200\nbatch_duration_seconds{job="sample"} 12.7\n'),
  'http-pushgateway.json': http('PUT', '/metrics/job/nightly_backup/instance/db1', { 'content-type': 'text/plain; version=0.0.4' }, '# TYPE backup_last_success_timestamp_seconds gauge\nbackup_last_success_timestamp_seconds 1.7637264e+09\n# TYPE backup_bytes gauge\nbackup_bytes 5.24288e+08\n'),
  'http-opentsdb.json': http('POST', '/api/put', { 'content-type': 'application/json' }, JSON.stringify([{ metric: 'sys.cpu.user', timestamp: NOW_S, value: 18.2, tags: { host: 'web1', cpu: '0' } }])),
  'http-csv.json': http('POST', '/api/v1/import/csv?format=1:label:host,2:metric:temperature,3:time:unix_s', { 'content-type': 'text/csv' }, `web1,21.5,${NOW_S}\nweb2,22.1,${NOW_S}\n`),
  'http-graphite.json': http('POST', '/graphite', { 'content-type': 'text/plain' }, `servers.web1.cpu.user;env=prod 18.2 ${NOW_S}\n`),
  'http-otlp-json.json': http(
    'POST',
    '/opentelemetry/v1/metrics',
    { 'content-type': 'application/json' },
    JSON.stringify({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
          scopeMetrics: [{ metrics: [{ name: 'orders.placed', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ asInt: '31', timeUnixNano: String(BigInt(NOW) * 1_000_000n) }] } }] }],
        },
      ],
    }),
  ),
  'http-datadog-v1.json': http('POST', '/datadog/api/v1/series', { 'content-type': 'application/json', 'dd-api-key': 'unused' }, JSON.stringify({ series: [{ metric: 'system.load.1', points: [[NOW_S, 0.42]], host: 'web1', tags: ['env:prod'] }] })),
  'http-tenant-influx.json': http('POST', '/insert/42/influx/write', { 'content-type': 'text/plain' }, `jobs,queue=mail done=3i ${NOW_S}000000000\n`),
  'http-ping.json': http('GET', '/ping', {}, ''),
  'http-health.json': http('GET', '/health', {}, ''),
  'sqs-batch.json': sqsBatch(await queuedMessages(remoteWriteEvent)),
  'scheduled.json': {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: new Date(NOW).toISOString(),
    region: 'eu-west-1',
    resources: ['arn:aws:events:eu-west-1:123456789012:rule/MetricsGateway-ScrapeSchedule'],
    detail: {},
  },
};

for (const [name, event] of Object.entries(events)) writeFileSync(path.join(DIR, name), JSON.stringify(event, null, 2) + '\n');
process.stdout.write(`wrote ${Object.keys(events).length} events to ${DIR}\n`);
