import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createIngest } from '../../../lib/ingest/pipeline.ts';
import { ingestDeps } from '../../../lib/compose/ingest.ts';
import { aggregationSections, ingestAggregation } from '../../../lib/compose/aggregate.ts';
import { aggregationConfigured } from '../../../lib/aggregation/configured.ts';
import { applyAggregationBatch } from '../../../lib/aggregation/durable/apply.ts';
import { flushAggregation } from '../../../lib/aggregation/durable/flush.ts';
import { ATTR_AT } from '../../../lib/aggregation/durable/route.ts';
import { aggregationGroupId } from '../../../lib/aggregation/durable/shard-store.ts';
import { ATTR_PUSH_GROUP, ATTR_PUSH_OP, pushSection } from '../../../lib/aggregation/push/section.ts';
import { pushGroupKey, pushGroupShard } from '../../../lib/aggregation/push/ingest.ts';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import { packSeries } from '../../../lib/queue/envelope.ts';
import type { Histogram, MetricMetadata, TimeSeries } from '../../../lib/model/types.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger, MemoryQueue } from '../../helpers/fakes.ts';
import { CountingMetrics, FifoSequencer, MemoryConditionalStore } from './durable-helpers.ts';

const T0 = 1_700_000_000_000; // a multiple of 10 s
const INTERVAL = 10_000;
const TTL = 60_000;

/**
 * The Pushgateway aggregation mode through its real parts: the pipeline with the Pushgateway route and the
 * mode's ingest hook, the aggregation queue's messages given FIFO sequence numbers as SQS does, apply.ts
 * and flush.ts on a compare-and-swap store, and the output as the delivery queue would get it.
 */
