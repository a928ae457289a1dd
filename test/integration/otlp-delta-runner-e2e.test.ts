import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startGroup, waitHttpUp, type GroupProcess } from '../helpers/process-group.ts';
import { freePort, killGroup, requireBinary, startVictoriaMetrics, type ExportedSeries } from '../helpers/services.ts';

/**
 * Issue 15, OTLP delta to cumulative end to end: `npm start`'s runner (lib/local/main.ts) with
 * otlp.delta_to_cumulative on 3 shards, concurrent short-lived writers (one stream each) exporting OTLP/JSON
 * delta counters, the runner SIGKILLed (its whole process group) after a round whose exports were all
 * answered 200, while their delta input is queued and mostly not applied, and restarted on the same data
 * directory. In a real VictoriaMetrics every stream then holds exactly one cumulative point per export,
 * each the running sum: no acknowledged delta lost, none counted twice.
 */
const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WRITERS = 4;
const ROUNDS = 10;
const KILL_AFTER_ROUND = 5;
const inc = (w: number): number => w + 1;


function deltaExport(w: number, start: number, t: number): string {
  const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
  const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'etl' } }, { key: 'service.instance.id', value: { stringValue: `run-${w}` } }] };
  const metric = { name: 'jobs.processed', sum: { aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA', isMonotonic: true, dataPoints: [{ asInt: String(inc(w)), startTimeUnixNano: ns(start), timeUnixNano: ns(t) }] } };
  return JSON.stringify({ resourceMetrics: [{ resource, scopeMetrics: [{ scope: { name: 'e2e' }, metrics: [metric] }] }] });
}

test('local runner: OTLP delta exports, runner SIGKILLed and restarted mid-run, every acknowledged delta counted exactly once', { timeout: 240_000 }, async (t) => {
  if (!requireBinary(t, 'victoria-metrics', 'apt-get install victoria-metrics')) return;
  // Equal samples re-sent from a shard's outbox are stored once.
  const vm = await startVictoriaMetrics(undefined, undefined, ['-dedup.minScrapeInterval=1ms']);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'otlp-delta-e2e-'));
  t.after(async () => {
    await vm.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const port = await freePort();
  const configPath = path.join(dir, 'gateway.yaml');
  writeFileSync(configPath, ['auth: {mode: none}', 'remote_write:', `  - url: ${vm.url}/api/v1/write`, 'otlp:', '  delta_to_cumulative: {enabled: true, shards: 3}', ''].join('\n'));
  const url = `http://127.0.0.1:${port}`;
  const start = (): GroupProcess => startGroup(process.execPath, ['lib/local/main.ts', '--config', configPath, '--port', String(port), '--data-dir', path.join(dir, 'data')], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn' }, lifetimeS: 230, killAfterMs: 5000 });
  let runner = start();
  t.after(() => runner.stop());
  await waitHttpUp(`${url}/metrics`, runner);

  const base = Date.now() - 120_000;
  const at = (k: number): number => base + k * 1000;
  const exportOne = async (w: number, k: number): Promise<void> => {
    const res = await fetch(`${url}/opentelemetry/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: deltaExport(w, at(k - 1), at(k)) });
    const text = await res.text();
    assert.equal(res.status, 200, `export ${w}/${k}: ${text}`);
    assert.doesNotMatch(text, /rejected/i, `export ${w}/${k}: ${text}`);
  };
  const round = (k: number): Promise<void[]> => Promise.all(Array.from({ length: WRITERS }, (_, w) => exportOne(w, k)));

  for (let k = 1; k <= KILL_AFTER_ROUND; k++) await round(k);
  killGroup(runner.proc, 'SIGKILL');
  await new Promise((r) => runner.proc.once('exit', r));
  runner = start();
  await waitHttpUp(`${url}/metrics`, runner);
  for (let k = KILL_AFTER_ROUND + 1; k <= ROUNDS; k++) await round(k);

  const want = Array.from({ length: WRITERS }, (_, w) => ({ instance: `run-${w}`, points: Array.from({ length: ROUNDS }, (_, i) => [at(i + 1), (i + 1) * inc(w)]) }));
  let got: unknown;
  let series: ExportedSeries[] = [];
  // Bounded polling: the runner applies and delivers in the background.
  for (let i = 0; i < 240; i++) {
    series = await vm.exportSeries('{__name__="jobs_processed"}');
    got = [...series]
      .sort((a, b) => (a.metric.instance! < b.metric.instance! ? -1 : 1))
      .map((s) => ({ instance: s.metric.instance, points: s.timestamps.map((ts, j) => [ts, s.values[j]]) }));
    if (JSON.stringify(got) === JSON.stringify(want)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.deepEqual(got, want, runner.log());
  await runner.stop();
});
