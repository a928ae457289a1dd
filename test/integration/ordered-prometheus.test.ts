import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openBackends, type Backends } from '../../lib/local/backends.ts';
import { startLocalRunner, type LocalRunner } from '../../lib/local/runner.ts';
import { parseGatewayConfig } from '../../lib/config/schema.ts';
import { encodeWriteRequest } from '../../lib/remote-write/encode.ts';
import { snappyCompress } from '../../lib/remote-write/snappy.ts';
import { haveBinary, startMoto, startPrometheus, useFakeAwsCredentials, type Prometheus, type Service } from '../helpers/services.ts';
import { MemoryLogger } from '../helpers/fakes.ts';

/**
 * The ordered mode end to end against real Prometheus 2.42 as the remote_write receiver. Prometheus answers
 * 400 "out of order sample" for any sample older than the newest of its series, and that 400 would land the
 * request under rejected/: so an empty rejected/, every sample present in order, and Prometheus' own
 * prometheus_tsdb_out_of_order_samples_total unchanged show per-series order was kept, through a receiver
 * outage that makes the gateway hold messages in the queue and redeliver them.
 */
const CI = process.env.CI === 'true';
const havePrometheus = haveBinary('prometheus');
if (!havePrometheus && CI) throw new Error('prometheus is required under CI=true (apt-get install prometheus)');
const external = process.env.AWS_ENDPOINT_URL;
const haveAws = Boolean(external) || haveBinary('moto_server');
if (!haveAws && CI) throw new Error('moto_server is required under CI=true (pip install "moto[server]")');

const BASE = 1_700_000_000_000;
const HOSTS = 24;

