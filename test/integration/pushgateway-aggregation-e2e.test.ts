import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startGroup, waitHttpUp, type GroupProcess } from '../helpers/process-group.ts';
import { freePort, killGroup, requireBinary, startVictoriaMetrics, type ExportedSeries } from '../helpers/services.ts';

/**
 * Issue 15, the Pushgateway aggregation mode end to end with real components: `npm start`'s runner
 * (lib/local/main.ts) with `pushgateway.aggregation`, N concurrent short-lived jobs pushing with the real
 * Python client (prometheus_client's push_to_gateway / pushadd_to_gateway, a fresh registry per push: each
 * push is one run's increments) into two shared groups, the runner SIGKILLed (its whole process group)
 * between the two halves while pushes are queued but not applied, restarted on the same data directory;
 * then in a real VictoriaMetrics every counter and histogram series is exactly the sum pushed, the gauge
 * the last value, nothing raw was forwarded, and once the TTL runs out the series are gone from an instant
 * query (staleness markers).
 */
const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PY = '/usr/bin/python3';
const PUSHERS = 4;
const ROUNDS = 8;
const HALF = 4;
const JOBS = ['etl', 'report'];
const INTERVAL_MS = 2000;

const jobOf = (p: number): string => JOBS[p % JOBS.length]!;
const inc = (p: number): number => p + 1;
/** Pusher p's observation in round k: multiples of 0.25, so sums are exact in floating point. */
const observed = (p: number, k: number): number => 0.25 * ((p + k) % 5);

// One short-lived job per push: a fresh registry, its own increment, its own observation; PUT and POST alternate.
const PUSHER = `
import sys
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, push_to_gateway, pushadd_to_gateway
url, job, p, first, last = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
for k in range(first, last + 1):
    r = CollectorRegistry()
    Counter('jobs_processed', 'Items this run processed.', registry=r).inc(p + 1)
    Histogram('job_duration_seconds', 'Run time.', buckets=[0.5, 1], registry=r).observe(0.25 * ((p + k) % 5))
    Gauge('queue_depth', 'Items left.', registry=r).set(k)
    (push_to_gateway if k % 2 else pushadd_to_gateway)(url, job=job, registry=r)
`;

const FINAL = `
import sys
from prometheus_client import CollectorRegistry, Gauge, pushadd_to_gateway
r = CollectorRegistry()
Gauge('queue_depth', 'Items left.', registry=r).set(42)
for job in sys.argv[2:]:
    pushadd_to_gateway(sys.argv[1], job=job, registry=r)
`;

function python(script: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(PY, ['-c', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b));
    p.stderr.on('data', (b: Buffer) => (out += b));
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`python pusher ${args.join(' ')} exited ${code}: ${out}`));
    });
  });
}


function lastOf(series: ExportedSeries[], name: string, job: string, le?: string): number | undefined {
  const s = series.find((x) => x.metric.__name__ === name && x.metric.job === job && x.metric.le === le);
  return s?.values[s.values.length - 1] ?? undefined;
}

