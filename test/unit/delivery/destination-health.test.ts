import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CONSECUTIVE_FAILURES_METRIC, DestinationHealth, DestinationHealthRegistry, HEALTH_LOG, type AttemptContext } from '../../../lib/delivery/destination-health.ts';
import { deliverBatch, type DeliveryDeps, type QueueRecord } from '../../../lib/delivery/deliver.ts';
import { DELIVER_LOG_EVENTS } from '../../../lib/delivery/log-events.ts';
import { replayOverflow } from '../../../lib/delivery/replay.ts';
import { blobKey } from '../../../lib/queue/bucket-keys.ts';
import { createDeliverHandler, deliveryDeps } from '../../../lib/compose/deliver.ts';
import { replayDeps } from '../../../lib/compose/replay.ts';
import { toSqsEvent } from '../../../lib/adapters/lambda/events.ts';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { packSeries } from '../../../lib/queue/envelope.ts';
import { encodeTimeSeries } from '../../../lib/remote-write/encode.ts';
import { snappyCompress } from '../../../lib/remote-write/snappy.ts';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../lib/ports/index.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger, MemoryQueue } from '../../helpers/fakes.ts';

const CTX: AttemptContext = { via: 'deliver', data: 'retried within the time budget, then parked under overflow/' };
const fail = { kind: 'failed', reason: 'HTTP 503' } as const;

function health() {
  const clock = new FakeClock();
  const logger = new MemoryLogger();
  const metrics = new CounterRegistry();
  const h = new DestinationHealth('vm', { clock, logger, metrics });
  const gauge = (): number => metrics.get(CONSECUTIVE_FAILURES_METRIC, { destination: 'vm' });
  const lines = (msg: string) => logger.lines.filter((l) => l.msg === msg);
  return { clock, logger, metrics, h, gauge, lines };
}

