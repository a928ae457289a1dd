import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeWriteRequest } from '../../lib/remote-write/encode.ts';
import { snappyCompress } from '../../lib/remote-write/snappy.ts';
import { freePort, haveBinary, startVictoriaMetrics, type VictoriaMetrics } from '../helpers/services.ts';
import { startGroup, type GroupProcess } from '../helpers/process-group.ts';

/**
 * The local runner killed with SIGKILL right after it answered 2xx, while its destination is down: the
 * messages it queued (bytes bodies, layout 3, some held in the sent cache and some in flight) are on disk,
 * and a restart on the same data dir delivers every sample to VictoriaMetrics.
 */
const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const available = haveBinary('victoria-metrics');
if (!available && process.env.CI === 'true') throw new Error('victoria-metrics is required under CI=true (apt-get install victoria-metrics)');

async function startGateway(dir: string, destination: string, port: number): Promise<GroupProcess> {
  const cfg = path.join(dir, `gateway-${port}.yaml`);
  writeFileSync(cfg, JSON.stringify({ auth: { mode: 'none' }, remote_write: [{ name: 'vm', url: destination }] }));
  const gw = startGroup(process.execPath, ['lib/local/main.ts', '--config', cfg, '--port', String(port), '--data-dir', path.join(dir, 'data')], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'error' }, lifetimeS: 120 });
  for (let i = 0; i < 300; i++) {
    if (await fetch(`http://127.0.0.1:${port}/ping`).then((r) => r.ok, () => false)) return gw;
    await new Promise((r) => setTimeout(r, 100));
  }
  await gw.stop();
  throw new Error(`gateway did not start: ${gw.log()}`);
}

describe('local runner killed (SIGKILL) after acknowledging', { skip: !available && 'victoria-metrics not installed' }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-kill-'));
  const started: GroupProcess[] = [];
  let vm: VictoriaMetrics | undefined;
  after(async () => {
    for (const g of started) await g.stop();
    await vm?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every acknowledged sample after a restart', async () => {
    // First life: the destination refuses connections, so nothing can be delivered.
    const nowhere = `http://127.0.0.1:${await freePort()}/api/v1/write`;
    const port = await freePort();
    const first = await startGateway(dir, nowhere, port);
    started.push(first);
    const base = 1_700_000_000_000;
    const timeseries = Array.from({ length: 50 }, (_, i) => ({ labels: [{ name: '__name__', value: 'kill_rw' }, { name: 'i', value: String(i) }], samples: [{ value: i + 0.5, timestamp: base + i }] }));
    for (let r = 0; r < 3; r++) {
      const body = snappyCompress(encodeWriteRequest({ timeseries: timeseries.map((s) => ({ ...s, samples: [{ value: s.samples[0]!.value + r, timestamp: s.samples[0]!.timestamp + r * 1000 }] })), metadata: [] }));
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/write`, { method: 'POST', body, headers: { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf', 'x-prometheus-remote-write-version': '0.1.0' } });
      assert.equal(res.status, 204, await res.text());
    }
    const lines = Array.from({ length: 40 }, (_, i) => `kill_influx,i=${i} v=${i} ${(base + i) * 1_000_000}`).join('\n');
    assert.equal((await fetch(`http://127.0.0.1:${port}/write`, { method: 'POST', body: lines })).status, 204);
    process.kill(-first.proc.pid!, 'SIGKILL');
    await new Promise((r) => first.proc.once('exit', r));

    const queued = ['ready', 'inflight'].flatMap((sub) => readdirSync(path.join(dir, 'data', 'queue', sub)).map((f) => readFileSync(path.join(dir, 'data', 'queue', sub, f))));
    assert.equal(queued.length, 4, 'four messages queued: three remote_write requests, one Influx');
    for (const f of queued) assert.equal(f.toString('latin1', 0, 5), 'MGQ3 ', 'bytes bodies (layout 3)');

    // Second life: a working destination.
    vm = await startVictoriaMetrics();
    const second = await startGateway(dir, `${vm.url}/api/v1/write`, await freePort());
    started.push(second);
    let rw: Awaited<ReturnType<VictoriaMetrics['exportSeries']>> = [];
    let fx: typeof rw = [];
    for (let i = 0; i < 100 && (rw.length < 50 || fx.length < 40 || rw.some((s) => s.values.length < 3)); i++) {
      await new Promise((r) => setTimeout(r, 300));
      rw = await vm.exportSeries('{__name__="kill_rw"}');
      fx = await vm.exportSeries('{__name__="kill_influx_v"}');
    }
    assert.equal(rw.length, 50);
    for (const s of rw) {
      const i = Number(s.metric.i);
      assert.deepEqual(s.values, [0, 1, 2].map((r) => i + 0.5 + r));
      assert.deepEqual(s.timestamps, [0, 1, 2].map((r) => base + i + r * 1000));
    }
    assert.deepEqual(fx.map((s) => [Number(s.metric.i), s.values, s.timestamps]).sort((a, b) => (a[0] as number) - (b[0] as number)), Array.from({ length: 40 }, (_, i) => [i, [i], [base + i]]));
  });

  it('delivers every acknowledged sample of concurrent pushes (group commits, commit files) after a restart', async (t) => {
    const sub = path.join(dir, 'concurrent');
    mkdirSync(sub);
    const nowhere = `http://127.0.0.1:${await freePort()}/api/v1/write`;
    const port = await freePort();
    const first = await startGateway(sub, nowhere, port);
    started.push(first);
    const base = 1_700_000_000_000;
    // Twelve requests at once: their sends meet while a commit is being fsynced, and share commit files.
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, r) => {
        const body = snappyCompress(encodeWriteRequest({ timeseries: Array.from({ length: 30 }, (_, i) => ({ labels: [{ name: '__name__', value: 'kill_group' }, { name: 'i', value: String(i) }], samples: [{ value: r * 100 + i, timestamp: base + r * 1000 }] })), metadata: [] }));
        return fetch(`http://127.0.0.1:${port}/api/v1/write`, { method: 'POST', body, headers: { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf', 'x-prometheus-remote-write-version': '0.1.0' } }).then((res) => res.status);
      }),
    );
    assert.deepEqual(statuses, Array(12).fill(204));
    process.kill(-first.proc.pid!, 'SIGKILL');
    await new Promise((r) => first.proc.once('exit', r));
    // How the twelve sends were grouped depends on timing: reported, not asserted.
    const files = readdirSync(path.join(sub, 'data', 'queue', 'ready'));
    t.diagnostic(`12 requests queued in ${files.length} files, ${files.filter((f) => f.endsWith('.c')).length} of them commit files`);

    vm ??= await startVictoriaMetrics();
    const second = await startGateway(sub, `${vm.url}/api/v1/write`, await freePort());
    started.push(second);
    let got: Awaited<ReturnType<VictoriaMetrics['exportSeries']>> = [];
    for (let i = 0; i < 100 && (got.length < 30 || got.some((s) => s.values.length < 12)); i++) {
      await new Promise((r) => setTimeout(r, 300));
      got = await vm.exportSeries('{__name__="kill_group"}');
    }
    assert.equal(got.length, 30);
    for (const s of got) {
      const i = Number(s.metric.i);
      assert.deepEqual(s.values, Array.from({ length: 12 }, (_, r) => r * 100 + i));
    }
  });
});
