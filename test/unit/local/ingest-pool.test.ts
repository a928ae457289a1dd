import assert from 'node:assert/strict';
import os from 'node:os';
import { after, describe, it } from 'node:test';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import { LocalSecretStore } from '../../../lib/adapters/secrets/local-secret-store.ts';
import { defaultIngestWorkers, IngestPool, type PoolRequest } from '../../../lib/local/ingest-pool.ts';
import { MemoryBlobStore, MemoryLogger, MemoryQueue } from '../../helpers/fakes.ts';

/**
 * lib/local/ingest-pool.ts: the ingest handler in a worker thread, with the main thread's queue, blob store,
 * secrets, counters and logger behind its ports.
 */
describe('IngestPool', () => {
  const raw = { auth: { mode: 'required', bearer_tokens: [{ token_ref: 'env:GW_TOKEN', tenant: 'team-a' }] }, remote_write: [{ url: 'http://127.0.0.1:9/api/v1/write' }], queue: { max_message_bytes: 4096 } };
  const queue = new MemoryQueue(4096);
  const blobs = new MemoryBlobStore();
  const metrics = new CounterRegistry();
  const logger = new MemoryLogger();
  const pool = new IngestPool({ configText: JSON.stringify(raw), configPath: 'gateway.json', queue, blobs, secrets: new LocalSecretStore({ GW_TOKEN: 't0ken' }), metrics, logger, workers: 1 });
  after(() => pool.close());

  const request = (body: string, authorization = 'Bearer t0ken'): PoolRequest => ({ method: 'POST', url: '/write?db=d', headers: { authorization }, body: Buffer.from(body), sourceIp: '127.0.0.1', now: Date.now() });

  it('answers as the handler does and queues through the main thread; secrets come from the main thread', async () => {
    const res = await pool.ingest(request('cpu,host=a v=1 1700000000000000000\ncpu,host=b v=2 1700000000000000000'));
    assert.equal(res.statusCode, 204, String(res.body));
    assert.equal(queue.sent.reduce((n, m) => n + Number(m.attributes.samples), 0), 2);
    assert.equal(metrics.get('ingest_samples_total', { protocol: 'influx', tenant: 'team-a' }), 2, 'counted in the main registry');
  });

  it('a series too large for one message is claim-checked through the main thread\'s blob store', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `big,host=a v=${i * 1.37} ${1_700_000_000 + i}000000000`).join('\n');
    const res = await pool.ingest(request(lines));
    assert.equal(res.statusCode, 204, String(res.body));
    const spooled = blobs.keys('spool/');
    assert.ok(spooled.length >= 1, 'a claim check was written');
    assert.ok(blobs.objects.get(spooled[0]!)!.body instanceof Uint8Array);
    assert.ok(queue.sent.some((m) => m.attributes.claim === '1'));
  });

  it('a wrong credential is 401 and its failure is counted and logged on the main thread', async () => {
    const res = await pool.ingest(request('cpu v=1', 'Bearer nope'));
    assert.equal(res.statusCode, 401);
    assert.equal(metrics.get('ingest_auth_failures_total', { protocol: 'influx', reason: 'invalid' }), 1);
    assert.ok(logger.lines.some((l) => l.level === 'warn' && l.msg === 'inbound auth failed'));
  });

  it('a queue outage is 503 with Retry-After, as on the main thread', async () => {
    queue.failWith = new Error('queue down');
    try {
      const res = await pool.ingest(request('cpu v=1'));
      assert.equal(res.statusCode, 503);
      assert.equal(res.headers?.['retry-after'], '5');
    } finally {
      queue.failWith = undefined;
    }
  });
});