function wire(opts: { aggregation?: Record<string, unknown>; aggQueueBytes?: number; extra?: Record<string, unknown> } = {}) {
  const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ url: 'http://a/api/v1/write' }], pushgateway: { aggregation: opts.aggregation ?? { ttl: '1m', interval: '10s', shards: 4 } }, ...opts.extra });
  const queue = new MemoryQueue();
  const aggQueue = new MemoryQueue(opts.aggQueueBytes);
  const blobs = new MemoryBlobStore();
  const clock = new FakeClock(T0);
  const metrics = new CountingMetrics();
  const d = { config, queue, blobs, clock, logger: new MemoryLogger(), metrics: new CounterRegistry() };
  const agg = ingestAggregation(config, aggQueue);
  const ingest = createIngest({ ...ingestDeps(d), ...(agg ? { aggregation: agg } : {}) });
  const store = new MemoryConditionalStore();
  const out: TimeSeries[] = [];
  const deps = { state: store, blobs, sections: aggregationSections(config), logger: new MemoryLogger(), metrics, send: async (s: TimeSeries[]) => void out.push(...s) };
  const seq = new FifoSequencer();
  let taken = 0;
  return {
    ingestMetrics: d.metrics,
    config,
    queue,
    aggQueue,
    clock,
    store,
    metrics,
    out,
    deps,
    async push(path: string, body: string | Uint8Array, method = 'POST', headers: Record<string, string> = {}): Promise<number> {
      const res = await ingest({ method, path, query: new URLSearchParams(), headers, body: Buffer.from(body) });
      assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${String(res.body)}`);
      return res.status;
    },
    /** Applies every aggregation message queued since the last call, as one consumer batch. */
    async apply() {
      const records = seq.records(aggQueue.sent.slice(taken));
      taken = aggQueue.sent.length;
      const r = await applyAggregationBatch(deps, records);
      assert.deepEqual(r.failed, []);
      return { r, records };
    },
    async flush(at: number) {
      out.length = 0;
      await flushAggregation({ ...deps, list: store }, at);
      return render(out);
    },
  };
}

/** `name{labels} @t = v` lines, sorted (histograms as count/sum). */
function render(series: readonly TimeSeries[]): string[] {
  const lines: string[] = [];
  for (const s of series) {
    const name = s.labels.find((l) => l.name === '__name__')?.value ?? '';
    const labels = s.labels.filter((l) => l.name !== '__name__').map((l) => `${l.name}="${l.value}"`).join(',');
    for (const p of s.samples) lines.push(`${name}{${labels}} @${(p.timestamp - T0) / 1000}s = ${p.stale ? 'stale' : p.value}`);
    for (const h of s.histograms ?? []) lines.push(`${name}{${labels}} @${(h.timestamp - T0) / 1000}s = ${h.stale ? 'stale' : `hist count=${h.count} sum=${h.sum}`}`);
  }
  return lines.sort();
}

const BODY = (n: number, depth: number) =>
  [
    '# TYPE jobs_processed_total counter',
    `jobs_processed_total ${n}`,
    '# TYPE queue_depth gauge',
    `queue_depth ${depth}`,
    '# TYPE duration_seconds histogram',
    `duration_seconds_bucket{le="1"} ${n}`,
    `duration_seconds_bucket{le="+Inf"} ${n + 1}`,
    `duration_seconds_sum ${n * 0.5}`,
    `duration_seconds_count ${n + 1}`,
    '# TYPE rpc_seconds summary',
    `rpc_seconds{quantile="0.5"} ${depth / 10}`,
    `rpc_seconds_sum ${n}`,
    `rpc_seconds_count ${n}`,
    `untyped_thing ${depth}`,
    '',
  ].join('\n');

describe('Pushgateway aggregation mode: config', () => {
  it('pushgateway.aggregation switches the mode on with documented defaults; enabled: false keeps it off', () => {
    const on = parseGatewayConfig({ auth: { mode: 'none' }, pushgateway: { aggregation: {} } });
    assert.deepEqual(on.pushgateway, { aggregation: { ttlMs: 900_000, intervalMs: 30_000, shards: 10 } });
    assert.ok(aggregationConfigured(on));
    assert.deepEqual([...aggregationSections(on).keys()], ['pushgateway']);
    const off = parseGatewayConfig({ auth: { mode: 'none' }, pushgateway: { aggregation: { enabled: false, ttl: '1h' } } });
    assert.deepEqual(off.pushgateway, {});
    assert.equal(aggregationConfigured(off), false);
    assert.equal(ingestAggregation(off, new MemoryQueue()), undefined);
    assert.equal(aggregationConfigured(parseGatewayConfig({ auth: { mode: 'none' } })), false);
  });

  it('the Lambda ingest function loads the hook for the mode alone (functions/wiring/aggregate-input.ts)', async () => {
    const { ingestAggregationFromEnv } = await import('../../../functions/wiring/aggregate-input.ts');
    const config = parseGatewayConfig({ auth: { mode: 'none' }, pushgateway: { aggregation: {} } });
    const hook = ingestAggregationFromEnv({ AGGREGATION_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/agg.fifo', AWS_REGION: 'us-east-1' }, config);
    assert.ok(hook?.appliesTo('pushgateway'));
    assert.equal(hook!.appliesTo('influx'), false, 'other protocols keep their fast paths');
    assert.throws(() => ingestAggregationFromEnv({}, config), /AGGREGATION_QUEUE_URL is not set/);
  });

  const bad: [string, unknown, string][] = [
    ['unknown key, with the allowed ones', { aggregation: { ttl: '1m', tll: '1m' } }, 'pushgateway.aggregation.tll: unknown field (allowed: enabled, ttl, interval, shards)'],
    ['unknown option of the section', { aggregate: {} }, 'pushgateway.aggregate: unknown option'],
    ['not a duration', { aggregation: { ttl: 60 } }, 'pushgateway.aggregation.ttl: must be a duration like 30s, 1m30s or 500ms, got number 60'],
    ['shards past the limit', { aggregation: { shards: 1001 } }, 'pushgateway.aggregation.shards: must be between 1 and 1000, got 1001'],
    ['shards below it', { aggregation: { shards: 0 } }, 'pushgateway.aggregation.shards: must be between 1 and 1000, got 0'],
    ['interval under 1s', { aggregation: { interval: '999ms' } }, 'pushgateway.aggregation.interval: must be at least 1s, got 999ms'],
    ['ttl under the interval', { aggregation: { ttl: '29s', interval: '30s' } }, 'pushgateway.aggregation.ttl: must be at least interval (30s), got 29s'],
    ['enabled not a boolean', { aggregation: { enabled: 'yes' } }, 'pushgateway.aggregation.enabled: must be true or false, got string "yes"'],
    ['a list for the mapping', { aggregation: [] }, 'pushgateway.aggregation: must be a mapping, got a list'],
  ];
  for (const [name, section, message] of bad) {
    it(`refused at its path: ${name}`, () => {
      assert.throws(() => parseGatewayConfig({ auth: { mode: 'none' }, pushgateway: section }), (e: Error) => e.message.includes(message) || assert.fail(e.message));
    });
  }

  it('the limits themselves are accepted: shards 1 and 1000, interval 1s, ttl equal to the interval', () => {
    for (const a of [{ shards: 1 }, { shards: 1000 }, { interval: '1s', ttl: '1s' }]) assert.ok(parseGatewayConfig({ auth: { mode: 'none' }, pushgateway: { aggregation: a } }).pushgateway.aggregation);
  });
});

describe('Pushgateway aggregation mode: pushes to sums', () => {
  it('counters, classic histogram series and summary count/sum add up across pushes; gauges, quantiles and untyped keep the last; nothing is forwarded raw', async () => {
    const w = wire();
    await w.push('/metrics/job/etl', BODY(5, 3));
    w.clock.t += 1000;
    await w.push('/metrics/job/etl', BODY(7, 1), 'PUT'); // PUT adds too: many runs share a group
    w.clock.t += 1000;
    await w.push('/metrics/job/etl', BODY(11, 4));
    assert.deepEqual(w.queue.sent, [], 'the pushed series are not forwarded');
    await w.apply();
    assert.deepEqual(await w.flush(T0 + 10_000), [
      'duration_seconds_bucket{job="etl",le="+Inf"} @10s = 26',
      'duration_seconds_bucket{job="etl",le="1"} @10s = 23',
      'duration_seconds_count{job="etl"} @10s = 26',
      'duration_seconds_sum{job="etl"} @10s = 11.5',
      'jobs_processed_total{job="etl"} @10s = 23',
      `push_time_seconds{job="etl"} @10s = ${(T0 + 2000) / 1000}`,
      'queue_depth{job="etl"} @10s = 4',
      'rpc_seconds_count{job="etl"} @10s = 23',
      'rpc_seconds_sum{job="etl"} @10s = 23',
      'rpc_seconds{job="etl",quantile="0.5"} @10s = 0.4',
      'untyped_thing{job="etl"} @10s = 4',
    ]);
    assert.equal(w.metrics.sum('aggregation_applied_messages_total'), 3);
  });

  it('groups are the grouping key: other path labels are other groups, each in the shard its key hashes to', async () => {
    const w = wire();
    await w.push('/metrics/job/etl/instance/a', '# TYPE c counter\nc 1\n');
    await w.push('/metrics/job/etl/instance/b', '# TYPE c counter\nc 2\n');
    await w.push('/metrics/job/etl/instance/a', '# TYPE c counter\nc 3\n');
    const groups = w.aggQueue.sent.map((m) => [m.attributes[ATTR_PUSH_GROUP], m.groupId]);
    assert.deepEqual(groups[0], groups[2], 'one group, one shard');
    for (const [key, gid] of groups) {
      const [tenant, ...flat] = JSON.parse(key!) as string[];
      const grouping = [];
      for (let i = 0; i < flat.length; i += 2) grouping.push({ name: flat[i]!, value: flat[i + 1]! });
      assert.equal(gid, aggregationGroupId('pushgateway', pushGroupShard(tenant!, grouping, 4)));
    }
    await w.apply();
    assert.deepEqual((await w.flush(T0 + 10_000)).filter((l) => l.startsWith('c{')), ['c{instance="a",job="etl"} @10s = 4', 'c{instance="b",job="etl"} @10s = 2']);
  });

  it('the types of a push too large for one message are remembered for its later messages (only the first carries them)', async () => {
    const w = wire({ aggQueueBytes: 2048 });
    const body = (v: number) => '# TYPE big_total counter\n' + Array.from({ length: 400 }, (_, i) => `big_total{i="${i}",pad="${'x'.repeat(20)}"} ${v}`).join('\n') + '\n';
    await w.push('/metrics/job/big', body(1));
    await w.push('/metrics/job/big', body(2));
    assert.ok(w.aggQueue.sent.length >= 4, `split into ${w.aggQueue.sent.length} messages`);
    assert.ok(w.aggQueue.sent.filter((m) => m.attributes.metadata !== undefined).length === 2, 'only the first message of each push carries the types');
    await w.apply();
    const lines = (await w.flush(T0 + 10_000)).filter((l) => l.startsWith('big_total'));
    assert.equal(lines.length, 400);
    assert.ok(lines.every((l) => l.endsWith(' = 3')), lines.find((l) => !l.endsWith(' = 3')));
  });

  it('protobuf pushes (client_golang, client_java) carry their family types: a counter is summed', async () => {
    const w = wire();
    for (const v of [2, 3]) await w.push('/metrics/job/pb', encodeCounterFamily('pb_requests_total', v), 'POST', { 'content-type': PROTOBUF });
    await w.apply();
    assert.ok((await w.flush(T0 + 10_000)).includes('pb_requests_total{job="pb"} @10s = 5'));
  });
});

describe('Pushgateway aggregation mode: time', () => {
  it('each live group is emitted once per interval, at its multiples, however often the flush runs', async () => {
    const w = wire();
    await w.push('/metrics/job/etl', '# TYPE c counter\nc 1\n');
    await w.apply();
    assert.deepEqual(await w.flush(T0 + 10_000), ['c{job="etl"} @10s = 1', `push_time_seconds{job="etl"} @10s = ${T0 / 1000}`]);
    assert.deepEqual(await w.flush(T0 + 19_999), []);
    const puts = w.store.puts;
    assert.deepEqual(await w.flush(T0 + 15_000), []);
    assert.equal(w.store.puts, puts, 'a flush with nothing due writes nothing');
    assert.deepEqual(await w.flush(T0 + 25_000), ['c{job="etl"} @20s = 1', `push_time_seconds{job="etl"} @20s = ${T0 / 1000}`]);
  });

  it('TTL: a group not pushed for ttl gets staleness markers once, is forgotten, and a later push starts from zero', async () => {
    const w = wire();
    await w.push('/metrics/job/etl', '# TYPE c counter\nc 5\n');
    await w.apply();
    await w.flush(T0 + 60_000);
    assert.deepEqual(await w.flush(T0 + 70_000), ['c{job="etl"} @70s = stale', 'push_time_seconds{job="etl"} @70s = stale']);
    assert.ok(w.out.every((s) => s.samples.every((p) => p.stale && Number.isNaN(p.value))));
    assert.deepEqual(await w.flush(T0 + 80_000), []);
    w.clock.t = T0 + 85_000;
    await w.push('/metrics/job/etl', '# TYPE c counter\nc 2\n');
    await w.apply();
    assert.ok((await w.flush(T0 + 90_000)).includes('c{job="etl"} @90s = 2'));
  });

  it('flushes further apart than the TTL still emit every push once before its staleness markers', async () => {
    const w = wire({ aggregation: { ttl: '10s', interval: '10s' } });
    await w.push('/metrics/job/etl', '# TYPE c counter\nc 5\n');
    await w.apply();
    assert.deepEqual(await w.flush(T0 + 60_000), ['c{job="etl"} @60s = 5', `push_time_seconds{job="etl"} @60s = ${T0 / 1000}`]);
    assert.deepEqual(await w.flush(T0 + 120_000), ['c{job="etl"} @120s = stale', 'push_time_seconds{job="etl"} @120s = stale']);
  });

  it('native histograms are summed (their schema reduced to the smaller) and end as stale histograms', async () => {
    const w = wire();
    const hist = (schema: number, counts: number[]): Histogram => ({ timestamp: T0, float: true, count: counts.reduce((a, b) => a + b, 0), sum: 1, schema, zeroThreshold: 1e-128, zeroCount: 0, positiveSpans: [{ offset: 1, length: counts.length }], positiveBuckets: counts, negativeSpans: [], negativeBuckets: [], resetHint: 0, customValues: [] });
    const hook = ingestAggregation(w.config, w.aggQueue)!;
    const ddeps = { blobs: new MemoryBlobStore(), clock: w.clock, logger: new MemoryLogger(), metrics: new CounterRegistry(), maxSamplesPerMessage: 1000 };
    const grouping = [{ name: 'job', value: 'h' }];
    for (const [schema, counts] of [[1, [1, 2]], [0, [4]]] as const) {
      const series: TimeSeries[] = [{ labels: [{ name: '__name__', value: 'lat_seconds' }, { name: 'job', value: 'h' }], samples: [], histograms: [hist(schema, [...counts])] }];
      const outcome = { kind: 'series' as const, series, errors: [], success: { status: 200 }, pushGroup: { grouping, types: new Map([['lat_seconds', 'HISTOGRAM' as const]]), op: 'push' as const } };
      await hook.divert(ddeps, series, { tenant: 'default', protocol: 'pushgateway', outcome }).commit();
    }
    await w.apply();
    await w.flush(T0 + 10_000);
    const h = w.out[0]!.histograms![0]!;
    assert.equal(h.schema, 0);
    assert.equal(h.count, 7);
    assert.equal(h.sum, 2);
    // Schema 1 buckets 1 and 2 both fall in schema 0 bucket 1, where the other push's 4 is.
    assert.deepEqual(h.positiveSpans, [{ offset: 1, length: 1 }]);
    assert.deepEqual(h.positiveBuckets, [7]);
    await w.flush(T0 + 70_000);
    assert.equal(w.out[0]!.histograms![0]!.stale, true);
  });
});

describe('Pushgateway aggregation mode: DELETE', () => {
  it('forgets the group at once: staleness markers sent at apply, after the last emitted sample; nothing more at the next flush', async () => {
    const w = wire();
    await w.push('/metrics/job/etl', '# TYPE c counter\nc 5\n');
    await w.apply();
    await w.flush(T0 + 10_000);
    w.out.length = 0;
    w.clock.t = T0 + 5_000; // routed before the emitted boundary (a late message): markers must still come after it
    assert.equal(await w.push('/metrics/job/etl', '', 'DELETE'), 202);
    assert.deepEqual(w.queue.sent, [], 'the DELETE is not forwarded raw either');
    await w.apply();
    assert.deepEqual(render(w.out), ['c{job="etl"} @10.001s = stale', 'push_time_seconds{job="etl"} @10.001s = stale']);
    assert.deepEqual(await w.flush(T0 + 20_000), []);
    w.clock.t = T0 + 21_000;
    await w.push('/metrics/job/etl', '# TYPE c counter\nc 1\n');
    await w.apply();
    assert.ok((await w.flush(T0 + 30_000)).includes('c{job="etl"} @30s = 1'), 'a push after a DELETE starts from zero');
  });
});

describe('Pushgateway aggregation mode: exactly once', () => {
  it('a redelivered batch is skipped by its sequence numbers: every push counts once', async () => {
    const w = wire();
    for (let i = 1; i <= 5; i++) await w.push('/metrics/job/etl', `# TYPE c counter\nc ${i}\n`);
    const { records } = await w.apply();
    const again = await applyAggregationBatch(w.deps, records);
    assert.equal(again.skipped, 5);
    assert.equal(again.applied, 0);
    assert.ok((await w.flush(T0 + 10_000)).includes('c{job="etl"} @10s = 15'));
  });

  it('a second consumer (visibility timeout) or a flush writing between read and write: re-applied on the winner, never doubled or lost', async () => {
    const w = wire({ aggregation: { ttl: '1m', interval: '10s', shards: 1 } });
    for (let i = 1; i <= 3; i++) await w.push('/metrics/job/etl', `# TYPE c counter\nc ${i}\n`);
    const records = new FifoSequencer().records(w.aggQueue.sent);
    // Consumer A reads the shard; before its write, consumer B applies the first two messages of the same batch.
    w.store.beforePut = async () => void (await applyAggregationBatch(w.deps, records.slice(0, 2)));
    const a = await applyAggregationBatch(w.deps, records);
    assert.deepEqual(a.failed, []);
    assert.equal(w.store.conflicts, 1);
    assert.equal(a.skipped, 2, 'A skips what B applied');
    assert.ok((await w.flush(T0 + 10_000)).includes('c{job="etl"} @10s = 6'));
  });

  it('a message without its group (not written by this mode) is dropped for good, counted', async () => {
    const w = wire();
    const m = packSeries([{ labels: [{ name: '__name__', value: 'c' }], samples: [{ value: 1, timestamp: T0 }] }], { maxMessageBytes: 65536, maxSamples: 100, tenant: 'default', source: 'push', newSpoolKey: () => 'spool/x' }).messages[0]!;
    const r = await applyAggregationBatch(w.deps, new FifoSequencer().records([{ ...m, attributes: { ...m.attributes, [ATTR_AT]: String(T0) }, groupId: aggregationGroupId('pushgateway', 0) }]));
    assert.equal(r.dropped, 1);
    assert.equal(w.metrics.values.get('aggregation_dropped_messages_total{"reason":"no_group"}'), 1);
  });
});