test('local runner: Pushgateway aggregation mode with the Python client, concurrent pushers, SIGKILL and restart mid-run, exact sums and TTL staleness in VictoriaMetrics', { timeout: 300_000 }, async (t) => {
  if (!requireBinary(t, 'victoria-metrics', 'apt-get install victoria-metrics')) return;
  if (!requireBinary(t, PY, 'apt-get install python3-prometheus-client')) return;
  if (spawnSync(PY, ['-c', 'import prometheus_client']).status !== 0) {
    if (process.env.CI === 'true') throw new Error('python3-prometheus-client is required under CI=true (apt-get install python3-prometheus-client)');
    t.skip('python3-prometheus-client not installed');
    return;
  }
  // Equal timestamps of a re-sent outbox are stored once.
  const vm = await startVictoriaMetrics(undefined, undefined, ['-dedup.minScrapeInterval=1ms', '-search.disableCache']);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgagg-e2e-'));
  t.after(async () => {
    await vm.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const port = await freePort();
  const configPath = path.join(dir, 'gateway.yaml');
  writeFileSync(configPath, ['auth: {mode: none}', 'remote_write:', `  - url: ${vm.url}/api/v1/write`, 'pushgateway:', '  aggregation:', '    ttl: 12s', '    interval: 2s', '    shards: 3', ''].join('\n'));
  const url = `http://127.0.0.1:${port}`;
  const start = (): GroupProcess => startGroup(process.execPath, ['lib/local/main.ts', '--config', configPath, '--port', String(port), '--data-dir', path.join(dir, 'data')], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn' }, lifetimeS: 290, killAfterMs: 5000 });
  let runner = start();
  t.after(() => runner.stop());
  await waitHttpUp(`${url}/metrics`, runner);

  const phase = (first: number, last: number) => Promise.all(Array.from({ length: PUSHERS }, (_, p) => python(PUSHER, [url, jobOf(p), String(p), String(first), String(last)])));
  await phase(1, HALF);
  // Every push of the first half was answered: its input is on disk, much of it not applied or flushed yet.
  killGroup(runner.proc, 'SIGKILL');
  await new Promise((r) => runner.proc.once('exit', r));
  runner = start();
  await waitHttpUp(`${url}/metrics`, runner);
  await phase(HALF + 1, ROUNDS);
  await python(FINAL, [url, ...JOBS]);

  const want: Record<string, Record<string, number>> = {};
  for (const job of JOBS) {
    const w = { total: 0, count: 0, sum: 0, le05: 0, le1: 0, depth: 42 };
    for (let p = 0; p < PUSHERS; p++) {
      if (jobOf(p) !== job) continue;
      for (let k = 1; k <= ROUNDS; k++) {
        w.total += inc(p);
        w.count += 1;
        w.sum += observed(p, k);
        if (observed(p, k) <= 0.5) w.le05 += 1;
        if (observed(p, k) <= 1) w.le1 += 1;
      }
    }
    want[job] = w;
  }
  const read = (series: ExportedSeries[]) =>
    Object.fromEntries(
      JOBS.map((job) => [
        job,
        {
          total: lastOf(series, 'jobs_processed_total', job),
          count: lastOf(series, 'job_duration_seconds_count', job),
          sum: lastOf(series, 'job_duration_seconds_sum', job),
          le05: lastOf(series, 'job_duration_seconds_bucket', job, '0.5'),
          le1: lastOf(series, 'job_duration_seconds_bucket', job, '1.0'),
          depth: lastOf(series, 'queue_depth', job),
        },
      ]),
    );
  // Bounded polling: the last pushes are emitted at the next 2 s boundary after the 5 s flush grace.
  let got: unknown;
  let series: ExportedSeries[] = [];
  for (let i = 0; i < 120; i++) {
    series = await vm.exportSeries('{job=~"etl|report"}');
    got = read(series);
    if (JSON.stringify(got) === JSON.stringify(want)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.deepEqual(got, want, runner.log());
  // Only aggregated samples: every one at a 2 s boundary (raw pushes would carry their push times).
  for (const s of series.filter((x) => x.metric.__name__ === 'jobs_processed_total')) {
    assert.ok(s.timestamps.every((ts) => ts % INTERVAL_MS === 0), `raw samples reached the receiver: ${JSON.stringify(s.timestamps)}`);
  }
  // The counter only grows (no per-run resets): rate() works on it.
  const total = series.find((x) => x.metric.__name__ === 'jobs_processed_total' && x.metric.job === 'etl')!;
  assert.ok(total.values.every((v, i) => i === 0 || v! >= total.values[i - 1]!), JSON.stringify(total.values));

  // TTL 12 s after the last push: staleness markers, and the groups vanish from instant queries.
  const instant = async (at = Date.now()): Promise<number> => {
    const res = await fetch(`${vm.url}/api/v1/query?query=${encodeURIComponent('{job=~"etl|report"}')}&time=${at / 1000}&nocache=1`);
    return ((await res.json()) as { data: { result: unknown[] } }).data.result.length;
  };
  // Live at the last emitted sample's time (asked at that time, not now: on a loaded machine the polling above
  // can take past the TTL, and then the groups are rightly gone already).
  assert.ok((await instant(Math.max(...total.timestamps))) > 0, 'the groups are live before their TTL runs out');
  let live = -1;
  for (let i = 0; i < 120; i++) {
    await fetch(`${vm.url}/internal/force_flush`);
    live = await instant();
    if (live === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(live, 0, `series still live after the TTL: ${runner.log()}`);
  await runner.stop();
});
