import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EmfFlusher } from '../../../lib/observability/emf.ts';
import { SelfSeriesExporter } from '../../../lib/observability/self-series.ts';
import { containerInstanceId, SelfMetricsPublisher } from '../../../lib/observability/publish.ts';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { unpackMessage } from '../../../lib/queue/unpack.ts';
import { withSelfMetrics } from '../../../functions/wiring/observe.ts';
import type { AwsDeps } from '../../../functions/wiring/aws.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger, MemoryQueue } from '../../helpers/fakes.ts';

const T0 = 1_700_000_000_000;

describe('EMF lines', () => {
  it('one document per label set with the increments since the last flush; nothing when nothing moved', () => {
    const reg = new CounterRegistry();
    const emf = new EmfFlusher({ function: 'deliver' });
    reg.inc('delivery_sent_samples_total', { destination: 'vm' }, 10);
    reg.inc('delivery_retries_total', { destination: 'vm' }, 2);
    reg.inc('delivery_rejected_samples_total', { destination: 'vm', status: '400' }, 3);
    const first = emf.flush(reg.snapshot(), T0).map((l) => JSON.parse(l));
    assert.equal(first.length, 2);
    const vm = first.find((d) => d.status === undefined)!;
    assert.deepEqual(vm._aws, {
      Timestamp: T0,
      CloudWatchMetrics: [{ Namespace: 'MetricsGateway', Dimensions: [['destination', 'function']], Metrics: [{ Name: 'gateway_delivery_sent_samples_total', Unit: 'Count' }, { Name: 'gateway_delivery_retries_total', Unit: 'Count' }] }],
    });
    assert.equal(vm.function, 'deliver');
    assert.equal(vm.destination, 'vm');
    assert.equal(vm.gateway_delivery_sent_samples_total, 10);
    assert.deepEqual(emf.flush(reg.snapshot(), T0 + 1), []);
    reg.inc('delivery_sent_samples_total', { destination: 'vm' }, 5);
    const second = emf.flush(reg.snapshot(), T0 + 2).map((l) => JSON.parse(l));
    assert.equal(second.length, 1);
    assert.equal(second[0].gateway_delivery_sent_samples_total, 5, 'the increment, not the cumulative value');
    assert.equal(second[0].gateway_delivery_retries_total, undefined);
  });

  it('splits a label set with more than 100 counters into several documents (EMF limit)', () => {
    const reg = new CounterRegistry();
    for (let i = 0; i < 101; i++) reg.inc(`c${i}`, {});
    const lines = new EmfFlusher({ function: 'f' }).flush(reg.snapshot(), T0).map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((d) => d._aws.CloudWatchMetrics[0].Metrics.length), [100, 1]);
  });
});