describe('IngestPool whose workers keep dying', () => {
  it('fails the requests it holds, respawns three times, then gives up so the runner ingests on its own thread', async () => {
    const logger = new MemoryLogger();
    // Valid for nobody: every worker dies while loading it.
    const pool = new IngestPool({ configText: 'auth: {mode: nope}', configPath: 'gateway.yaml', queue: new MemoryQueue(), blobs: new MemoryBlobStore(), secrets: new LocalSecretStore({}), metrics: new CounterRegistry(), logger, workers: 1 });
    try {
      await assert.rejects(pool.ingest({ method: 'POST', url: '/write', headers: {}, body: Buffer.from('cpu v=1'), sourceIp: '', now: 0 }), /ingest worker (failed|exited)/);
      for (let i = 0; i < 400 && pool.available; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(pool.available, false);
      assert.equal(logger.lines.filter((l) => l.msg === 'ingest worker stopped; starting another').length, 3);
      assert.ok(logger.lines.some((l) => l.msg.includes('too many in a row')));
    } finally {
      await pool.close();
    }
  });
});

describe('IngestPool whose worker runs out of its heap', () => {
  it('answers 503 with Retry-After (nothing acknowledged), replaces the worker, and the next request is served', async () => {
    const logger = new MemoryLogger();
    const queue = new MemoryQueue(256 * 1024);
    const raw = { auth: { mode: 'none' }, remote_write: [{ url: 'http://127.0.0.1:9/api/v1/write' }], ingest: { max_body_bytes: 256 * 1024 * 1024 } };
    // A small old space (no old-space limit by default, see WORKER_RESOURCE_LIMITS) that a body's parse fills by small steps: the worker is stopped, not the process.
    const pool = new IngestPool({ configText: JSON.stringify(raw), configPath: 'gateway.json', queue, blobs: new MemoryBlobStore(), secrets: new LocalSecretStore({}), metrics: new CounterRegistry(), logger, workers: 1, resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 32 } });
    try {
      const line = (i: number): string => `m${i % 1000},host=h${i},dc=d${i % 7} a=${i},b=${i * 2},c=${i * 3} 1700000000000000000\n`;
      const big = Buffer.from(Array.from({ length: 150_000 }, (_, i) => line(i)).join(''));
      const res = await pool.ingest({ method: 'POST', url: '/write?db=d', headers: {}, body: big, sourceIp: '', now: Date.now() });
      assert.equal(res.statusCode, 503, String(res.body));
      assert.equal(res.headers?.['retry-after'], '5');
      assert.ok(logger.lines.some((l) => l.msg === 'ingest worker stopped; starting another' && String(l.fields?.why).includes('ERR_WORKER_OUT_OF_MEMORY')));
      const before = queue.sent.length;
      const ok = await pool.ingest({ method: 'POST', url: '/write?db=d', headers: {}, body: Buffer.from('cpu,host=a v=1 1700000000000000000'), sourceIp: '', now: Date.now() });
      assert.equal(ok.statusCode, 204, String(ok.body));
      assert.equal(queue.sent.length, before + 1, 'the replacement worker queues');
      assert.equal(pool.available, true);
    } finally {
      await pool.close();
    }
  });

  it('the default limits leave room for a body at the default max_body_bytes (4 MiB)', async () => {
    const queue = new MemoryQueue(256 * 1024);
    const pool = new IngestPool({ configText: JSON.stringify({ auth: { mode: 'none' }, remote_write: [{ url: 'http://127.0.0.1:9/api/v1/write' }] }), configPath: 'gateway.json', queue, blobs: new MemoryBlobStore(), secrets: new LocalSecretStore({}), metrics: new CounterRegistry(), logger: new MemoryLogger(), workers: 1 });
    try {
      const lines: string[] = [];
      let bytes = 0;
      for (let i = 0; bytes < 4 * 1024 * 1024 - 200; i++) {
        const l = `m${i % 1000},host=h${i},dc=d${i % 7} a=${i},b=${i * 2},c=${i * 3} 1700000000000000000\n`;
        lines.push(l);
        bytes += l.length;
      }
      const res = await pool.ingest({ method: 'POST', url: '/write?db=d', headers: {}, body: Buffer.from(lines.join('')), sourceIp: '', now: Date.now() });
      assert.equal(res.statusCode, 204, String(res.body));
      assert.equal(queue.sent.reduce((n, m) => n + Number(m.attributes.samples), 0), lines.length * 3);
    } finally {
      await pool.close();
    }
  });
});

describe('IngestPool body hand-over', () => {
  it('moves a body that owns its ArrayBuffer to the worker without a copy; copies a view on a shared one', async () => {
    const queue = new MemoryQueue(256 * 1024);
    const pool = new IngestPool({ configText: JSON.stringify({ auth: { mode: 'none' }, remote_write: [{ url: 'http://127.0.0.1:9/api/v1/write' }] }), configPath: 'gateway.json', queue, blobs: new MemoryBlobStore(), secrets: new LocalSecretStore({}), metrics: new CounterRegistry(), logger: new MemoryLogger(), workers: 1 });
    try {
      const own = new Uint8Array(Buffer.from('cpu,host=a v=1 1700000000000000000\n'));
      const r1 = await pool.ingest({ method: 'POST', url: '/write?db=d', headers: {}, body: own, sourceIp: '', now: Date.now() });
      assert.equal(r1.statusCode, 204, String(r1.body));
      assert.equal(own.byteLength, 0, 'transferred: detached on this side');
      const shared = new Uint8Array(64);
      const line = Buffer.from('cpu,host=b v=2 1700000000000000000');
      shared.set(line, 8);
      const view = shared.subarray(8, 8 + line.length);
      const r2 = await pool.ingest({ method: 'POST', url: '/write?db=d', headers: {}, body: view, sourceIp: '', now: Date.now() });
      assert.equal(r2.statusCode, 204, String(r2.body));
      assert.equal(view.byteLength, line.length, 'copied: the shared buffer stays usable');
      assert.equal(queue.sent.reduce((n, m) => n + Number(m.attributes.samples), 0), 2);
    } finally {
      await pool.close();
    }
  });
});

