import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { replayOverflow, type ReplayDeps, type ReplayOptions } from '../../../lib/delivery/replay.ts';
import { parkedAt } from '../../../lib/queue/bucket-keys.ts';
import { blobKey } from '../../../lib/queue/bucket-keys.ts';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import { encodeTimeSeries } from '../../../lib/remote-write/encode.ts';
import { decodeWriteRequest } from '../../../lib/remote-write/decode.ts';
import { snappyCompress, snappyUncompress } from '../../../lib/remote-write/snappy.ts';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../lib/ports/index.ts';
import type { TimeSeries } from '../../../lib/model/types.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger } from '../../helpers/fakes.ts';

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;

/** Answers each request by script; records the clock time and body of every request. */
class FakeReceiver implements HttpClient {
  readonly calls: { at: number; url: string; body: Uint8Array }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly clock: FakeClock;
  private readonly answer: (req: HttpRequest, n: number) => number | Error;
  constructor(clock: FakeClock, answer: (req: HttpRequest, n: number) => number | Error = () => 204) {
    this.clock = clock;
    this.answer = answer;
  }
  async request(req: HttpRequest): Promise<HttpResponse> {
    this.calls.push({ at: this.clock.now(), url: req.url, body: req.body! });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setImmediate(r));
    this.inFlight--;
    const a = this.answer(req, this.calls.length);
    if (a instanceof Error) throw a;
    return { status: a, headers: {}, body: Buffer.from(`answer ${a}`) };
  }
}

function series(name: string, n: number, t = T0): TimeSeries[] {
  return [{ labels: [{ name: '__name__', value: name }], samples: Array.from({ length: n }, (_, i) => ({ value: i, timestamp: t + i })) }];
}

function setup(opts: { destinations?: string[]; rw?: Record<string, unknown>; answer?: (req: HttpRequest, n: number) => number | Error } = {}) {
  const names = opts.destinations ?? ['vm'];
  const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: names.map((name) => ({ name, url: `http://${name}/api/v1/write`, queue_config: { min_backoff: '100ms', max_backoff: '1s', max_samples_per_send: 100 }, ...opts.rw })) });
  const clock = new FakeClock(T0);
  const blobs = new MemoryBlobStore();
  const metrics = new CounterRegistry();
  const logger = new MemoryLogger();
  const http = new FakeReceiver(clock, opts.answer);
  const deps: ReplayDeps = { destinations: config.remoteWrite.map((c) => ({ config: c })), http, blobs, clock, logger, metrics, random: () => 0.5 };
  const park = async (dest: string, at: number, id: string, s: TimeSeries[] | Uint8Array, samples?: number): Promise<string> => {
    const key = blobKey('overflow', dest, at, id);
    const body = s instanceof Uint8Array ? s : snappyCompress(encodeTimeSeries(s));
    await blobs.put(key, body, { samples: String(samples ?? (s instanceof Uint8Array ? 1 : s.reduce((n, x) => n + x.samples.length, 0))) });
    return key;
  };
  return { deps, clock, blobs, metrics, logger, http, park };
}

const opts = (o: Partial<ReplayOptions> = {}): ReplayOptions => ({ concurrency: 1, maxObjectsPerSecond: 1000, maxBytesPerSecond: 1e9, deadline: T0 + 60_000, ...o });
const names = (bodies: Uint8Array[]): string[] => bodies.map((b) => decodeWriteRequest(snappyUncompress(b, 1e8, 't')).timeseries.map((s) => s.labels[0]!.value).join());