describe('gateway_* series', () => {
  it('cumulative values with instance/function labels; a new counter starts with a 0 at the previous export', () => {
    const reg = new CounterRegistry();
    const x = new SelfSeriesExporter({ intervalMs: 60_000, labels: { job: 'metrics-gateway', function: 'deliver', instance: 'c1' }, startedAt: T0 });
    assert.equal(x.due(T0 + 59_999), false);
    assert.equal(x.due(T0 + 60_000), true);
    reg.inc('delivery_sent_samples_total', { destination: 'vm', instance: 'spoof' }, 7);
    const first = x.collect(reg.snapshot(), T0 + 60_000);
    assert.deepEqual(first, [
      {
        labels: [
          { name: '__name__', value: 'gateway_delivery_sent_samples_total' },
          { name: 'destination', value: 'vm' },
          { name: 'function', value: 'deliver' },
          { name: 'instance', value: 'c1' },
          { name: 'job', value: 'metrics-gateway' },
        ],
        samples: [{ value: 0, timestamp: T0 }, { value: 7, timestamp: T0 + 60_000 }],
      },
    ]);
    assert.equal(x.due(T0 + 60_001), false);
    reg.inc('delivery_sent_samples_total', { destination: 'vm', instance: 'spoof' }, 1);
    reg.inc('delivery_retries_total', { destination: 'vm' });
    const second = x.collect(reg.snapshot(), T0 + 120_000);
    assert.deepEqual(second.map((s) => s.samples), [[{ value: 8, timestamp: T0 + 120_000 }], [{ value: 0, timestamp: T0 + 60_000 }, { value: 1, timestamp: T0 + 120_000 }]]);
  });

  it('the publisher enqueues a queue message (tenant gateway) with external labels, at most once per interval', async () => {
    const reg = new CounterRegistry();
    const queue = new MemoryQueue();
    const p = new SelfMetricsPublisher({ intervalMs: 60_000, labels: { job: 'gw', cluster: 'mine' }, externalLabels: [{ name: 'cluster', value: 'eu-1' }, { name: 'region', value: 'eu' }], functionName: 'ingest', instance: 'abc', startedAt: T0, maxMessageBytes: 256 * 1024, maxSamplesPerMessage: 10_000 });
    const log = new MemoryLogger();
    assert.equal(await p.publish(() => reg.snapshot(), queue, T0 + 60_000, log), 0, 'nothing counted yet');
    reg.inc('ingest_samples_total', { protocol: 'influx', tenant: 'default' }, 3);
    assert.equal(await p.publish(() => reg.snapshot(), queue, T0 + 61_000, log), 0, 'not due again yet');
    assert.equal(await p.publish(() => reg.snapshot(), queue, T0 + 120_000, log), 1);
    assert.equal(queue.sent.length, 1);
    assert.equal(queue.sent[0]!.attributes.tenant, 'gateway');
    const req = await unpackMessage(queue.sent[0]!.body, queue.sent[0]!.attributes, new MemoryBlobStore());
    const labels = Object.fromEntries(req.timeseries[0]!.labels.map((l) => [l.name, l.value]));
    assert.deepEqual(labels, { __name__: 'gateway_ingest_samples_total', cluster: 'mine', function: 'ingest', instance: 'abc', job: 'gw', protocol: 'influx', region: 'eu', tenant: 'default' });
    queue.failWith = new Error('SQS down');
    assert.equal(await p.publish(() => reg.snapshot(), queue, T0 + 180_000, log), 0);
    assert.ok(log.lines.some((l) => l.msg.startsWith('cannot enqueue self-metrics')));
  });

  it('instance ids come from the Lambda log stream name', () => {
    assert.equal(containerInstanceId('2026/11/21/[$LATEST]0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'x'), '0f1e2d3c4b5a6978');
    assert.equal(containerInstanceId(undefined, 'fallback'), 'fallback');
    assert.equal(containerInstanceId('local', 'fallback'), 'fallback');
  });
});

describe('withSelfMetrics (functions/)', () => {
  function awsDeps(selfMetrics: Record<string, unknown> = {}) {
    const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ name: 'vm', url: 'http://vm/api/v1/write' }], self_metrics: selfMetrics });
    const clock = new FakeClock(T0);
    const d: AwsDeps = { config, queue: new MemoryQueue(), blobs: new MemoryBlobStore(), clock, logger: new MemoryLogger(), metrics: new CounterRegistry() };
    return { d, clock, queue: d.queue as MemoryQueue };
  }

  it('writes EMF lines after every invocation, also a failed one, and enqueues a snapshot once per interval', async () => {
    const { d, clock, queue } = awsDeps({ interval: '1m' });
    const lines: string[] = [];
    const h = withSelfMetrics(async (n: number) => {
      d.metrics.inc('delivery_sent_samples_total', { destination: 'vm' }, Math.abs(n));
      if (n < 0) throw new Error('boom');
      return n;
    }, d, 'deliver', { AWS_LAMBDA_LOG_STREAM_NAME: '2026/11/21/[$LATEST]aaaabbbbccccdddd' }, (l) => lines.push(l));
    assert.equal(await h(5, {}), 5);
    assert.equal(lines.length, 1);
    assert.equal(JSON.parse(lines[0]!).function, 'deliver');
    assert.equal(queue.sent.length, 0, 'first snapshot only after an interval');
    clock.t += 60_000;
    await assert.rejects(h(-1, {}), /boom/);
    assert.equal(lines.length, 2);
    assert.equal(JSON.parse(lines[1]!).gateway_delivery_sent_samples_total, 1, 'the failed invocation counted too');
    assert.equal(queue.sent.length, 1);
    const req = await unpackMessage(queue.sent[0]!.body, queue.sent[0]!.attributes, d.blobs);
    assert.equal(req.timeseries[0]!.labels.find((l) => l.name === 'instance')!.value, 'aaaabbbbccccdddd');
  });

  it('self_metrics.enabled: false sends no series (EMF lines still go out)', async () => {
    const { d, clock, queue } = awsDeps({ enabled: false });
    const lines: string[] = [];
    const h = withSelfMetrics(async () => d.metrics.inc('x_total', {}), d, 'ingest', {}, (l) => lines.push(l));
    clock.t += 120_000;
    await h(undefined, {});
    assert.equal(queue.sent.length, 0);
    assert.equal(lines.length, 1);
  });
});
