import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createIngest } from '../../../lib/ingest/pipeline.ts';
import { ingestDeps } from '../../../lib/compose/ingest.ts';
import { aggregateApplyDeps, aggregateFlushDeps, aggregationSections, ingestAggregation } from '../../../lib/compose/aggregate.ts';
import { aggregationConfigured } from '../../../lib/aggregation/configured.ts';
import { applyAggregationBatch } from '../../../lib/aggregation/durable/apply.ts';
import { flushAggregation } from '../../../lib/aggregation/durable/flush.ts';
import { destinationSection } from '../../../lib/aggregation/section.ts';
import { parseGatewayConfig, type GatewayConfig } from '../../../lib/config/schema.ts';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import { deliverBatch, destinationFor, type DeliveryDeps, type QueueRecord } from '../../../lib/delivery/deliver.ts';
import { replayOverflow } from '../../../lib/delivery/replay.ts';
import { isAggregationInput, messageDestination, packSeries } from '../../../lib/queue/envelope.ts';
import { loadGatewayConfig } from '../../../lib/config/load.ts';
import { prepareConfig, restorePreparedConfig } from '../../../lib/config/prepared.ts';
import { unpackMessage } from '../../../lib/queue/unpack.ts';
import { decodeWriteRequest } from '../../../lib/remote-write/decode.ts';
import { snappyUncompress } from '../../../lib/remote-write/snappy.ts';
import type { HttpClient, HttpRequest, HttpResponse, OutgoingMessage } from '../../../lib/ports/index.ts';
import type { TimeSeries } from '../../../lib/model/types.ts';
import { FakeClock, MemoryLogger, MemoryQueue } from '../../helpers/fakes.ts';
import { FifoSequencer, MemoryConditionalStore } from './durable-helpers.ts';

/**
 * remote_write[i].stream_aggregation (vmagent's -remoteWrite.streamAggr.config): the destination's
 * write_relabel_configs first, its matches aggregated in section rw.<name> and held back from it alone,
 * the section's output sent to it alone (also through overflow and replay).
 */

const A = 'http://a/api/v1/write';
const B = 'http://b/api/v1/write';
// a renames jobs_v (so a rule must match the relabeled name) and drops *_sum_samples (so its output would
// vanish if its write_relabel_configs were applied to it a second time).
const writeRelabelA = [
  { source_labels: ['__name__'], regex: 'jobs_v', target_label: '__name__', replacement: 'a_jobs_v' },
  { source_labels: ['__name__'], regex: '.*_sum_samples', action: 'drop' },
];
const ruleA = { match: 'a_jobs_v', interval: '10s', staleness_interval: '1m', by: ['host'], outputs: ['sum_samples'] };
const OUT = 'a_jobs_v:10s_by_host_sum_samples';

function configWith(section: unknown, extra: Record<string, unknown> = {}): GatewayConfig {
  return parseGatewayConfig({
    auth: { mode: 'none' },
    remote_write: [
      { url: A, name: 'a', write_relabel_configs: writeRelabelA, stream_aggregation: section, queue_config: { min_backoff: '10ms', max_backoff: '20ms' } },
      { url: B, name: 'b' },
    ],
    ...extra,
  });
}

class Receivers implements HttpClient {
  readonly got = new Map<string, TimeSeries[]>();
  down = new Set<string>();
  async request(req: HttpRequest): Promise<HttpResponse> {
    if (this.down.has(req.url)) return { status: 503, headers: {}, body: Buffer.from('down') };
    const list = this.got.get(req.url) ?? [];
    list.push(...decodeWriteRequest(snappyUncompress(req.body!, 1e8, 't')).timeseries);
    this.got.set(req.url, list);
    return { status: 204, headers: {}, body: Buffer.alloc(0) };
  }
  names(url: string): string[] {
    return (this.got.get(url) ?? []).map((s) => s.labels.find((l) => l.name === '__name__')!.value + (s.labels.find((l) => l.name === 'host')?.value ?? '')).sort();
  }
}

