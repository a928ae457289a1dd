import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { sendWithRetries, type SendDeps } from '../../../lib/delivery/send.ts';
import { STOPPED, unlessStopped } from '../../../lib/delivery/stopping.ts';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import type { Clock, HttpRequest, HttpResponse } from '../../../lib/ports/index.ts';
import { MemoryLogger } from '../../helpers/fakes.ts';

/** The local runner's close() past its grace period fires `stopping`: the one retry loop must give up at once. */
const cfg = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ name: 'rx', url: 'http://127.0.0.1:9/api/v1/write' }] }).remoteWrite[0]!;

/** Real waits (a retry's backoff must be cut short, not skipped by a fake clock). */
const clock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

function deps(request: (req: HttpRequest) => Promise<HttpResponse>, stopping?: AbortSignal): SendDeps & { attempts: () => number } {
  let n = 0;
  return {
    http: {
      request: (req) => {
        n++;
        return request(req);
      },
    },
    clock,
    logger: new MemoryLogger(),
    metrics: new CounterRegistry(),
    random: () => 0.5,
    ...(stopping ? { stopping } : {}),
    attempts: () => n,
  };
}

describe('sendWithRetries and the stop signal (lib/delivery/stopping.ts)', { timeout: 10_000 }, () => {
  it('an attempt in progress is dropped when the signal fires: gave up, no further attempt', async () => {
    const stop = new AbortController();
    const d = deps(() => new Promise<HttpResponse>(() => undefined), stop.signal);
    const verdict = sendWithRetries(new Uint8Array(1), cfg, Date.now() + 60_000, d);
    setTimeout(() => stop.abort(), 20);
    assert.deepEqual(await verdict, { kind: 'gave-up', reason: 'the gateway is stopping' });
    assert.equal(d.attempts(), 1);
  });

  it("a retry's backoff is cut short by the signal", async () => {
    const stop = new AbortController();
    // 503 is retried after a backoff (min_backoff 30 ms by default, doubling); the signal fires during one.
    const d = deps(async () => ({ status: 503, headers: {}, body: new Uint8Array() }), stop.signal);
    const verdict = sendWithRetries(new Uint8Array(1), cfg, Date.now() + 60_000, d);
    while (d.attempts() < 3) await new Promise((r) => setTimeout(r, 5));
    stop.abort();
    const attemptsAtStop = d.attempts();
    assert.deepEqual(await verdict, { kind: 'gave-up', reason: 'the gateway is stopping' });
    assert.ok(d.attempts() <= attemptsAtStop + 1, 'no attempt starts after the signal');
  });

  it('an already fired signal: no attempt at all', async () => {
    const stop = new AbortController();
    stop.abort();
    const d = deps(async () => ({ status: 204, headers: {}, body: new Uint8Array() }), stop.signal);
    assert.deepEqual(await sendWithRetries(new Uint8Array(1), cfg, Date.now() + 60_000, d), { kind: 'gave-up', reason: 'the gateway is stopping' });
    assert.equal(d.attempts(), 0);
  });

  it('without a signal (Lambda), the loop is unchanged: an answer after retries is sent', async () => {
    let n = 0;
    const d = deps(async () => ({ status: ++n < 3 ? 503 : 204, headers: {}, body: new Uint8Array() }));
    assert.deepEqual(await sendWithRetries(new Uint8Array(1), cfg, Date.now() + 60_000, d), { kind: 'sent' });
    assert.equal(d.attempts(), 3);
  });

  it('unlessStopped: the value when it comes first, a rejection passed on, STOPPED otherwise', async () => {
    const stop = new AbortController();
    assert.equal(await unlessStopped(Promise.resolve(7), stop.signal), 7);
    await assert.rejects(unlessStopped(Promise.reject(new Error('boom')), stop.signal), /boom/);
    const late = unlessStopped(new Promise<number>(() => undefined), stop.signal);
    stop.abort();
    assert.equal(await late, STOPPED);
    // A promise that rejects after the signal is not left unhandled.
    let fail!: (e: Error) => void;
    const p = unlessStopped(new Promise<number>((_, rej) => (fail = rej)), stop.signal);
    assert.equal(await p, STOPPED);
    fail(new Error('after the stop'));
    await new Promise((r) => setImmediate(r));
  });
});