/** A switchable front for the receiver: 'down' answers 503 without forwarding (so nothing is half-written). */
async function startOutageProxy(target: string): Promise<{ url: string; down: boolean; refused: number; close(): Promise<void> }> {
  const state = { down: false, refused: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (state.down) {
        state.refused++;
        res.writeHead(503).end('receiver down\n');
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length' && k !== 'connection') headers[k] = v;
      fetch(`${target}${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) })
        .then(async (r) => res.writeHead(r.status).end(Buffer.from(await r.arrayBuffer())))
        .catch((err: Error) => res.writeHead(502).end(err.message));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  });
}

/** Push k: every host's two series at BASE + k s, as Influx lines (one request interleaves every shard). */
function push(k: number, metric: string): string {
  return Array.from({ length: HOSTS }, (_, i) => `${metric},host=h${String(i).padStart(2, '0')} a=${k},b=${k * 1000 + i} ${BASE + k * 1000}000000`).join('\n');
}

async function pushAll(runner: LocalRunner, metric: string, from: number, to: number): Promise<void> {
  for (let k = from; k < to; k++) {
    const res = await fetch(`${runner.url}/write`, { method: 'POST', body: push(k, metric) });
    assert.equal(res.status, 204, await res.text());
  }
}

/** Every series holds exactly pushes 0..n-1, in timestamp order, with the pushed values. */
async function assertInOrder(prom: Prometheus, metric: string, n: number): Promise<void> {
  const got = await prom.rangeQuery(`{__name__=~"${metric}_(a|b)"}`, BASE + n * 1000, '1h');
  assert.equal(got.length, HOSTS * 2, `series in Prometheus: ${got.length}`);
  for (const s of got) {
    const i = Number(s.metric.host!.slice(1));
    const field = s.metric.__name__!.endsWith('_a') ? 'a' : 'b';
    const want = Array.from({ length: n }, (_, k): [number, string] => [(BASE + k * 1000) / 1000, String(field === 'a' ? k : k * 1000 + i)]);
    assert.deepEqual(s.values, want, `${s.metric.__name__}{host=${s.metric.host}}`);
  }
}

async function waitUntil(cond: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) if (await cond()) return true;
  return cond();
}

function orderedConfig(url: string) {
  return parseGatewayConfig({ auth: { mode: 'none' },
    remote_write: [{ name: 'prom', url: `${url}/api/v1/write`, queue_config: { min_backoff: '20ms', max_backoff: '100ms' } }],
    // Small messages: one push becomes several messages per shard, all shards interleaved in the queue.
    queue: { ordered: true, shards: 4, max_message_bytes: 8192, max_samples_per_message: 5 },
  });
}

describe('ordered mode: local runner (disk queue) into Prometheus 2.42', { skip: !havePrometheus && 'prometheus not installed' }, () => {
  let prom: Prometheus;
  let proxy: Awaited<ReturnType<typeof startOutageProxy>>;
  let runner: LocalRunner;
  let dataDir: string;

  before(async () => {
    prom = await startPrometheus();
    proxy = await startOutageProxy(prom.url);
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'gw-ordered-'));
    const logger = new MemoryLogger();
    const backends = await openBackends({ kind: 'disk', dataDir, maxMessageBytes: 8192, logger, maxReceiveCount: 1000 });
    // A 3 s invocation keeps 2 s in reserve: each delivery retries for about 1 s, then holds what is left.
    runner = await startLocalRunner({ config: orderedConfig(proxy.url), backends, logger, host: '127.0.0.1', port: 0, deliverTimeoutMs: 3000, retryDelayMs: 100 });
  });

  after(async () => {
    await runner?.close();
    await proxy?.close();
    await prom?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('the oracle works: Prometheus answers 400 and counts a sample older than its series\' newest', async () => {
    const send = (t: number) =>
      fetch(`${prom.url}/api/v1/write`, {
        method: 'POST',
        headers: { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf', 'x-prometheus-remote-write-version': '0.1.0' },
        body: snappyCompress(encodeWriteRequest({ timeseries: [{ labels: [{ name: '__name__', value: 'oracle_probe' }], samples: [{ value: 1, timestamp: t }] }], metadata: [] })),
      });
    assert.equal((await send(BASE + 2000)).status, 204);
    const res = await send(BASE + 1000);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /out of order sample/);
    assert.equal(await prom.selfCounter('prometheus_tsdb_out_of_order_samples_total'), 1);
  });

  it('keeps per-series order end to end through a receiver outage (held in the queue, redelivered in order)', async () => {
    const oooBefore = await prom.selfCounter('prometheus_tsdb_out_of_order_samples_total');
    await pushAll(runner, 'ord', 0, 20);
    proxy.down = true;
    await pushAll(runner, 'ord', 20, 40);
    // Long enough for several held-and-redelivered rounds while new pushes keep arriving.
    await waitUntil(async () => proxy.refused >= 20, 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    await pushAll(runner, 'ord', 40, 50);
    proxy.down = false;
    await pushAll(runner, 'ord', 50, 60);
    assert.ok(await runner.drained(60_000), 'queue drained');

    assert.ok(proxy.refused >= 20, `the outage was seen: ${proxy.refused} requests refused`);
    assert.ok(/gateway_delivery_held_messages_total\{destination="prom"\} [1-9]/.test(runner.metrics.render()), 'messages were held and redelivered');
    for (const sub of ['rejected', 'overflow']) {
      const dir = path.join(dataDir, 'blobs', sub);
      assert.deepEqual(existsSync(dir) ? readdirSync(dir, { recursive: true }) : [], [], `${sub}/ is empty`);
    }
    assert.deepEqual(readdirSync(path.join(dataDir, 'queue', 'dead')), [], 'nothing dead-lettered');
    await assertInOrder(prom, 'ord', 60);
    assert.equal(await prom.selfCounter('prometheus_tsdb_out_of_order_samples_total'), oooBefore, 'Prometheus refused no sample as out of order');
  });
});

describe('ordered mode: local runner in AWS mode (SQS FIFO on moto) into Prometheus 2.42', { skip: (!havePrometheus && 'prometheus not installed') || (!haveAws && 'moto_server not installed') }, () => {
  let moto: Service | undefined;
  let prom: Prometheus;
  let proxy: Awaited<ReturnType<typeof startOutageProxy>>;
  let runner: LocalRunner;
  let backends: Backends;

  before(async () => {
    useFakeAwsCredentials();
    if (!external) moto = await startMoto();
    prom = await startPrometheus();
    proxy = await startOutageProxy(prom.url);
    const id = randomBytes(4).toString('hex');
    backends = await openBackends({ kind: 'aws', endpoint: external ?? moto!.url, queueName: `gw-ordered-${id}.fifo`, bucket: `gw-ordered-${id}`, maxMessageBytes: 8192 });
    // retryDelayMs 0: moto (5.x) keeps a FIFO group locked while any released message of it is still
    // invisible, so of two messages released with a delay a few ms apart it hands out the later one first
    // (real SQS returns them in order). Released with no delay they are visible at once, in order; each
    // deliver invocation still spends about 1 s retrying before it holds, so this is no busy loop.
    runner = await startLocalRunner({ config: orderedConfig(proxy.url), backends, logger: new MemoryLogger(), host: '127.0.0.1', port: 0, deliverTimeoutMs: 3000, retryDelayMs: 0 });
  });

  after(async () => {
    await runner?.close();
    await proxy?.close();
    await prom?.stop();
    await moto?.stop();
  });

  it('FIFO messages carry their shard group, and an identical resend within the deduplication window is enqueued once', async () => {
    // Checked on a second queue so the runner does not consume these.
    const id = randomBytes(4).toString('hex');
    const other = await openBackends({ kind: 'aws', endpoint: external ?? moto!.url, queueName: `gw-dedup-${id}.fifo`, bucket: `gw-dedup-${id}`, maxMessageBytes: 8192 });
    const m = { body: 'payload', attributes: { v: '1', samples: '1' }, groupId: 'shard-3' };
    await other.queue.send([m]);
    await other.queue.send([m, { ...m, body: 'payload-2' }]);
    const got = await other.queue.receive(10, 2000);
    assert.deepEqual(got.map((x) => [x.body, x.groupId]), [['payload', 'shard-3'], ['payload-2', 'shard-3']]);
  });

  it('keeps per-series order from SQS FIFO to Prometheus through a receiver outage', async () => {
    await pushAll(runner, 'fifo', 0, 8);
    proxy.down = true;
    await pushAll(runner, 'fifo', 8, 16);
    await waitUntil(async () => proxy.refused >= 3, 20_000);
    proxy.down = false;
    await pushAll(runner, 'fifo', 16, 24);
    const done = await waitUntil(async () => (await prom.rangeQuery('{__name__=~"fifo_(a|b)"}', BASE + 24_000)).reduce((n, s) => n + s.values.length, 0) >= HOSTS * 2 * 24, 90_000);
    assert.ok(done, `every sample arrived (rejected/: ${JSON.stringify(await backends.blobs.list('rejected/'))})`);
    assert.ok(proxy.refused >= 3);
    assert.deepEqual(await backends.blobs.list('rejected/'), [], 'rejected/ is empty: Prometheus refused nothing as out of order');
    assert.deepEqual(await backends.blobs.list('overflow/'), []);
    await assertInOrder(prom, 'fifo', 24);
    assert.equal(await prom.selfCounter('prometheus_tsdb_out_of_order_samples_total'), 0);
  });
});