function world(config: GatewayConfig) {
  const queue = new MemoryQueue();
  const aggQueue = new MemoryQueue();
  const blobs = new MemoryConditionalStore();
  const clock = new FakeClock();
  const metrics = new CounterRegistry();
  const logger = new MemoryLogger();
  const d = { config, queue, blobs, clock, logger, metrics };
  const agg = ingestAggregation(config, aggQueue);
  const ingest = createIngest({ ...ingestDeps(d), ...(agg ? { aggregation: agg } : {}) });
  const http = new Receivers();
  const delivery: DeliveryDeps = { destinations: config.remoteWrite.map(destinationFor), http, blobs, clock, logger, metrics, random: () => 0.5 };
  let taken = 0;
  const deliver = async (): Promise<void> => {
    const records: QueueRecord[] = queue.sent.slice(taken).map((m, i) => ({ messageId: `q${taken + i}`, body: m.body, attributes: m.attributes, ...(m.groupId ? { groupId: m.groupId } : {}) }));
    taken = queue.sent.length;
    const r = await deliverBatch(records, clock.now() + 1000, delivery);
    assert.deepEqual(r.failedMessageIds, []);
  };
  const seq = new FifoSequencer();
  const aggregate = async (flushAt: number): Promise<void> => {
    const applied = await applyAggregationBatch(aggregateApplyDeps(d, blobs), seq.records(aggQueue.sent.splice(0)));
    assert.deepEqual([applied.failed, applied.dropped], [[], 0]);
    await flushAggregation(aggregateFlushDeps(d, blobs), flushAt);
  };
  return { ingest, queue, aggQueue, blobs, clock, metrics, http, delivery, deliver, aggregate, logger };
}

// jobs_v{host=a,b} match a's rule once relabeled; other_v matches nothing.
const body = ['jobs,host=a v=1 1700000000000000000', 'jobs,host=b v=2 1700000000000000000', 'other,host=a v=3 1700000000000000000'].join('\n');
const post = (w: ReturnType<typeof world>, text = body) => w.ingest({ method: 'POST', path: '/write', query: new URLSearchParams(), headers: {}, body: Buffer.from(text) });

const names = async (sent: OutgoingMessage[], blobs: MemoryConditionalStore) => (await Promise.all(sent.map((m) => unpackMessage(m.body, m.attributes, blobs)))).flatMap((w) => w.timeseries.map((s) => s.labels.find((l) => l.name === '__name__')!.value + (s.labels.find((l) => l.name === 'host')?.value ?? ''))).sort();