describe('destination health (the state machine)', () => {
  it('warns once at the first failure with the error and what happens to the data; counts consecutive failures', () => {
    const { h, gauge, lines, logger } = health();
    h.record(fail, CTX);
    assert.equal(h.state, 'failing');
    assert.deepEqual(lines(HEALTH_LOG.failing).map((l) => [l.level, l.fields]), [['warn', { destination: 'vm', error: 'HTTP 503', data: CTX.data, via: 'deliver' }]]);
    h.record(fail, CTX);
    h.record({ kind: 'failed', reason: 'connect ECONNREFUSED 127.0.0.1:1' }, CTX);
    assert.equal(logger.lines.length, 1, 'no line per retry');
    assert.equal(gauge(), 3);
    assert.equal(h.consecutiveFailures, 3);
  });

  it('a refusal for good (4xx) neither starts nor ends an outage', () => {
    const { h, gauge, logger } = health();
    h.record({ kind: 'refused', status: 400 }, CTX);
    assert.equal(h.state, 'healthy');
    h.record(fail, CTX);
    h.record({ kind: 'refused', status: 400 }, CTX);
    assert.equal(h.state, 'failing');
    assert.equal(gauge(), 1);
    assert.equal(logger.lines.length, 1);
  });

  it('known down after 10 failed attempts spanning 30 s, not after 10 fast ones nor after 30 s of 2 failures', () => {
    const fast = health();
    for (let i = 0; i < 50; i++) fast.h.record(fail, CTX);
    assert.equal(fast.h.state, 'failing', '50 failures within the same instant are a blip');
    const slow = health();
    slow.h.record(fail, CTX);
    slow.clock.t += 60_000;
    slow.h.record(fail, CTX);
    assert.equal(slow.h.state, 'failing', 'two failures a minute apart');
    const { h, clock, lines } = health();
    for (let i = 0; i < 9; i++) {
      h.record(fail, CTX);
      clock.t += 5_000;
    }
    assert.equal(h.state, 'failing', '9 failures over 45 s');
    h.record(fail, CTX);
    assert.equal(h.state, 'down');
    const down = lines(HEALTH_LOG.down);
    assert.equal(down.length, 1);
    assert.equal(down[0]!.level, 'warn');
    assert.equal(down[0]!.fields!.outageMs, 45_000);
    assert.match(String(down[0]!.fields!.why), /10 failed attempts in 45 s/);
  });

  it('known down when a whole retry budget was spent; a budget ending without failures changes nothing', () => {
    const { h } = health();
    h.budgetSpent();
    assert.equal(h.state, 'healthy');
    h.record(fail, CTX);
    h.budgetSpent();
    assert.equal(h.state, 'down');
  });

  it('reminds at most once a minute while the outage lasts, with the attempts and parked samples since the last line', () => {
    const { h, clock, lines } = health();
    h.record(fail, CTX); // warn: failing (t=0)
    h.budgetSpent(); // warn: known down (t=0)
    for (let s = 1; s <= 150; s++) {
      clock.t += 1_000;
      h.record(fail, CTX);
      h.parked(10, 1);
    }
    const reminders = lines(HEALTH_LOG.stillDown);
    assert.equal(reminders.length, 2, 'at 60 s and 120 s of 150 s');
    assert.deepEqual(
      reminders.map((r) => [r.fields!.outageMs, r.fields!.failedAttempts, r.fields!.overflowSamples, r.fields!.overflowMessages, r.fields!.state]),
      [
        [60_000, 60, 590, 59, 'down'],
        [120_000, 60, 600, 60, 'down'],
      ],
    );
  });

  it('logs the recovery at info with the outage length and how much went to overflow; the gauge goes back to 0', () => {
    const { h, clock, gauge, lines } = health();
    h.record(fail, CTX);
    h.budgetSpent();
    clock.t += 90_000;
    h.record(fail, CTX);
    h.parked(25, 3);
    h.held(2);
    h.record({ kind: 'ok' }, { via: 'replay', data: '' });
    assert.equal(h.state, 'healthy');
    assert.equal(gauge(), 0);
    const rec = lines(HEALTH_LOG.recovered);
    assert.equal(rec.length, 1);
    assert.equal(rec[0]!.level, 'info');
    assert.deepEqual(rec[0]!.fields, { destination: 'vm', via: 'replay', outageMs: 90_000, failedAttempts: 2, overflowSamples: 25, overflowMessages: 3, heldMessages: 2, wasKnownDown: true });
    h.record({ kind: 'ok' }, CTX);
    assert.equal(lines(HEALTH_LOG.recovered).length, 1, 'a 2xx while healthy logs nothing');
    h.record(fail, CTX);
    assert.equal(lines(HEALTH_LOG.failing).length, 2, 'the next outage is announced again');
    assert.equal(gauge(), 1);
  });

  it('while known down, one probe at a time, due max(max_backoff, its duration) after the last one ended', () => {
    const { h, clock } = health();
    assert.equal(h.probe(1_000, 30_000), undefined, 'healthy: no probing, normal sends');
    h.record(fail, CTX);
    h.budgetSpent();
    assert.deepEqual(h.probe(1_000, 30_000), { timeoutMs: 5_000 });
    assert.equal(h.probe(1_000, 30_000), undefined, 'one out already');
    clock.t += 100;
    h.probed(clock.t - 100, false);
    clock.t += 999;
    assert.equal(h.probe(1_000, 30_000), undefined);
    clock.t += 1;
    assert.ok(h.probe(1_000, 30_000));
    // A probe that took 4 s: the next waits 4 s, not max_backoff.
    clock.t += 4_000;
    h.probed(clock.t - 4_000, false);
    clock.t += 3_999;
    assert.equal(h.probe(1_000, 30_000), undefined);
    clock.t += 1;
    assert.ok(h.probe(1_000, 30_000));
  });

  it('a probe that times out doubles the next one\'s timeout, up to remote_timeout; recovery resets it', () => {
    const { h, clock } = health();
    h.record(fail, CTX);
    h.budgetSpent();
    const timeouts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const p = h.probe(1_000, 30_000)!;
      timeouts.push(p.timeoutMs);
      const started = clock.t;
      clock.t += p.timeoutMs;
      h.record({ kind: 'failed', reason: 'timeout' }, CTX);
      h.probed(started, true);
      clock.t += p.timeoutMs;
    }
    assert.deepEqual(timeouts, [5_000, 10_000, 20_000, 30_000]);
    h.record({ kind: 'ok' }, CTX);
    h.record(fail, CTX);
    h.budgetSpent();
    assert.deepEqual(h.probe(1_000, 30_000), { timeoutMs: 5_000 });
    assert.deepEqual(h.probe(1_000, 2_000), undefined);
  });
});