describe('replayOverflow', () => {
  it('sends oldest first, deletes each object after its 2xx and counts the samples', async () => {
    const s = setup();
    // Parked out of order: the key's time, not insertion order, decides.
    await s.park('vm', T0 - 1000, 'c', series('third', 3));
    await s.park('vm', T0 - 3000, 'a', series('first', 1));
    await s.park('vm', T0 - 2000, 'b', series('second', 2));
    const [r] = await replayOverflow(s.deps, opts());
    assert.deepEqual(names(s.http.calls.map((c) => c.body)), ['first', 'second', 'third']);
    assert.deepEqual(s.blobs.keys('overflow/'), []);
    assert.deepEqual(r, { destination: 'vm', replayed: 3, rejected: 0, left: 0 });
    assert.equal(s.metrics.get('replay_sent_samples_total', { destination: 'vm' }), 6);
  });

  it('stops when the host is stopping (deps.stopping): no object after the signal, the rest stays in overflow/', async () => {
    const stop = new AbortController();
    // The signal fires once the first object is replayed (its delete): it is the last one tried.
    const s = setup();
    const del = s.blobs.delete.bind(s.blobs);
    s.blobs.delete = async (key) => {
      await del(key);
      stop.abort();
    };
    s.deps.stopping = stop.signal;
    for (const id of ['a', 'b', 'c']) await s.park('vm', T0 - 3000, id, series(id, 1));
    const [r] = await replayOverflow(s.deps, opts());
    assert.equal(s.http.calls.length, 1, 'no object started after the signal');
    assert.equal(r!.stopped, 'the gateway is stopping');
    assert.equal(r!.left, 2);
    assert.equal(s.blobs.keys('overflow/').length, 2);
  });

  it('keys sort by the time they were parked, and parkedAt reads it back', () => {
    const a = blobKey('overflow', 'vm', T0 + 999, 'z');
    const b = blobKey('overflow', 'vm', T0 + 1000, 'a');
    assert.ok(a < b);
    assert.equal(parkedAt(a), T0 + 999);
    assert.equal(parkedAt('overflow/vm/not-a-time.snappy'), undefined);
  });

  it('does nothing (no request) when overflow is empty', async () => {
    const s = setup();
    assert.deepEqual(await replayOverflow(s.deps, opts()), [{ destination: 'vm', replayed: 0, rejected: 0, left: 0 }]);
    assert.equal(s.http.calls.length, 0);
  });

  it('paces to max_objects_per_second', async () => {
    const s = setup();
    for (let i = 0; i < 5; i++) await s.park('vm', T0 - 10_000 + i, `m${i}`, series(`s${i}`, 1));
    await replayOverflow(s.deps, opts({ maxObjectsPerSecond: 2 }));
    assert.deepEqual(s.http.calls.map((c) => c.at - T0), [0, 500, 1000, 1500, 2000]);
  });

  it('paces to max_bytes_per_second', async () => {
    const s = setup();
    for (let i = 0; i < 4; i++) await s.park('vm', T0 - 10_000 + i, `m${i}`, new Uint8Array(2048));
    await replayOverflow(s.deps, opts({ maxBytesPerSecond: 4096 }));
    // Object i starts once the i*2048 bytes before it fit in the rate: 0, 0.5 s, 1 s, 1.5 s.
    assert.deepEqual(s.http.calls.map((c) => c.at - T0), [0, 500, 1000, 1500]);
  });

  it('keeps at most `concurrency` requests in flight (after the single probe)', async () => {
    const s = setup();
    for (let i = 0; i < 12; i++) await s.park('vm', T0 - 10_000 + i, `m${i}`, series(`s${i}`, 1));
    await replayOverflow(s.deps, opts({ concurrency: 3 }));
    assert.equal(s.http.calls.length, 12);
    assert.equal(s.http.maxInFlight, 3);
    assert.deepEqual(s.blobs.keys('overflow/'), []);
  });

  it('pacing holds with several workers: each object gets its own slot', async () => {
    const s = setup();
    // Concurrent sleepers: each wakes at its own target time (FakeClock would add the sleeps up).
    s.clock.sleep = async (ms: number) => {
      const target = s.clock.t + ms;
      await new Promise((r) => setImmediate(r));
      s.clock.t = Math.max(s.clock.t, target);
    };
    for (let i = 0; i < 6; i++) await s.park('vm', T0 - 10_000 + i, `m${i}`, series(`s${i}`, 1));
    await replayOverflow(s.deps, opts({ concurrency: 3, maxObjectsPerSecond: 2 }));
    assert.deepEqual(s.http.calls.map((c) => c.at - T0).sort((a, b) => a - b), [0, 500, 1000, 1500, 2000, 2500]);
  });

  it('an object gone since the listing is no probe: the next one is, and still only one request reaches a down receiver', async () => {
    const s = setup({ answer: () => 503 });
    const gone = await s.park('vm', T0 - 3000, 'gone', series('gone', 1));
    for (let i = 0; i < 5; i++) await s.park('vm', T0 - 2000 + i, `m${i}`, series(`s${i}`, 1));
    const get = s.blobs.get.bind(s.blobs);
    s.blobs.get = async (k: string) => (k === gone ? undefined : get(k));
    const [r] = await replayOverflow(s.deps, opts({ concurrency: 4 }));
    assert.equal(s.http.calls.length, 1);
    assert.equal(r!.left, 5);
  });

  it('a destination still down costs one probe per run, and nothing is deleted', async () => {
    const s = setup({ answer: () => new Error('connect ECONNREFUSED 127.0.0.1:8428') });
    for (let i = 0; i < 20; i++) await s.park('vm', T0 - 10_000 + i, `m${i}`, series(`s${i}`, 1));
    const [r] = await replayOverflow(s.deps, opts({ concurrency: 4 }));
    assert.equal(s.http.calls.length, 1, 'one probe');
    assert.equal(s.blobs.keys('overflow/vm/').length, 20);
    assert.equal(r!.left, 20);
    assert.match(r!.stopped!, /destination down: connect ECONNREFUSED/);
    assert.equal(s.metrics.get('replay_retries_total'), 0);
    assert.ok(s.logger.lines.some((l) => l.msg === 'replay probe failed: destination still down'));
    // A second run: again exactly one request.
    await replayOverflow(s.deps, opts({ concurrency: 4 }));
    assert.equal(s.http.calls.length, 2);
  });

  it('a 5xx after the probe is retried with backoff, then the destination stops and the object stays', async () => {
    const s = setup({ answer: (_r, n) => (n === 1 ? 204 : 503) });
    for (let i = 0; i < 3; i++) await s.park('vm', T0 - 10_000 + i, `m${i}`, series(`s${i}`, 1));
    const [r] = await replayOverflow(s.deps, opts({ deadline: T0 + 5_000 }));
    assert.equal(r!.replayed, 1);
    assert.match(r!.stopped!, /HTTP 503/);
    assert.equal(s.blobs.keys('overflow/vm/').length, 2);
    assert.ok(s.metrics.get('replay_retries_total', { destination: 'vm' }) >= 3);
    assert.ok(s.clock.now() <= T0 + 5_000);
  });

  for (const status of [400, 401, 404, 429]) {
    it(`${status} is never retried: the object moves to rejected/<name>/ with the status, and replay goes on`, async () => {
      const s = setup({ answer: (_r, n) => (n === 1 ? status : 204) });
      await s.park('vm', T0 - 2000, 'bad', series('bad', 2));
      await s.park('vm', T0 - 1000, 'good', series('good', 1));
      const [r] = await replayOverflow(s.deps, opts());
      assert.equal(s.http.calls.length, 2, 'no retry of the refused object');
      assert.deepEqual(s.blobs.keys('overflow/'), []);
      const rejected = s.blobs.keys('rejected/vm/');
      assert.equal(rejected.length, 1);
      const meta = s.blobs.objects.get(rejected[0]!)!.metadata;
      assert.equal(meta.status, String(status));
      assert.equal(meta.response, `answer ${status}`);
      assert.equal(s.metrics.get('replay_rejected_samples_total', { destination: 'vm', status: String(status) }), 2);
      assert.deepEqual({ ...r, stopped: r!.stopped }, { destination: 'vm', replayed: 1, rejected: 1, left: 0, stopped: undefined });
    });
  }

  it('drops objects older than max_age (at the limit kept, past it dropped) and counts their samples', async () => {
    const s = setup({ rw: { overflow: { max_age: '2d' } } });
    await s.park('vm', T0 - 2 * DAY - 1, 'old', series('old', 7));
    await s.park('vm', T0 - 2 * DAY, 'edge', series('edge', 1));
    await s.park('vm', T0 - 1000, 'new', series('new', 1));
    await replayOverflow(s.deps, opts());
    assert.deepEqual(names(s.http.calls.map((c) => c.body)), ['edge', 'new']);
    assert.equal(s.metrics.get('replay_dropped_samples_total', { destination: 'vm', reason: 'max_age' }), 7);
    assert.equal(s.metrics.get('replay_dropped_objects_total', { destination: 'vm', reason: 'max_age' }), 1);
    assert.ok(s.logger.lines.some((l) => l.msg === 'overflow past its cap: oldest data dropped' && l.fields?.reason === 'max_age'));
  });

  it('drops the oldest objects while the destination holds more than max_bytes (at the limit nothing is dropped)', async () => {
    for (const { cap, want } of [
      { cap: 3000, want: 0 },
      { cap: 2999, want: 1 },
      { cap: 1000, want: 2 },
    ]) {
      const s = setup({ rw: { overflow: { max_bytes: cap } }, answer: () => 503 });
      for (let i = 0; i < 3; i++) await s.park('vm', T0 - 10_000 + i, `m${i}`, new Uint8Array(1000), 10);
      await replayOverflow(s.deps, opts());
      const left = s.blobs.keys('overflow/vm/');
      assert.equal(left.length, 3 - want, `cap ${cap}`);
      if (want) assert.ok(left[0]!.includes(`m${want}`), 'the oldest went first');
      assert.equal(s.metrics.get('replay_dropped_samples_total', { destination: 'vm', reason: 'max_bytes' }), want * 10);
      assert.equal(s.metrics.get('replay_dropped_bytes_total', { destination: 'vm', reason: 'max_bytes' }), want * 1000);
    }
  });

  it('splits an object larger than max_samples_per_send; on failure the unsent chunks are written back under the same key', async () => {
    const s = setup({ answer: (_r, n) => (n === 1 ? 204 : 503) });
    const key = await s.park('vm', T0 - 1000, 'big', [...series('a', 100), ...series('b', 100), ...series('c', 50)]);
    const [r] = await replayOverflow(s.deps, opts({ deadline: T0 + 3000 }));
    assert.match(r!.stopped!, /503/);
    assert.deepEqual(s.blobs.keys('overflow/'), [key]);
    const rest = s.blobs.objects.get(key)!;
    assert.equal(rest.metadata.samples, '150');
    assert.deepEqual(decodeWriteRequest(snappyUncompress(rest.body, 1e8, 't')).timeseries.map((x) => [x.labels[0]!.value, x.samples.length]), [['b', 100], ['c', 50]]);
    // Next run, receiver back: the rest goes, in order, and the key is deleted.
    s.http.calls.length = 0;
    const ok = setup();
    await replayOverflow({ ...s.deps, http: ok.http }, opts());
    assert.deepEqual(names(ok.http.calls.map((c) => c.body)), ['b', 'c']);
    assert.deepEqual(s.blobs.keys('overflow/'), []);
    assert.equal(s.metrics.get('replay_sent_samples_total', { destination: 'vm' }), 250);
  });

  it('stops at the deadline; what was not started stays for the next run', async () => {
    const s = setup();
    for (let i = 0; i < 10; i++) await s.park('vm', T0 - 10_000 + i, `m${i}`, series(`s${i}`, 1));
    const [r] = await replayOverflow(s.deps, opts({ maxObjectsPerSecond: 1, deadline: T0 + 3_500 }));
    assert.equal(s.http.calls.length, 4);
    assert.equal(r!.stopped, 'time budget used up');
    assert.equal(s.blobs.keys('overflow/vm/').length, 6);
  });

  it('a blob store read failure stops that destination without losing anything', async () => {
    const s = setup();
    await s.park('vm', T0 - 1000, 'x', series('x', 1));
    s.blobs.get = async () => {
      throw new Error('S3 503 SlowDown');
    };
    const [r] = await replayOverflow(s.deps, opts());
    assert.match(r!.stopped!, /blob store/);
    assert.equal(s.http.calls.length, 0);
    assert.equal(s.blobs.keys('overflow/').length, 1);
    assert.equal(s.metrics.get('replay_blob_store_errors_total', { destination: 'vm' }), 1);
  });

  it('a failed delete after a 2xx stops the destination (the object is sent again next run, never lost)', async () => {
    const s = setup();
    await s.park('vm', T0 - 2000, 'a', series('a', 1));
    await s.park('vm', T0 - 1000, 'b', series('b', 1));
    s.blobs.delete = async () => {
      throw new Error('AccessDenied');
    };
    const [r] = await replayOverflow(s.deps, opts());
    assert.equal(s.http.calls.length, 1);
    assert.match(r!.stopped!, /cannot delete/);
    assert.equal(s.blobs.keys('overflow/').length, 2);
  });

  it('one destination down does not hold back another', async () => {
    const s = setup({ destinations: ['up', 'down'], answer: (req) => (req.url.includes('down') ? 503 : 204) });
    for (const d of ['up', 'down']) for (let i = 0; i < 3; i++) await s.park(d, T0 - 10_000 + i, `m${i}`, series(`s${i}`, 1));
    const [up, down] = await replayOverflow(s.deps, opts());
    assert.equal(up!.replayed, 3);
    assert.equal(down!.replayed, 0);
    assert.deepEqual(s.blobs.keys('overflow/up/'), []);
    assert.equal(s.blobs.keys('overflow/down/').length, 3);
    assert.equal(s.http.calls.filter((c) => c.url.includes('down')).length, 1);
  });

  it('an undecodable oversized object goes to rejected/ instead of blocking the destination forever', async () => {
    const s = setup();
    await s.park('vm', T0 - 2000, 'junk', new Uint8Array([1, 2, 3]), 1000);
    await s.park('vm', T0 - 1000, 'ok', series('ok', 1));
    await replayOverflow(s.deps, opts());
    assert.deepEqual(s.blobs.keys('overflow/'), []);
    assert.equal(s.blobs.keys('rejected/vm/').length, 1);
    assert.match(s.blobs.objects.get(s.blobs.keys("rejected/vm/")[0]!)!.metadata.response!, /undecodable/);
    assert.deepEqual(names(s.http.calls.map((c) => c.body)), ['ok']);
  });
});