describe('Pushgateway aggregation mode: the shard machine', () => {
  it('snapshot and restore are exact: restoring after every step gives the same output as never restoring', () => {
    const section = pushSection({ ttlMs: 30_000, intervalMs: 10_000 });
    const meta: MetricMetadata[] = [{ metricFamilyName: 'c', type: 'COUNTER', help: '', unit: '' }, { metricFamilyName: 'g', type: 'GAUGE', help: '', unit: '' }];
    const input = (group: string, op: string, c: number, g: number, first: boolean) => ({
      request: { timeseries: [{ labels: [{ name: '__name__', value: 'c' }, { name: 'job', value: group }], samples: [{ value: c, timestamp: 0 }] }, { labels: [{ name: '__name__', value: 'g' }, { name: 'job', value: group }], samples: [{ value: g, timestamp: 0 }] }], metadata: first ? meta : [] },
      attributes: { [ATTR_PUSH_GROUP]: pushGroupKey('default', [{ name: 'job', value: group }]), [ATTR_PUSH_OP]: op },
    });
    const logger = new MemoryLogger();
    const a = section.open(undefined, T0, 'apply', { logger, key: 'k' });
    let saved: Uint8Array | undefined;
    const outA: string[] = [];
    const outB: string[] = [];
    let x = 7;
    for (let step = 0; step < 200; step++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const at = T0 + step * 1700;
      const group = `g${x % 3}`;
      const op = x % 17 === 0 ? 'delete' : 'push';
      const b = section.open(saved, at, 'apply', { logger, key: 'k' });
      const inp = input(group, op, (x % 100) / 7, x % 13, x % 5 !== 0);
      outA.push(...render(a.apply(inp, at)));
      outB.push(...render(b.apply(inp, at)));
      if (step % 3 === 0) {
        outA.push(...render(a.flush(at)));
        outB.push(...render(b.flush(at)));
      }
      saved = b.snapshot();
      assert.deepEqual(saved, a.snapshot(), `step ${step}`);
    }
    assert.deepEqual(outB, outA);
    assert.ok(outA.some((l) => l.endsWith('stale')) && outA.some((l) => !l.endsWith('stale')));
  });

  it('bytes that are not its state are a SnapshotError (apply.ts leaves the shard alone)', () => {
    assert.throws(() => pushSection({ ttlMs: 1000, intervalMs: 1000 }).open(new TextEncoder().encode('{"v":2}'), T0, 'flush', { logger: new MemoryLogger(), key: 'k' }), { name: 'SnapshotError' });
  });
});