describe('remote_write[i].stream_aggregation: config', () => {
  const problems = (section: unknown, name = 'a'): string[] => {
    try {
      parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ url: B, name: 'b' }, { url: A, name, stream_aggregation: section }] });
    } catch (err) {
      return (err as { problems: string[] }).problems;
    }
    assert.fail('expected a ConfigError');
  };

  it('the global forms: a rule list, or a mapping with rules and the options; section rw.<name>', () => {
    const list = configWith([ruleA]);
    assert.deepEqual({ ...list.remoteWrite[0]!.streamAggregation, rules: 1 }, { rules: 1, path: 'remote_write[0].stream_aggregation', keepInput: false, dropInput: false, shards: 10 });
    assert.equal(list.remoteWrite[1]!.streamAggregation, undefined);
    const mapping = configWith({ rules: [ruleA], keep_input: true, drop_input: true, shards: 3 }).remoteWrite[0]!.streamAggregation!;
    assert.deepEqual([mapping.path, mapping.keepInput, mapping.dropInput, mapping.shards], ['remote_write[0].stream_aggregation.rules', true, true, 3]);
    assert.deepEqual([...aggregationSections(list).keys()], ['rw.a']);
    assert.equal(aggregationConfigured(list), true, 'a destination section alone is aggregation (ingest hook, runner loops, CDK construct)');
    assert.equal(aggregationConfigured(configWith([])), false, 'an empty list is no section');
  });

  it('with the global section both are sections, chained global first', () => {
    const c = configWith([ruleA], { stream_aggregation: [{ match: 'other_v', interval: '10s', outputs: ['count_samples'] }] });
    assert.deepEqual([...aggregationSections(c).keys()], ['global', 'rw.a']);
  });

  it('problems name the destination path', () => {
    assert.match(problems([{ interval: '1m', outputs: ['totl'] }]).join('\n'), /^remote_write\[1\]\.stream_aggregation\[0\]\.outputs\[0\]: unknown output "totl"/);
    assert.deepEqual(problems({ rules: [{ interval: '1m', outputs: ['total'], bogus: 1 }] }).length, 1);
    assert.match(problems({ rules: [{ interval: '1m', outputs: ['total'], bogus: 1 }] })[0]!, /^remote_write\[1\]\.stream_aggregation\.rules\[0\]/);
    assert.deepEqual(problems({ keep: true }), ['remote_write[1].stream_aggregation.keep: unknown field (allowed: rules, config_file, keep_input, drop_input, shards)']);
    assert.deepEqual(problems({ config_file: 'x.yaml', rules: [ruleA] }), ['remote_write[1].stream_aggregation.config_file: give rules or config_file, not both']);
    assert.deepEqual(problems({ config_file: 'x.yaml' }), ['remote_write[1].stream_aggregation.config_file: cannot be read here (the config was not loaded from a file)']);
    assert.deepEqual(problems(7), ['remote_write[1].stream_aggregation: must be a list of rules or a mapping (rules or config_file, keep_input, drop_input, shards), got number 7']);
  });

  it('config_file (a vmagent -remoteWrite.streamAggr.config file as is) relative to gateway.yaml; its problems name the file', () => {
    const files: Record<string, string> = { 'a.yaml': '- match: a_jobs_v\n  interval: 10s\n  outputs: [sum_samples]\n', 'bad.yaml': '- interval: 1m\n  outputs: [nope]\n' };
    const load = (file: string) => loadGatewayConfig(`auth: {mode: none}\nremote_write:\n  - url: ${A}\n    stream_aggregation:\n      config_file: ${file}\n      keep_input: true\n`, 'gateway.yaml', (f) => {
      if (!(f in files)) throw new Error(`ENOENT: no such file ${f}`);
      return files[f]!;
    });
    const s = load('a.yaml').remoteWrite[0]!.streamAggregation!;
    assert.deepEqual([s.path, s.keepInput, s.rules], ['remote_write[0].stream_aggregation.config_file a.yaml', true, [{ match: 'a_jobs_v', interval: '10s', outputs: ['sum_samples'] }]]);
    assert.throws(() => load('bad.yaml'), (err: { problems: string[] }) => /^remote_write\[0\]\.stream_aggregation\.config_file bad\.yaml\[0\]\.outputs\[0\]: unknown output "nope"/.test(err.problems[0]!));
    assert.throws(() => load('gone.yaml'), (err: { problems: string[] }) => err.problems[0] === 'remote_write[0].stream_aggregation.config_file: cannot read "gone.yaml": ENOENT: no such file gone.yaml');
  });

  it('survives a prepared config (JSON): the same section and rules', async () => {
    const c = configWith({ rules: [ruleA], shards: 2 });
    const back = await restorePreparedConfig(JSON.parse(prepareConfig(c)));
    assert.deepEqual(back.remoteWrite[0]!.streamAggregation, c.remoteWrite[0]!.streamAggregation);
    assert.deepEqual([...aggregationSections(back).keys()], ['rw.a']);
  });

  it('shards: 1 and 1000 are accepted, 0 and 1001 are not', () => {
    for (const n of [1, 1000]) assert.equal(configWith({ rules: [ruleA], shards: n }).remoteWrite[0]!.streamAggregation!.shards, n);
    for (const n of [0, 1001]) assert.deepEqual(problems({ rules: [ruleA], shards: n }), [`remote_write[1].stream_aggregation.shards: must be between 1 and 1000, got ${n}`]);
  });

  it('a section name is rw.<name> up to 64 characters; a longer name keeps its head and a hash, distinct names stay distinct', () => {
    assert.equal(destinationSection('vm'), 'rw.vm');
    const at = 'x'.repeat(61);
    assert.equal(destinationSection(at), `rw.${at}`, 'exactly 64: as is');
    const past = destinationSection('x'.repeat(62));
    assert.equal(past.length, 64);
    assert.match(past, /^rw\.x{52}-[0-9a-f]{8}$/);
    assert.notEqual(destinationSection('x'.repeat(62)), destinationSection('x'.repeat(63)));
  });
});

describe('remote_write[i].stream_aggregation: ingest routing', () => {
  it("routes what the destination's rules match after its write_relabel_configs to rw.<name>; forwards every series unchanged", async () => {
    const w = world(configWith({ rules: [ruleA], shards: 4 }));
    assert.equal((await post(w)).status, 204);
    assert.deepEqual(await names(w.queue.sent, w.blobs), ['jobs_va', 'jobs_vb', 'other_va'], 'the other destination needs them all');
    assert.deepEqual(await names(w.aggQueue.sent, w.blobs), ['a_jobs_va', 'a_jobs_vb'], 'relabeled by a before matching and aggregating');
    for (const m of w.aggQueue.sent) assert.match(m.groupId ?? '', /^agg\.rw\.a\.[0-3]$/);
    assert.match(w.metrics.render(), /aggregation_matched_series_total\{[^}]*section="rw\.a"[^}]*\} 2/);
  });

  it('a rule matching the name before write_relabel_configs matches nothing (vmagent relabels per URL first)', async () => {
    const w = world(configWith([{ ...ruleA, match: 'jobs_v' }]));
    await post(w);
    assert.deepEqual(w.aggQueue.sent, []);
  });

  it('after the global section: series it aggregated (keep_input false) never reach a destination section', async () => {
    const w = world(configWith([{ ...ruleA, match: '{__name__=~"a_.*"}' }], { stream_aggregation: [{ match: '{host="b"}', interval: '10s', outputs: ['count_samples'] }] }));
    await post(w);
    assert.deepEqual(await names(w.aggQueue.sent, w.blobs), ['a_jobs_va', 'jobs_vb'], 'jobs_v{host=b} went to global only; jobs_v{host=a} to rw.a');
    assert.deepEqual(w.aggQueue.sent.map((m) => m.groupId!.split('.').slice(0, -1).join('.')).sort(), ['agg.global', 'agg.rw.a']);
  });
});