describe('defaultIngestWorkers: the worker threads npm start runs when none are set', () => {
  it('none with one spare core or less (2 and 1 vCPUs), else cores minus one, at most 4', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 64].map((c) => defaultIngestWorkers(c)), [0, 0, 2, 3, 4, 4, 4]);
  });

  it('reads the machine when not told', () => {
    assert.equal(defaultIngestWorkers(), defaultIngestWorkers(os.availableParallelism()));
  });
});

describe('IngestPool workers start on demand and exit when idle', () => {
  const config = JSON.stringify({ auth: { mode: 'none' }, remote_write: [{ url: 'http://127.0.0.1:9/api/v1/write' }] });
  const req = (line: string): PoolRequest => ({ method: 'POST', url: '/write?db=d', headers: {}, body: Buffer.from(line), sourceIp: '', now: Date.now() });
  const until = async (what: () => boolean): Promise<void> => {
    for (let i = 0; i < 400 && !what(); i++) await new Promise((r) => setTimeout(r, 25));
  };

  it('no worker until the first body; it exits after idleExitMs without counting as a death; the next body starts one again', async () => {
    const logger = new MemoryLogger();
    const queue = new MemoryQueue(256 * 1024);
    const pool = new IngestPool({ configText: config, configPath: 'gateway.json', queue, blobs: new MemoryBlobStore(), secrets: new LocalSecretStore({}), metrics: new CounterRegistry(), logger, workers: 1, idleExitMs: 300 });
    try {
      assert.equal(pool.size, 1);
      assert.equal(pool.running, 0, 'nothing started with the pool');
      assert.equal(pool.available, true);
      assert.equal((await pool.ingest(req('cpu,host=a v=1 1700000000000000000'))).statusCode, 204);
      assert.equal(pool.running, 1);
      await until(() => pool.running === 0);
      assert.equal(pool.running, 0, 'the idle worker exited');
      assert.deepEqual(logger.lines.filter((l) => l.level === 'error'), [], 'an idle exit is not a worker death');
      assert.equal((await pool.ingest(req('cpu,host=b v=2 1700000000000000000'))).statusCode, 204);
      assert.equal(pool.running, 1);
      assert.equal(queue.sent.length, 2);
    } finally {
      await pool.close();
    }
  });

  it('a worker given a body before its idle period ends keeps running (the same thread serves both)', async () => {
    const queue = new MemoryQueue(256 * 1024);
    const logger = new MemoryLogger();
    const pool = new IngestPool({ configText: config, configPath: 'gateway.json', queue, blobs: new MemoryBlobStore(), secrets: new LocalSecretStore({}), metrics: new CounterRegistry(), logger, workers: 1, idleExitMs: 1500 });
    try {
      const exits: number[] = [];
      for (let i = 0; i < 4; i++) {
        assert.equal((await pool.ingest(req(`cpu,host=h${i} v=1 1700000000000000000`))).statusCode, 204);
        exits.push(pool.running);
        await new Promise((r) => setTimeout(r, 500));
      }
      assert.deepEqual(exits, [1, 1, 1, 1]);
      assert.equal(pool.running, 1, '2 s of requests 0.5 s apart, idle period 1.5 s: never idle long enough');
      assert.equal(queue.sent.length, 4);
    } finally {
      await pool.close();
    }
  });

  it('a second worker starts only while the running ones are busy', async () => {
    const queue = new MemoryQueue(256 * 1024);
    const pool = new IngestPool({ configText: config, configPath: 'gateway.json', queue, blobs: new MemoryBlobStore(), secrets: new LocalSecretStore({}), metrics: new CounterRegistry(), logger: new MemoryLogger(), workers: 2, idleExitMs: Infinity });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await pool.ingest(req(`cpu,host=s${i} v=1 1700000000000000000`))).statusCode, 204);
      assert.equal(pool.running, 1, 'one request at a time: one worker');
      const both = await Promise.all([pool.ingest(req('cpu,host=c1 v=1 1700000000000000000')), pool.ingest(req('cpu,host=c2 v=1 1700000000000000000'))]);
      assert.deepEqual(both.map((r) => r.statusCode), [204, 204]);
      assert.equal(pool.running, 2, 'two at once: a second worker');
      assert.equal(queue.sent.length, 5);
    } finally {
      await pool.close();
    }
  });
});