const PROTOBUF = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';

/** A delimited MetricFamily (client_model) with one counter metric; field numbers from metrics.proto. */
function encodeCounterFamily(name: string, value: number): Uint8Array {
  const varint = (n: number): number[] => {
    const out: number[] = [];
    while (n > 0x7f) {
      out.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    out.push(n);
    return out;
  };
  const field = (no: number, bytes: number[]): number[] => [...varint((no << 3) | 2), ...varint(bytes.length), ...bytes];
  const counter = [(1 << 3) | 1, ...new Uint8Array(new Float64Array([value]).buffer)]; // Counter.value = 1, a double
  const family = [...field(1, [...Buffer.from(name)]), 3 << 3, 0, ...field(4, field(3, counter))]; // name = 1, type = 3 (COUNTER = 0), metric = 4 { counter = 3 }
  return new Uint8Array([...varint(family.length), ...family]);
}

describe('Pushgateway aggregation mode: what a sum does not carry', () => {
  it('exemplars are dropped before the shard, counted and logged', async () => {
    const w = wire();
    const body = '# TYPE c counter\nc_total 3 # {trace_id="abc"} 1.5\n# EOF\n';
    await w.push('/metrics/job/ex', body, 'POST', { 'content-type': 'application/openmetrics-text; version=1.0.0' });
    await w.apply();
    const flushed = await w.flush(T0 + 10_000);
    assert.ok(flushed.includes('c_total{job="ex"} @10s = 3'), flushed.join('\n'));
    assert.ok(w.out.every((s) => !s.exemplars?.length));
    assert.match(w.ingestMetrics.render(), /ingest_dropped_total\{[^}]*reason="exemplar_aggregated"[^}]*\} 1/);
  });
});