/** A receiver that is down (503) or up (204), switchable; records every request. */
class Receiver implements HttpClient {
  up = false;
  readonly requests: { at: number; timeoutMs: number }[] = [];
  private readonly clock: FakeClock;
  constructor(clock: FakeClock) {
    this.clock = clock;
  }
  /** Up but this slow: takes min(delayMs, the request's timeout) of clock time, and times out past it. */
  delayMs = 0;
  async request(req: HttpRequest): Promise<HttpResponse> {
    this.requests.push({ at: this.clock.now(), timeoutMs: req.timeoutMs });
    if (this.delayMs) {
      this.clock.t += Math.min(this.delayMs, req.timeoutMs);
      if (this.delayMs > req.timeoutMs) throw new Error(`request timed out after ${req.timeoutMs} ms`);
    }
    const status = this.up ? 204 : 503;
    return { status, headers: {}, body: Buffer.from(`status ${status}`) };
  }
}

let seq = 0;
function batch(n: number): QueueRecord[] {
  return Array.from({ length: n }, () => {
    const id = seq++;
    const m = packSeries([{ labels: [{ name: '__name__', value: `s${id}` }], samples: [{ value: id, timestamp: 1000 }] }], { maxMessageBytes: 65536, maxSamples: 100, tenant: 't', source: 'push', newSpoolKey: () => 'spool/x' }).messages[0]!;
    return { messageId: `m${id}`, body: m.body, attributes: m.attributes, groupId: `g${id % 2}` };
  });
}

function delivery(opts: { ordered?: boolean; health?: boolean } = {}) {
  const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ url: 'http://a/api/v1/write', name: 'vm', queue_config: { min_backoff: '100ms', max_backoff: '1s' } }] });
  const clock = new FakeClock();
  const logger = new MemoryLogger();
  const metrics = new CounterRegistry();
  const blobs = new MemoryBlobStore();
  const rx = new Receiver(clock);
  const d: DeliveryDeps = {
    destinations: config.remoteWrite.map((c) => ({ config: c })),
    http: rx,
    blobs,
    clock,
    logger,
    metrics,
    random: () => 0.5,
    ...(opts.ordered ? { ordered: true } : {}),
    ...(opts.health === false ? {} : { health: new DestinationHealthRegistry({ clock, logger, metrics }) }),
  };
  const run = async (records: QueueRecord[], budgetMs = 10_000) => {
    const before = { requests: rx.requests.length, retries: metrics.get('delivery_retries_total'), t: clock.now() };
    const res = await deliverBatch(records, clock.now() + budgetMs, d);
    return { ...res, requests: rx.requests.length - before.requests, retries: metrics.get('delivery_retries_total') - before.retries, tookMs: clock.now() - before.t };
  };
  return { d, clock, logger, metrics, blobs, rx, run };
}

