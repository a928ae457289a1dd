import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openBackends, type Backends } from '../../lib/local/backends.ts';
import { startLocalRunner } from '../../lib/local/runner.ts';
import { parseGatewayConfig } from '../../lib/config/schema.ts';
import { decodeWriteRequest } from '../../lib/remote-write/decode.ts';
import { snappyUncompress } from '../../lib/remote-write/snappy.ts';
import { freePort } from '../helpers/services.ts';
import { MemoryLogger } from '../helpers/fakes.ts';

/**
 * Issue 12 item 8: `npm start` stops gracefully on SIGTERM/SIGINT sent to the npm process (as a supervisor
 * or container runtime does): the listener closes, a request being served finishes, the delivery in
 * progress completes (or its messages go back to the queue), and nothing acknowledged is lost.
 */
const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A remote_write receiver that holds every answer until release(); then answers 204. */
async function startHoldingReceiver() {
  const samples: string[] = [];
  const held: http.ServerResponse[] = [];
  const waiters: (() => void)[] = [];
  let holding = true;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const series = decodeWriteRequest(snappyUncompress(Buffer.concat(chunks), 1e8, 'test')).timeseries;
      const got = series.flatMap((s) => s.samples.map((x) => `${s.labels.map((l) => `${l.name}=${l.value}`).join(',')}@${x.timestamp}`));
      if (holding) {
        held.push(res);
        res.on('finish', () => samples.push(...got));
      } else res.writeHead(204).end(() => samples.push(...got));
      waiters.splice(0).forEach((w) => w());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`,
    /** Samples of requests answered 204, as `labels@timestamp`. */
    samples,
    held,
    arrived: () => new Promise<void>((resolve) => (held.length ? resolve() : waiters.push(resolve))),
    release() {
      holding = false;
      for (const r of held.splice(0)) if (!r.destroyed) r.writeHead(204).end();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function influx(tag: string, n: number): string {
  return Array.from({ length: n }, (_, i) => `stop_${tag},i=${i} v=${i} ${1_700_000_000 + i}000000000`).join('\n');
}

function startNpm(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null>; seen(text: string): Promise<void> } {
  // Its own process group, so the test can clean up everything it started; signals go to the npm PID only.
  const child = spawn('npm', ['start', '--', ...args], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const watchers: { text: string; resolve: () => void }[] = [];
  const keep = (b: Buffer): void => {
    out += b.toString();
    for (const w of watchers.filter((w) => out.includes(w.text))) {
      watchers.splice(watchers.indexOf(w), 1);
      w.resolve();
    }
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    seen: (text) => new Promise<void>((resolve, reject) => {
      if (out.includes(text)) return resolve();
      watchers.push({ text, resolve });
      void exited.then(() => (out.includes(text) ? resolve() : reject(new Error(`exited before ${JSON.stringify(text)}:\n${out}`))));
    }),
  };
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

function connectRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

describe('graceful stop (issue 12 item 8)', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('SIGTERM to `npm start`: listener closes, the request in flight and the delivery in progress finish, nothing acknowledged is lost', { timeout: 120_000 }, async () => {
    const rx = await startHoldingReceiver();
    cleanup.push(() => rx.close());
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-stop-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const cfg = path.join(dir, 'gateway.yaml');
    writeFileSync(cfg, `auth: {mode: none}\nremote_write:\n  - {name: rx, url: "${rx.url}"}\n`);
    const port = await freePort();
    const gw = startNpm(['--config', cfg, '--port', String(port), '--data-dir', path.join(dir, 'data'), '--ingest-workers', '1']);
    cleanup.push(() => killGroup(gw.child));
    await gw.seen('gateway listening');
    assert.match(gw.output(), /"ingestWorkers":[1-9]/, 'npm start --ingest-workers 1 ingests large bodies in worker threads (the default on 2 vCPUs is none: defaultIngestWorkers)');
    const url = `http://127.0.0.1:${port}`;

    // A: accepted and being delivered (the receiver holds its answer) when the stop signal comes.
    const a = await fetch(`${url}/write`, { method: 'POST', body: influx('a', 100) });
    assert.equal(a.status, 204, await a.text());
    await rx.arrived();

    // B: a request in flight: head sent, the runner has started on it (100 Continue), half of the body sent.
    const b = Buffer.from(influx('b', 50));
    const sock = net.connect(port, '127.0.0.1');
    let answer = '';
    sock.on('data', (d) => (answer += d.toString()));
    const bClosed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
    await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
    sock.write(`POST /write HTTP/1.1\r\nhost: x\r\ncontent-length: ${b.length}\r\nexpect: 100-continue\r\n\r\n`);
    while (!answer.includes('100 Continue')) await new Promise((r) => sock.once('data', r));
    sock.write(b.subarray(0, b.length >> 1));

    process.kill(gw.child.pid!, 'SIGTERM');
    await gw.seen('"msg":"listener closed');
    assert.ok(await connectRefused(port), 'the listener is closed once stopping');

    // Not end(): a client's half-close makes Node abort the request it belongs to.
    sock.write(b.subarray(b.length >> 1));
    await bClosed;
    assert.match(answer, /HTTP\/1\.1 204/, `the request in flight finishes: ${answer}`);
    assert.equal(gw.child.exitCode, null, 'still waiting for the delivery in progress');

    rx.release();
    assert.equal(await gw.exited, 0, gw.output());
    assert.match(gw.output(), /"msg":"stopped"/);
    assert.doesNotMatch(gw.output(), /cut off|go back to the queue/, 'everything finished within the grace period');
    assert.equal(rx.samples.filter((s) => s.includes('stop_a')).length, 100, 'the delivery in progress completed');

    // Whatever was acknowledged and not yet delivered is delivered by the next run, exactly once overall.
    const logger = new MemoryLogger();
    const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ name: 'rx', url: rx.url }] });
    const runner = await startLocalRunner({ config, backends: await openBackends({ kind: 'disk', dataDir: path.join(dir, 'data'), maxMessageBytes: config.queue.maxMessageBytes, logger }), logger, host: '127.0.0.1', port: 0 });
    cleanup.push(() => runner.close());
    assert.ok(await runner.drained(30_000));
    assert.equal(new Set(rx.samples).size, 150);
    assert.equal(rx.samples.length, 150, 'no sample delivered twice');
  });

  it('SIGINT to `npm start` stops it the same way, exit code 0', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-stop-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const cfg = path.join(dir, 'gateway.yaml');
    writeFileSync(cfg, 'auth: {mode: none}\nremote_write:\n  - {name: rx, url: "http://127.0.0.1:9/api/v1/write"}\n');
    const gw = startNpm(['--config', cfg, '--port', String(await freePort()), '--data-dir', path.join(dir, 'data')]);
    cleanup.push(() => killGroup(gw.child));
    await gw.seen('gateway listening');
    process.kill(gw.child.pid!, 'SIGINT');
    assert.equal(await gw.exited, 0, gw.output());
    assert.match(gw.output(), /"msg":"stopping","function":"local","signal":"SIGINT"[\s\S]*"msg":"stopped"/);
  });

  /**
   * A runner (grace 200 ms, a 3 s deliver budget: without the stop signal its delivery would give up 1 s in,
   * well after close()) closed while its delivery of 20 Influx samples tagged `tag` waits on a receiver that
   * holds its answer. `nextRun` then starts a second runner on the same data directory, delivering to a
   * receiver that answers.
   */
  async function closedDuringDelivery(tag: string, backendsOf: (b: Backends) => Backends = (b) => b) {
    const rx = await startHoldingReceiver();
    cleanup.push(() => rx.close());
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gw-stop-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ name: 'rx', url: rx.url, remote_timeout: '1m' }] });
    const open = async (logger: MemoryLogger) => openBackends({ kind: 'disk', dataDir, maxMessageBytes: config.queue.maxMessageBytes, logger });
    const logger = new MemoryLogger();
    const first = await startLocalRunner({ config, backends: backendsOf(await open(logger)), logger, host: '127.0.0.1', port: 0, stopGraceMs: 200, deliverTimeoutMs: 3000, replayIntervalMs: 3_600_000 });
    const res = await fetch(`${first.url}/write`, { method: 'POST', body: influx(tag, 20) });
    assert.equal(res.status, 204);
    await rx.arrived();
    await first.close();
    const nextRun = async () => {
      const rx2 = await startHoldingReceiver();
      cleanup.push(() => rx2.close());
      rx2.release();
      const config2 = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ name: 'rx', url: rx2.url }] });
      const logger2 = new MemoryLogger();
      const runner = await startLocalRunner({ config: config2, backends: await open(logger2), logger: logger2, host: '127.0.0.1', port: 0, replayIntervalMs: 3_600_000 });
      cleanup.push(() => runner.close());
      return { runner, rx: rx2 };
    };
    return { dataDir, logger, nextRun };
  }

  it('past the grace period a delivery stops retrying and keeps its data in overflow/; close() returns with nothing left to write; the next run delivers it once', { timeout: 60_000 }, async () => {
    const { dataDir, logger, nextRun } = await closedDuringDelivery('c');
    assert.ok(!logger.lines.some((l) => l.msg.includes('its messages go back to the queue')), 'the delivery finished by keeping its data');
    assert.ok(logger.lines.some((l) => JSON.stringify(l).includes('the gateway is stopping')), JSON.stringify(logger.lines.slice(-5)));
    assert.equal(readdirSync(path.join(dataDir, 'queue', 'inflight')).length, 0, 'nothing left held');
    assert.equal(readdirSync(path.join(dataDir, 'queue', 'ready')).length, 0, 'the message was acknowledged');
    const overflow = (): string[] => listTree(path.join(dataDir, 'blobs', 'overflow')).filter((f) => !f.includes('.meta.json'));
    assert.equal(overflow().length, 1, 'its data is in overflow/');
    const atClose = listTree(dataDir);
    await new Promise((r) => setTimeout(r, 2500));
    assert.deepEqual(listTree(dataDir), atClose, 'nothing the runner started writes after close()');

    const second = await nextRun();
    await second.runner.schedules.replayNow();
    assert.ok(await second.runner.drained(30_000));
    assert.equal(second.rx.samples.filter((s) => s.includes('stop_c')).length, 20, 'delivered once, from overflow/');
    assert.deepEqual(overflow(), [], 'replayed and deleted');
  });

  it('a delivery that cannot even keep its data in time returns its messages to the queue; the next run delivers them', { timeout: 60_000 }, async () => {
    // A blob store that never answers a write: the overflow write of the stopped delivery hangs.
    const stuck = (b: Backends): Backends => ({ ...b, blobs: { get: b.blobs.get.bind(b.blobs), delete: b.blobs.delete.bind(b.blobs), list: b.blobs.list.bind(b.blobs), put: () => new Promise<void>(() => undefined) } });
    const { dataDir, logger, nextRun } = await closedDuringDelivery('d', stuck);
    assert.ok(logger.lines.some((l) => l.msg.includes('its messages go back to the queue')));
    assert.equal(readdirSync(path.join(dataDir, 'queue', 'inflight')).length, 0, 'nothing left held');
    assert.equal(readdirSync(path.join(dataDir, 'queue', 'ready')).length, 1, 'the message is back in the queue');

    const second = await nextRun();
    assert.ok(await second.runner.drained(30_000));
    assert.equal(second.rx.samples.filter((s) => s.includes('stop_d')).length, 20);
  });
});

/** Every file under dir (recursively) with its size and mtime, sorted: equal listings mean nothing was written. */
function listTree(dir: string): string[] {
  let out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const p = path.join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out = out.concat(listTree(p));
    else out.push(`${path.relative(dir, p)} ${st.size} ${st.mtimeMs}`);
  }
  return out.sort();
}
