import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startGroup, waitHttpUp, type GroupProcess } from '../helpers/process-group.ts';
import { freePort, killGroup, requireBinary, startVictoriaMetrics, type ExportedSeries } from '../helpers/services.ts';

/**
 * Issue 15, end to end with real components: `npm start`'s runner (lib/local/main.ts) with a global
 * stream_aggregation rule, N concurrent short-lived "jobs" pushing counters through the Pushgateway route,
 * the runner SIGKILLed (its whole process group) between two rounds, while aggregation input is queued and
 * flushes are due, and restarted on the same data directory; the aggregated series in a real
 * VictoriaMetrics then equal exactly what was pushed, and the matched input is not forwarded (keep_input
 * false) while an unmatched series is.
 */
const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PUSHERS = 4;
const ROUNDS = 10;
const KILL_AFTER_ROUND = 5;
const JOBS = ['etl', 'report'];

function pusherJob(p: number): string {
  return JOBS[p % JOBS.length]!;
}
/** Pusher p's increment per push: its counter after push k (1-based) is k * inc(p). */
function inc(p: number): number {
  return p + 1;
}


function sumValues(series: ExportedSeries[], name: string, job: string): { sum: number; last: number; points: number } {
  const s = series.find((x) => x.metric.__name__ === name && x.metric.job === job);
  if (!s) return { sum: 0, last: 0, points: 0 };
  const values = s.values.map((v) => v ?? 0);
  return { sum: values.reduce((a, b) => a + b, 0), last: values[values.length - 1] ?? 0, points: values.length };
}

test('local runner: stream aggregation over Pushgateway pushes, runner SIGKILLed and restarted mid-run, outputs exact in VictoriaMetrics', { timeout: 240_000 }, async (t) => {
  if (!requireBinary(t, 'victoria-metrics', 'apt-get install victoria-metrics')) return;
  // Equal timestamps of a re-sent flush outbox are stored once.
  const vm = await startVictoriaMetrics(undefined, undefined, ['-dedup.minScrapeInterval=1ms']);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agg-e2e-'));
  t.after(async () => {
    await vm.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const port = await freePort();
  const configPath = path.join(dir, 'gateway.yaml');
  writeFileSync(
    configPath,
    [
      'auth: {mode: none}',
      'remote_write:',
      `  - url: ${vm.url}/api/v1/write`,
      'stream_aggregation:',
      '  shards: 3',
      '  rules:',
      '    - match: jobs_processed_total',
      '      interval: 2s',
      '      by: [job]',
      '      outputs: [total, count_samples, sum_samples]',
      '      staleness_interval: 1h',
      '      ignore_first_sample_interval: 0s',
      '',
    ].join('\n'),
  );
  const url = `http://127.0.0.1:${port}`;
  const start = (): GroupProcess => startGroup(process.execPath, ['lib/local/main.ts', '--config', configPath, '--port', String(port), '--data-dir', path.join(dir, 'data')], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn' }, lifetimeS: 230, killAfterMs: 5000 });
  let runner = start();
  t.after(() => runner.stop());
  await waitHttpUp(`${url}/metrics`, runner);

  const push = async (p: number, k: number): Promise<void> => {
    const body = `# TYPE jobs_processed_total counter\njobs_processed_total ${k * inc(p)}\nunaggregated_gauge ${k}\n`;
    const res = await fetch(`${url}/metrics/job/${pusherJob(p)}/instance/pusher-${p}`, { method: 'POST', body });
    assert.ok(res.status >= 200 && res.status < 300, `push ${p}/${k}: ${res.status} ${await res.text()}`);
  };
  const round = (k: number): Promise<void[]> => Promise.all(Array.from({ length: PUSHERS }, (_, p) => push(p, k)));

  for (let k = 1; k <= KILL_AFTER_ROUND; k++) await round(k);
  // Every push of these rounds was answered: its aggregation input is on disk, mostly not applied yet.
  killGroup(runner.proc, 'SIGKILL');
  await new Promise((r) => runner.proc.once('exit', r));
  runner = start();
  await waitHttpUp(`${url}/metrics`, runner);
  for (let k = KILL_AFTER_ROUND + 1; k <= ROUNDS; k++) await round(k);

  const want = new Map<string, { samples: number; sum: number; total: number }>();
  for (let p = 0; p < PUSHERS; p++) {
    const w = want.get(pusherJob(p)) ?? { samples: 0, sum: 0, total: 0 };
    for (let k = 1; k <= ROUNDS; k++) w.sum += k * inc(p);
    w.samples += ROUNDS;
    w.total += ROUNDS * inc(p); // each pusher's counter ends at ROUNDS * inc, counted from 0
    want.set(pusherJob(p), w);
  }
  // Bounded polling: the last intervals close 2 s after the last push plus the 5 s grace.
  let got = '';
  let series: ExportedSeries[] = [];
  for (let i = 0; i < 240; i++) {
    series = await vm.exportSeries('{__name__=~"jobs_processed_total.*"}');
    got = JSON.stringify(
      [...want.keys()].map((job) => ({
        job,
        samples: sumValues(series, 'jobs_processed_total:2s_by_job_count_samples', job).sum,
        sum: sumValues(series, 'jobs_processed_total:2s_by_job_sum_samples', job).sum,
        total: sumValues(series, 'jobs_processed_total:2s_by_job_total', job).last,
      })),
    );
    if (got === JSON.stringify([...want].map(([job, w]) => ({ job, ...w })))) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.deepEqual(JSON.parse(got), [...want].map(([job, w]) => ({ job, ...w })), runner.log());
  // keep_input false: the matched input itself is not forwarded; the unmatched series is, once per push.
  assert.equal(series.filter((s) => s.metric.__name__ === 'jobs_processed_total').length, 0);
  const gauges = await vm.exportSeries('{__name__="unaggregated_gauge"}');
  assert.equal(gauges.length, PUSHERS);
  await runner.stop();
});