describe('deliver with destination health (issue 12 item 7)', () => {
  it('once known down, a batch makes one short probe and parks all of its messages at once; batches between probes make none', async () => {
    const { run, rx, blobs, metrics, clock, logger } = delivery();
    const first = await run(batch(10));
    assert.ok(first.requests > 5, 'the first batch retries within its budget');
    assert.ok(first.tookMs > 9_000, 'and waits it out: nothing known yet');
    assert.equal(blobs.keys('overflow/vm/').length, 10);

    const second = await run(batch(10));
    assert.deepEqual([second.requests, second.retries, second.tookMs], [1, 0, 0], 'one probe, no retry, no waiting');
    assert.equal(rx.requests.at(-1)!.timeoutMs, 5_000, 'the probe times out after min(remote_timeout 30 s, 5 s)');
    assert.deepEqual(second.failedMessageIds, []);
    assert.equal(blobs.keys('overflow/vm/').length, 20);

    const third = await run(batch(10));
    assert.equal(third.requests, 0, 'within max_backoff of the last probe: parked without a request');
    assert.equal(blobs.keys('overflow/vm/').length, 30);
    assert.equal(metrics.get('delivery_overflow_samples_total', { destination: 'vm' }), 30);

    clock.t += 1_000; // max_backoff
    rx.up = true;
    const fourth = await run(batch(10));
    assert.equal(fourth.requests, 10, 'the probe succeeds: back to normal for the rest of the batch');
    assert.equal(blobs.keys('overflow/vm/').length, 30);
    assert.equal(metrics.get(CONSECUTIVE_FAILURES_METRIC, { destination: 'vm' }), 0);
    const recovered = logger.lines.filter((l) => l.msg === HEALTH_LOG.recovered);
    assert.equal(recovered.length, 1);
    assert.equal(recovered[0]!.fields!.overflowSamples, 30);
    assert.equal(recovered[0]!.fields!.via, 'deliver');
    // Per-batch lines feed the metric filters (info); the warnings are the health's own.
    assert.deepEqual(logger.lines.filter((l) => l.level === 'warn').map((l) => l.msg), [HEALTH_LOG.failing, HEALTH_LOG.down]);
    assert.equal(logger.lines.filter((l) => l.msg === DELIVER_LOG_EVENTS.parked).length, 3);
  });

  it('a receiver back but slower than the probe\'s short timeout is found again: the next probe waits twice as long', async () => {
    const { run, rx, clock, logger, blobs } = delivery();
    await run(batch(2));
    rx.up = true;
    rx.delayMs = 6_000;
    const first = await run(batch(2), 30_000);
    assert.deepEqual(rx.requests.slice(-1).map((r) => r.timeoutMs), [5_000]);
    assert.equal(first.requests, 1);
    assert.equal(blobs.keys('overflow/vm/').length, 4);
    const between = await run(batch(2), 30_000);
    assert.equal(between.requests, 0, 'the next probe is due 5 s (its duration) after the last ended');
    clock.t += 5_000;
    const second = await run(batch(2), 30_000);
    assert.deepEqual(rx.requests.slice(-2).map((r) => r.timeoutMs), [10_000, 24_000], 'the probe gets 10 s and succeeds; then a normal send (remote_timeout cut to the budget left)');
    assert.equal(second.requests, 2);
    assert.equal(logger.lines.filter((l) => l.msg === HEALTH_LOG.recovered).length, 1);
  });

  it('without the health registry every batch waits out its budget (the behaviour this replaces)', async () => {
    const { run } = delivery({ health: false });
    await run(batch(10));
    const second = await run(batch(10));
    assert.ok(second.tookMs > 9_000);
    assert.ok(second.requests > 5);
  });

  it('a blip shorter than the budget is retried through: no overflow, not known down', async () => {
    const { run, rx, blobs, logger, metrics } = delivery();
    const flaky = rx.request.bind(rx);
    rx.request = async (req) => {
      if (rx.requests.length === 3) rx.up = true;
      return flaky(req);
    };
    const r = await run(batch(5));
    assert.deepEqual(r.failedMessageIds, []);
    assert.deepEqual(blobs.keys('overflow/'), []);
    assert.equal(metrics.get('delivery_sent_samples_total', { destination: 'vm' }), 5);
    assert.deepEqual(logger.lines.filter((l) => l.level !== 'debug').map((l) => l.msg), [HEALTH_LOG.failing, HEALTH_LOG.recovered]);
    assert.ok(r.tookMs < 1_000, `${r.tookMs} ms`);
  });

  it('a long budget (a 5 minute Lambda) stops after a 30 s streak of at least 10 failures, not after the whole budget', async () => {
    const { run, blobs } = delivery();
    const r = await run(batch(3), 285_000);
    assert.ok(r.tookMs >= 30_000 && r.tookMs < 40_000, `gave up after ${r.tookMs} ms`);
    assert.equal(blobs.keys('overflow/vm/').length, 3);
  });

  it('ordered mode holds, never overflows, and keeps waiting out its budget while known down (a quick hold would only come back sooner)', async () => {
    const { run, blobs, logger, metrics } = delivery({ ordered: true });
    const first = await run(batch(4));
    assert.equal(first.failedMessageIds.length, 4);
    const second = await run(batch(4));
    assert.equal(second.failedMessageIds.length, 4);
    assert.ok(second.tookMs > 9_000);
    assert.deepEqual(blobs.keys('overflow/'), []);
    assert.equal(metrics.get('delivery_held_messages_total', { destination: 'vm' }), 8);
    const failing = logger.lines.find((l) => l.msg === HEALTH_LOG.failing)!;
    assert.match(String(failing.fields!.data), /held in the queue/);
  });

  it('health lives in deliveryDeps, so a warm handler remembers it between invocations', async () => {
    const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ url: 'http://a/api/v1/write', name: 'vm', queue_config: { min_backoff: '100ms', max_backoff: '1s' } }] });
    const clock = new FakeClock();
    const rx = new Receiver(clock);
    const d = deliveryDeps({ config, queue: new MemoryQueue(), blobs: new MemoryBlobStore(), clock, logger: new MemoryLogger(), metrics: new CounterRegistry() }, rx as never, {} as never);
    d.random = () => 0.5;
    const handler = createDeliverHandler(d);
    const invoke = async (n: number): Promise<number> => {
      const before = rx.requests.length;
      const msgs = batch(n).map((r, i) => ({ ...r, receiptHandle: `h${i}`, receiveCount: 1, groupId: undefined as never }));
      await handler(toSqsEvent(msgs, 'arn:aws:sqs:local:0:q', clock.now()), { getRemainingTimeInMillis: () => 12_000 });
      return rx.requests.length - before;
    };
    assert.ok((await invoke(3)) > 5);
    assert.equal(await invoke(3), 1, 'the second invocation probes once');
  });
});

