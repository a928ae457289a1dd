import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createIngest } from '../../../lib/ingest/pipeline.ts';
import { ingestDeps } from '../../../lib/compose/ingest.ts';
import { aggregationSections, ingestAggregation } from '../../../lib/compose/aggregate.ts';
import { aggregationConfigured } from '../../../lib/aggregation/configured.ts';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { prepareConfig, restorePreparedConfig, type PreparedConfigFile } from '../../../lib/config/prepared.ts';
import { applyAggregationBatch } from '../../../lib/aggregation/durable/apply.ts';
import { flushAggregation } from '../../../lib/aggregation/durable/flush.ts';
import { loadShard, parseAggregationGroupId, shardStateKey } from '../../../lib/aggregation/durable/shard-store.ts';
import { limitedSchema } from '../../../lib/aggregation/delta/delta-to-cumulative.ts';
import { unpackMessage } from '../../../lib/queue/unpack.ts';
import { formatSeries } from '../../../lib/model/labels.ts';
import type { Histogram, TimeSeries } from '../../../lib/model/types.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger, MemoryQueue } from '../../helpers/fakes.ts';
import { ingestAggregationFromEnv } from '../../../functions/wiring/aggregate-input.ts';
import { startLocalRunner } from '../../../lib/local/runner.ts';
import { createOtlpRoutes } from '../../../lib/ingest/otlp/route.ts';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import { FifoSequencer, MemoryConditionalStore } from './durable-helpers.ts';
import { rng } from './durable-scenario.ts';
import type { AggregationRecord } from '../../../lib/aggregation/durable/apply.ts';

/**
 * otlp.delta_to_cumulative end to end in one process: an OTLP request through the ingest pipeline, its delta
 * series through the otlp_delta shards of the aggregation queue, applied by apply.ts (exactly once under
 * redelivery), the cumulative points sent; cumulative series of the request go straight to delivery.
 */
const T0 = 1_700_000_000_000;

function wire(delta: Record<string, unknown> = { enabled: true, shards: 4 }) {
  const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ url: 'http://a/api/v1/write' }], otlp: { delta_to_cumulative: delta } });
  const queue = new MemoryQueue();
  const aggQueue = new MemoryQueue();
  const state = new MemoryConditionalStore();
  const clock = new FakeClock(T0);
  const metrics = new CounterRegistry();
  const logger = new MemoryLogger();
  const d = { config, queue, blobs: state, clock, logger, metrics };
  const agg = ingestAggregation(config, aggQueue);
  const ingest = createIngest({ ...ingestDeps(d), ...(agg ? { aggregation: agg } : {}) });
  const sent: TimeSeries[] = [];
  const applyDeps = { state, blobs: state, sections: aggregationSections(config, metrics), logger, metrics, send: async (s: TimeSeries[]) => void sent.push(...s) };
  return { config, ingest, queue, aggQueue, state, clock, metrics, logger, sent, applyDeps, seq: new FifoSequencer() };
}

const nanos = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
function deltaRequest(points: { queue: string; v: number; start: number; t: number }[], cumulative = 0): Uint8Array {
  const metrics: unknown[] = [{ name: 'jobs', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: points.map((p) => ({ asInt: String(p.v), startTimeUnixNano: nanos(p.start), timeUnixNano: nanos(p.t), attributes: [{ key: 'queue', value: { stringValue: p.queue } }] })) } }];
  if (cumulative) metrics.push({ name: 'total', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ asInt: String(cumulative), timeUnixNano: nanos(T0) }] } });
  return new TextEncoder().encode(JSON.stringify({ resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'etl' } }] }, scopeMetrics: [{ metrics }] }] }));
}
const post = (w: ReturnType<typeof wire>, body: Uint8Array) => w.ingest({ method: 'POST', path: '/opentelemetry/v1/metrics', query: new URLSearchParams(), headers: { 'content-type': 'application/json' }, body: Buffer.from(body) });
const values = (series: readonly TimeSeries[]) => series.flatMap((s) => s.samples.map((x) => `${formatSeries(s.labels)} ${x.value}@${x.timestamp}`));