describe('PushMerge state formats', () => {
  it('a v1 snapshot (labels as objects, written before v2) still restores, as emitted groups', async () => {
    const { PushMerge } = await import('../../../lib/aggregation/push/push-merge.ts');
    const v1 = JSON.stringify({ v: 1, groups: [['g', T0, [[[{ name: '__name__', value: 'c_total' }, { name: 'job', value: 'a' }], 'sum', 4, null], [[{ name: '__name__', value: 'g' }], 'last', 'NaN', null]]]] });
    const m = new PushMerge({ ttlMs: 1000, emitBeforeExpiry: true });
    m.restore(v1);
    m.push('g', [{ labels: [{ name: '__name__', value: 'c_total' }, { name: 'job', value: 'a' }], samples: [{ value: 1, timestamp: T0 }] }], new Map(), T0 + 10);
    assert.deepEqual(render(m.emit(T0 + 20)).filter((l) => l.startsWith('c_total')), ['c_total{job="a"} @0.02s = 5']);
    const back = new PushMerge({ ttlMs: 1000 });
    back.restore(m.snapshot());
    assert.equal(back.snapshot(), m.snapshot(), 'v2 round trip is exact');
    assert.throws(() => back.restore('{"v":3,"groups":[]}'), /unknown push-merge snapshot version 3/);
  });
});