describe('replay with destination health', () => {
  it('functions/replay builds a registry of its own with its dependencies (one per container)', () => {
    const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ url: 'http://a/api/v1/write', name: 'vm' }] });
    const aws = { config, queue: new MemoryQueue(), blobs: new MemoryBlobStore(), clock: new FakeClock(), logger: new MemoryLogger(), metrics: new CounterRegistry() };
    assert.ok(replayDeps(aws, new Receiver(aws.clock) as never).health instanceof DestinationHealthRegistry);
  });

  it('a replay run that finds the receiver still down says the data stays in overflow/; the run that gets through logs the recovery', async () => {
    const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ url: 'http://a/api/v1/write', name: 'vm', queue_config: { min_backoff: '100ms', max_backoff: '1s' } }] });
    const clock = new FakeClock();
    const logger = new MemoryLogger();
    const metrics = new CounterRegistry();
    const blobs = new MemoryBlobStore();
    const rx = new Receiver(clock);
    for (let i = 0; i < 3; i++) {
      await blobs.put(blobKey('overflow', 'vm', clock.now() + i, `m${i}`), snappyCompress(encodeTimeSeries([{ labels: [{ name: '__name__', value: `x${i}` }], samples: [{ value: 1, timestamp: 1 }] }])), { samples: '1' });
    }
    const deps = { destinations: config.remoteWrite.map((c) => ({ config: c })), http: rx, blobs, clock, logger, metrics, random: () => 0.5, health: new DestinationHealthRegistry({ clock, logger, metrics }) };
    const opts = { concurrency: 1, maxObjectsPerSecond: 100, maxBytesPerSecond: 1e9 };
    await replayOverflow(deps, { ...opts, deadline: clock.now() + 10_000 });
    const failing = logger.lines.filter((l) => l.msg === HEALTH_LOG.failing);
    assert.deepEqual(failing.map((l) => [l.fields!.via, l.fields!.data]), [['replay', 'kept in overflow/ for a later replay run']]);
    assert.equal(metrics.get(CONSECUTIVE_FAILURES_METRIC, { destination: 'vm' }), 1);
    rx.up = true;
    clock.t += 60_000;
    const [r] = await replayOverflow(deps, { ...opts, deadline: clock.now() + 10_000 });
    assert.equal(r!.replayed, 3);
    const rec = logger.lines.filter((l) => l.msg === HEALTH_LOG.recovered);
    assert.deepEqual(rec.map((l) => [l.fields!.via, l.fields!.outageMs]), [['replay', 60_000]]);
    assert.equal(metrics.get(CONSECUTIVE_FAILURES_METRIC, { destination: 'vm' }), 0);
  });
});