describe('queue envelope: destination-only messages', () => {
  const series: TimeSeries[] = [{ labels: [{ name: '__name__', value: 'x' }], samples: Array.from({ length: 2000 }, (_, i) => ({ value: Math.random(), timestamp: i })) }];
  it('packSeries marks aggregation output and its destination, also on a claim-checked (spooled) message', () => {
    const small = packSeries(series.map((s) => ({ ...s, samples: s.samples.slice(0, 1) })), { maxMessageBytes: 65536, maxSamples: 1e6, tenant: 't', source: 'push', aggregated: 'rw.a', destination: 'a', newSpoolKey: () => 'spool/k' });
    const big = packSeries(series, { maxMessageBytes: 1024, maxSamples: 1e6, tenant: 't', source: 'push', aggregated: 'rw.a', destination: 'a', newSpoolKey: () => 'spool/k' });
    assert.equal(big.spills.length, 1, 'too large for one message: claim-checked');
    for (const m of [...small.messages, ...big.messages]) {
      assert.deepEqual([m.attributes.aggregated, messageDestination(m.attributes), isAggregationInput(m.attributes)], ['rw.a', 'a', false]);
    }
    assert.equal(big.messages[0]!.attributes.claim, '1');
  });
  it('isAggregationInput: pushed series only', () => {
    assert.equal(isAggregationInput({ source: 'push' }), true);
    assert.equal(isAggregationInput({ source: 'scrape' }), false);
    assert.equal(isAggregationInput({ source: 'push', aggregated: 'global' }), false);
    assert.equal(isAggregationInput({ source: 'push', destination: 'a' }), false);
  });
});