describe('otlp.delta_to_cumulative: config', () => {
  it('off by default: no section, no hook, aggregationConfigured() false', () => {
    const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ url: 'http://a/api/v1/write' }] });
    assert.equal(config.otlp.deltaToCumulative, undefined);
    assert.equal(aggregationConfigured(config), false);
    assert.equal(aggregationSections(config).size, 0);
    assert.equal(ingestAggregation(config, new MemoryQueue()), undefined);
    assert.equal(aggregationConfigured(wire({ enabled: false, shards: 3 }).config), false, 'enabled: false is off');
  });

  it('enabled: defaults as Prometheus (max_stale 5m), the otlp_delta section and its hook', () => {
    const { config } = wire({ enabled: true });
    assert.deepEqual(config.otlp.deltaToCumulative, { maxStaleMs: 300_000, maxStreamsPerShard: 10_000, shards: 10 });
    assert.ok(aggregationConfigured(config));
    assert.deepEqual([...aggregationSections(config).keys()], ['otlp_delta']);
    assert.deepEqual(wire({ enabled: true, max_stale: '90s', max_streams_per_shard: 100_000, shards: 1000 }).config.otlp.deltaToCumulative, { maxStaleMs: 90_000, maxStreamsPerShard: 100_000, shards: 1000 });
  });

  it('survives the prepared config the Lambda functions load', async () => {
    const { config } = wire({ enabled: true, max_stale: '2m', shards: 3 });
    const back = await restorePreparedConfig(JSON.parse(prepareConfig(config)) as PreparedConfigFile);
    assert.deepEqual(back.otlp.deltaToCumulative, { maxStaleMs: 120_000, maxStreamsPerShard: 10_000, shards: 3 });
    assert.ok(aggregationConfigured(back));
    assert.deepEqual([...aggregationSections(back).keys()], ['otlp_delta']);
  });

  it('never runs with delta series going nowhere: Lambda ingest without the queue URL and a runner without the aggregation queue refuse', async () => {
    const { config } = wire({ enabled: true });
    assert.throws(() => ingestAggregationFromEnv({}, config), /AGGREGATION_QUEUE_URL is not set/);
    assert.ok(ingestAggregationFromEnv({ AGGREGATION_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/agg.fifo', AWS_REGION: 'us-east-1' }, config));
    const queue = Object.assign(new MemoryQueue(), { receive: async () => [], ack: async () => undefined, release: async () => undefined });
    await assert.rejects(startLocalRunner({ config, backends: { queue, blobs: new MemoryBlobStore(), description: 'memory' }, logger: new MemoryLogger(), host: '127.0.0.1', port: 0 }), /embedded disk queue only/);
  });

  it('the route refuses options it cannot use (validateOtlpOptions), naming each', () => {
    assert.throws(() => createOtlpRoutes({ deltaToCumulative: { maxStaleMs: 0, maxStreamsPerShard: 1.5, shards: 1001 } }), (err: Error & { problems?: string[] }) => {
      assert.deepEqual(err.problems, ['otlp.deltaToCumulative.maxStaleMs: must be a positive number of milliseconds', 'otlp.deltaToCumulative.maxStreamsPerShard: must be a positive whole number', 'otlp.deltaToCumulative.shards: must be a whole number in 1..1000']);
      return true;
    });
  });

  const bad: [Record<string, unknown>, string][] = [
    [{ enabled: true, shards: 1001 }, 'otlp.delta_to_cumulative.shards: must be between 1 and 1000, got 1001'],
    [{ enabled: true, shards: 0 }, 'otlp.delta_to_cumulative.shards: must be between 1 and 1000, got 0'],
    [{ enabled: true, max_streams_per_shard: 100_001 }, 'otlp.delta_to_cumulative.max_streams_per_shard: must be between 1 and 100000, got 100001'],
    [{ enabled: true, max_stale: '0' }, 'otlp.delta_to_cumulative.max_stale: must be more than 0'],
    [{ enabled: true, max_stale: '5 minutes' }, 'otlp.delta_to_cumulative.max_stale: must be a duration'],
    [{ enabled: 'yes' }, 'otlp.delta_to_cumulative.enabled: must be true or false'],
    [{ enabled: true, max_streams: 5 }, 'otlp.delta_to_cumulative.max_streams: unknown option'],
  ];
  for (const [raw, want] of bad) {
    it(`refuses ${JSON.stringify(raw)} with the path`, () => {
      assert.throws(() => wire(raw), (err: Error & { problems?: string[] }) => (err.problems ?? [err.message]).some((p) => p.startsWith(want)) || assert.fail(`${JSON.stringify(err.problems ?? err.message)} lacks ${want}`));
    });
  }
});

describe('otlp.delta_to_cumulative: ingest, shards, apply', () => {
  it('delta series go to their shard, cumulative ones to delivery; apply gives the running sums once, redelivery changes nothing', async () => {
    const w = wire();
    const first = await post(w, deltaRequest([{ queue: 'a', v: 5, start: T0 - 10_000, t: T0 }, { queue: 'b', v: 1, start: T0 - 10_000, t: T0 }], 42));
    assert.equal(first.status, 200);
    const delivered = (await Promise.all(w.queue.sent.map((m) => unpackMessage(m.body, m.attributes, w.state)))).flatMap((r) => r.timeseries);
    assert.deepEqual(values(delivered), [`total{job="etl"} 42@${T0}`], 'only the cumulative series goes straight on');
    await post(w, deltaRequest([{ queue: 'a', v: 7, start: T0, t: T0 + 10_000 }, { queue: 'b', v: 2, start: T0, t: T0 + 10_000 }]));
    for (const m of w.aggQueue.sent) assert.equal(parseAggregationGroupId(m.groupId!)!.section, 'otlp_delta');
    const records = w.seq.records(w.aggQueue.sent);
    const r = await applyAggregationBatch(w.applyDeps, records);
    assert.deepEqual(r.failed, []);
    assert.deepEqual(values(w.sent).sort(), [`jobs{job="etl",queue="a"} 12@${T0 + 10_000}`, `jobs{job="etl",queue="a"} 5@${T0}`, `jobs{job="etl",queue="b"} 1@${T0}`, `jobs{job="etl",queue="b"} 3@${T0 + 10_000}`]);
    assert.ok(w.sent.every((s) => s.samples.every((x) => x.startTimestamp === T0 - 10_000)), 'each cumulative point starts where its stream did');
    const again = await applyAggregationBatch(w.applyDeps, records);
    assert.equal(again.skipped, records.length);
    assert.equal(w.sent.length, 4, 'a redelivered batch neither re-applies nor re-sends');
  });

  it('a client retry of an already queued request is not counted twice (the repeat is out of order)', async () => {
    const w = wire({ enabled: true, shards: 1 });
    const body = deltaRequest([{ queue: 'a', v: 5, start: T0 - 10_000, t: T0 }]);
    await post(w, body);
    await post(w, body);
    await applyAggregationBatch(w.applyDeps, w.seq.records(w.aggQueue.sent));
    assert.deepEqual(values(w.sent), [`jobs{job="etl",queue="a"} 5@${T0}`]);
    assert.equal(w.metrics.get('otlp_delta_dropped_total', { reason: 'out_of_order' }), 1);
    assert.ok(w.logger.lines.some((l) => l.msg.startsWith('OTLP delta points dropped')));
  });

  it('a stream is never split across shards: every point of a label set lands in one group, whatever the request mixes', async () => {
    const w = wire({ enabled: true, shards: 7 });
    const queues = Array.from({ length: 40 }, (_, i) => `q${i}`);
    for (let round = 0; round < 5; round++) {
      const mix = queues.filter((_, i) => (i + round) % 3 !== 0).reverse();
      await post(w, deltaRequest(mix.map((q) => ({ queue: q, v: 1, start: T0 + round * 1000 - 1000, t: T0 + round * 1000 }))));
    }
    const groupOf = new Map<string, Set<string>>();
    for (const m of w.aggQueue.sent) {
      for (const s of (await unpackMessage(m.body, m.attributes, w.state)).timeseries) {
        const k = formatSeries(s.labels);
        groupOf.set(k, (groupOf.get(k) ?? new Set()).add(m.groupId!));
      }
    }
    assert.equal(groupOf.size, 40);
    for (const [k, g] of groupOf) assert.equal(g.size, 1, `${k} in ${[...g].join(', ')}`);
    assert.ok(new Set([...groupOf.values()].map((g) => [...g][0])).size > 1, 'spread over several shards');
  });

  it('max_streams_per_shard: at the limit every stream is kept, one past it the new stream is dropped and counted', async () => {
    const w = wire({ enabled: true, shards: 1, max_streams_per_shard: 3 });
    await post(w, deltaRequest(['a', 'b', 'c'].map((q) => ({ queue: q, v: 1, start: T0 - 1000, t: T0 }))));
    await applyAggregationBatch(w.applyDeps, w.seq.records(w.aggQueue.sent.splice(0)));
    assert.equal(w.sent.length, 3);
    await post(w, deltaRequest(['a', 'd'].map((q) => ({ queue: q, v: 1, start: T0, t: T0 + 1000 }))));
    await applyAggregationBatch(w.applyDeps, w.seq.records(w.aggQueue.sent.splice(0)));
    assert.deepEqual(values(w.sent.slice(3)), [`jobs{job="etl",queue="a"} 2@${T0 + 1000}`]);
    assert.equal(w.metrics.get('otlp_delta_dropped_total', { reason: 'limit' }), 1);
  });

  it('flush forgets streams idle past max_stale without writing staleness markers (as Prometheus); the next point starts afresh', async () => {
    const w = wire({ enabled: true, shards: 1, max_stale: '1m' });
    await post(w, deltaRequest([{ queue: 'a', v: 5, start: T0 - 1000, t: T0 }]));
    await applyAggregationBatch(w.applyDeps, w.seq.records(w.aggQueue.sent.splice(0)));
    const key = shardStateKey('otlp_delta', 0);
    const flushDeps = { ...w.applyDeps, list: w.state, send: w.applyDeps.send };
    await flushAggregation(flushDeps, T0 + 60_000);
    assert.match(new TextDecoder().decode((await loadShard(w.state, key)).state.engine!), /"queue"/, 'still held at max_stale');
    const r = await flushAggregation(flushDeps, T0 + 60_001);
    assert.equal(r.sent, 0, 'no staleness markers');
    assert.doesNotMatch(new TextDecoder().decode((await loadShard(w.state, key)).state.engine!), /"queue"/);
    assert.equal(w.metrics.get('otlp_delta_expired_streams_total'), 1);
    w.clock.t = T0 + 120_000;
    await post(w, deltaRequest([{ queue: 'a', v: 2, start: T0 + 110_000, t: T0 + 120_000 }]));
    await applyAggregationBatch(w.applyDeps, w.seq.records(w.aggQueue.sent.splice(0)));
    assert.deepEqual(values(w.sent), [`jobs{job="etl",queue="a"} 5@${T0}`, `jobs{job="etl",queue="a"} 2@${T0 + 120_000}`]);
  });
});

describe('otlp.delta_to_cumulative: exactly once under crashes, redelivery and racing consumers', () => {
  for (const seed of [3, 11, 29]) {
    it(`seed ${seed}: 6 writers x 12 exports, consumers that crash after applying, race on a group, and flushes between: every point once, the totals exact`, async () => {
      const w = wire({ enabled: true, shards: 3 });
      const want = new Map<string, number>();
      for (let k = 1; k <= 12; k++) {
        w.clock.t = T0 + k * 10_000;
        const points = Array.from({ length: 6 }, (_, p) => ({ queue: `w${p}`, v: p + k, start: T0 + (k - 1) * 10_000, t: T0 + k * 10_000 }));
        for (const p of points) want.set(p.queue, (want.get(p.queue) ?? 0) + p.v);
        assert.equal((await post(w, deltaRequest(points))).status, 200);
      }
      const random = rng(seed);
      const groups = new Map<string, AggregationRecord[]>();
      for (const r of w.seq.records(w.aggQueue.sent)) groups.set(r.groupId!, [...(groups.get(r.groupId!) ?? []), r]);
      const pos = new Map([...groups.keys()].map((g) => [g, 0]));
      const flushDeps = { ...w.applyDeps, list: w.state };
      for (;;) {
        const open = [...groups.keys()].filter((g) => pos.get(g)! < groups.get(g)!.length);
        if (!open.length) break;
        const g = open[Math.floor(random() * open.length)]!;
        const list = groups.get(g)!;
        const from = pos.get(g)!;
        const batch = list.slice(from, from + 1 + Math.floor(random() * 4));
        const done = (failed: string[]) => {
          const bad = batch.findIndex((r) => failed.includes(r.messageId));
          pos.set(g, from + (bad < 0 ? batch.length : bad));
        };
        const roll = random();
        if (roll < 0.25) {
          // A second consumer got the group when the visibility timeout ran out.
          const [a] = await Promise.all([applyAggregationBatch(w.applyDeps, batch), applyAggregationBatch(w.applyDeps, list.slice(from, from + 1 + Math.floor(random() * 4)))]);
          done(a.failed);
        } else {
          const r = await applyAggregationBatch(w.applyDeps, batch);
          // Crashed after applying, before deleting: the batch comes back.
          if (roll >= 0.5) done(r.failed);
        }
        if (random() < 0.3) await flushAggregation(flushDeps, w.clock.t);
      }
      await flushAggregation(flushDeps, w.clock.t);
      // Every (stream, time) has one value however often it was sent; each stream one point per export, the last its total.
      const byPoint = new Map<string, Set<number>>();
      for (const s of w.sent) for (const x of s.samples) byPoint.set(`${formatSeries(s.labels)}@${x.timestamp}`, (byPoint.get(`${formatSeries(s.labels)}@${x.timestamp}`) ?? new Set()).add(x.value));
      for (const [k, v] of byPoint) assert.equal(v.size, 1, `${k}: ${[...v].join(', ')}`);
      assert.equal(byPoint.size, 6 * 12);
      for (const [queue, total] of want) assert.deepEqual([...byPoint.get(`jobs{job="etl",queue="${queue}"}@${T0 + 120_000}`)!], [total], queue);
      assert.equal(w.metrics.get('otlp_delta_dropped_total', { reason: 'out_of_order' }), 0, 'no point was applied twice (which the conversion would drop as out of order)');
    });
  }
});

describe('exponential histograms merged as the deltatocumulative processor does', () => {
  const h = (schema: number, indices: number[]): Histogram => ({ timestamp: 0, float: true, count: indices.length, sum: 1, schema, zeroThreshold: 1e-128, zeroCount: 0, positiveSpans: indices.map((i, k) => ({ offset: k === 0 ? i : i - indices[k - 1]! - 1, length: 1 })), positiveBuckets: indices.map(() => 1), negativeSpans: [], negativeBuckets: [], resetHint: 0, customValues: [] });
  it('at most 160 buckets a side: the smaller schema, lowered until the span fits', () => {
    assert.equal(limitedSchema(h(3, [1, 100]), h(4, [1, 200])), 3, '100 buckets at schema 3: fits');
    assert.equal(limitedSchema(h(3, [1]), h(3, [160])), 3, '160 buckets: at the limit');
    assert.equal(limitedSchema(h(3, [1]), h(3, [161])), 2, '161 buckets: one past');
  });
  it("halves OTLP indices with Go's truncating division (toward zero), not floor", () => {
    // OTLP indices -321..-1 (native -320..0): 321 wide; truncated halves -160..0 fit, floored -161..0 would not.
    assert.equal(limitedSchema(h(5, [-320]), h(5, [0])), 4);
  });
});