describe('remote_write[i].stream_aggregation: deliver', () => {
  it('holds matched series back from that destination only, counted; the other gets the raw input', async () => {
    const w = world(configWith([ruleA]));
    await post(w);
    await w.deliver();
    assert.deepEqual(w.http.names(A), ['other_va']);
    assert.deepEqual(w.http.names(B), ['jobs_va', 'jobs_vb', 'other_va']);
    assert.equal(w.metrics.get('delivery_aggregation_input_held_back_samples_total', { destination: 'a', reason: 'aggregated' }), 2);
    assert.equal(w.metrics.get('delivery_aggregation_input_held_back_samples_total', { destination: 'b', reason: 'aggregated' }), 0);
  });

  it('keep_input: matched series are sent too; drop_input: unmatched ones are not; both: only the matched', async () => {
    const cases: [Record<string, boolean>, string[], number, number][] = [
      [{ keep_input: true }, ['a_jobs_va', 'a_jobs_vb', 'other_va'], 0, 0],
      [{ drop_input: true }, [], 2, 1],
      [{ keep_input: true, drop_input: true }, ['a_jobs_va', 'a_jobs_vb'], 0, 1],
    ];
    for (const [opts, toA, aggregated, dropped] of cases) {
      const w = world(configWith({ rules: [ruleA], ...opts }));
      await post(w);
      await w.deliver();
      assert.deepEqual(w.http.names(A), toA, JSON.stringify(opts));
      assert.deepEqual(w.http.names(B), ['jobs_va', 'jobs_vb', 'other_va']);
      assert.equal(w.metrics.get('delivery_aggregation_input_held_back_samples_total', { destination: 'a', reason: 'aggregated' }), aggregated);
      assert.equal(w.metrics.get('delivery_aggregation_input_held_back_samples_total', { destination: 'a', reason: 'drop_input' }), dropped);
    }
  });

  it('scraped series and another section\'s output are not held back (the ingest hook never saw them)', async () => {
    const w = world(configWith([ruleA]));
    const series: TimeSeries[] = [{ labels: [{ name: '__name__', value: 'jobs_v' }, { name: 'host', value: 'a' }], samples: [{ value: 1, timestamp: 1 }] }];
    const pack = (extra: object) => packSeries(series, { maxMessageBytes: 65536, maxSamples: 100, tenant: 't', source: 'push', newSpoolKey: () => 'spool/x', ...extra }).messages;
    w.queue.sent.push(...pack({ source: 'scrape' }), ...pack({ aggregated: 'global' }));
    await w.deliver();
    assert.deepEqual(w.http.names(A), ['a_jobs_va', 'a_jobs_va']);
  });

  it("the section's output reaches only its destination, without its write_relabel_configs", async () => {
    const w = world(configWith([ruleA]));
    const t0 = w.clock.now();
    await post(w);
    await w.deliver();
    w.clock.t = t0 + 10_000;
    await w.aggregate(t0 + 10_000);
    const out = w.queue.sent.slice(-1)[0]!;
    assert.deepEqual([out.attributes.destination, out.attributes.aggregated], ['a', 'rw.a']);
    await w.deliver();
    assert.deepEqual(w.http.names(A), [`${OUT}a`, `${OUT}b`, 'other_va'], 'the drop rule for *_sum_samples in its write_relabel_configs did not apply');
    assert.deepEqual(w.http.names(B), ['jobs_va', 'jobs_vb', 'other_va']);
    const sums = (w.http.got.get(A) ?? []).filter((s) => s.labels[0]!.value === OUT).map((s) => s.samples[0]!.value).sort();
    assert.deepEqual(sums, [1, 2]);
  });

  it('an output message that overflows is parked under overflow/<its destination>/ and replayed there only', async () => {
    const w = world(configWith([ruleA]));
    const t0 = w.clock.now();
    await post(w);
    await w.deliver();
    w.http.down.add(A);
    w.clock.t = t0 + 10_000;
    await w.aggregate(t0 + 10_000);
    await w.deliver();
    const parked = [...w.blobs.objects.keys()].filter((k) => k.startsWith('overflow/'));
    assert.ok(parked.length >= 1);
    for (const k of parked) assert.match(k, /^overflow\/a\//);
    assert.deepEqual(w.http.names(B), ['jobs_va', 'jobs_vb', 'other_va'], 'b never got the output');
    w.http.down.clear();
    await replayOverflow(w.delivery, { concurrency: 1, maxObjectsPerSecond: 1000, maxBytesPerSecond: 1e9, deadline: w.clock.now() + 60_000 });
    assert.deepEqual(w.http.names(A), [`${OUT}a`, `${OUT}b`, 'other_va']);
    assert.deepEqual(w.http.names(B), ['jobs_va', 'jobs_vb', 'other_va']);
  });

  it('ordered mode: output messages keep their shard group and go to their destination only', async () => {
    const w = world(configWith([ruleA], { queue: { ordered: true, shards: 2 } }));
    const t0 = w.clock.now();
    await post(w);
    w.clock.t = t0 + 10_000;
    await w.aggregate(t0 + 10_000);
    const outputs = w.queue.sent.filter((m) => m.attributes.destination === 'a');
    assert.ok(outputs.length >= 1);
    for (const m of outputs) assert.match(m.groupId ?? '', /^shard-[01]$/);
    await w.deliver();
    assert.deepEqual(w.http.names(A), [`${OUT}a`, `${OUT}b`, 'other_va']);
    assert.deepEqual(w.http.names(B), ['jobs_va', 'jobs_vb', 'other_va']);
  });

  it('a message for a destination no longer configured is dropped, counted and logged, and sent nowhere', async () => {
    const w = world(configWith([ruleA]));
    const series: TimeSeries[] = [{ labels: [{ name: '__name__', value: 'x:10s_sum_samples' }], samples: [{ value: 1, timestamp: 1 }] }];
    w.queue.sent.push(...packSeries(series, { maxMessageBytes: 65536, maxSamples: 100, tenant: 't', source: 'push', aggregated: 'rw.gone', destination: 'gone', newSpoolKey: () => 'spool/x' }).messages);
    await w.deliver();
    assert.equal(w.http.got.size, 0);
    assert.equal(w.metrics.get('delivery_dropped_messages_total', { destination: 'gone', reason: 'destination_gone' }), 1);
    assert.ok(w.logger.lines.some((l) => l.msg.includes('not configured')));
  });
});
