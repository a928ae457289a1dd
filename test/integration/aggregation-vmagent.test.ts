import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { AggregationEngine, parseAggregationConfigs, passThrough } from '../../lib/aggregation/index.ts';
import { alignUp } from '../../lib/aggregation/timing.ts';
import type { Label, TimeSeries } from '../../lib/model/types.ts';
import { encodeWriteRequest } from '../../lib/remote-write/encode.ts';
import { snappyCompress } from '../../lib/remote-write/snappy.ts';
import { freePort, requireBinary, startVictoriaMetrics, type ExportedSeries, type VictoriaMetrics } from '../helpers/services.ts';
import { requireBuiltTool } from '../helpers/tools.ts';
import { startGroup, waitHttpUp, type GroupProcess } from '../helpers/process-group.ts';

/**
 * Differential test against vmagent v1.151.0: the same rule file and the same input (pushed to vmagent's
 * remote_write API with explicit timestamps, which keeps the order of a request's samples; fed to the engine with the time each push was made) must give the same
 * output series into two VictoriaMetrics, for every output type, within float tolerance.
 *
 * Determinism: with `interval: 1m` and aligned flushes, vmagent's first regular flush is at least one minute
 * after its start, so the whole exchange happens inside its first interval and the only flush is the one on
 * shutdown (`flush_on_shutdown: true`), at the end of that interval. The engine starts at the time vmagent was
 * launched (never within 10s of a minute boundary, so both align to the same minute) and shuts down the same way.
 * Rules set `staleness_interval: 5m`: with the default (the interval) both vmagent and the engine forget every
 * group before that shutdown flush, whose timestamp is up to two minutes after the pushes.
 * vmagent writes what its queue has not sent on shutdown to its disk queue; a second run without rules drains it.
 */

const RULES = `
- name: counters
  match: '{__name__=~"diff_requests_total|diff_errors_total"}'
  interval: 1m
  staleness_interval: 5m
  by: [job]
  flush_on_shutdown: true
  outputs: [total, total_prometheus, increase, increase_prometheus, rate_sum, rate_avg, count_series, count_samples, sum_samples, sum_samples_total]
- name: counters-first-sample
  match: diff_requests_total
  interval: 1m
  staleness_interval: 5m
  without: [instance]
  ignore_first_sample_interval: 0s
  flush_on_shutdown: true
  outputs: [total, increase]
- name: gauges
  match: ['diff_latency_seconds', 'diff_queue_depth{env="prod"}']
  interval: 1m
  staleness_interval: 5m
  without: [instance]
  flush_on_shutdown: true
  outputs: [last, min, max, avg, stddev, stdvar, unique_samples, sum_samples, count_samples, 'quantiles(0, 0.1, 0.5, 0.99, 1)', histogram_bucket]
- name: dedup
  match: diff_queue_depth
  interval: 1m
  staleness_interval: 5m
  dedup_interval: 30s
  by: [env]
  flush_on_shutdown: true
  outputs: [sum_samples, count_samples, last, max]
- name: keep-names
  match: diff_temperature
  interval: 1m
  staleness_interval: 5m
  keep_metric_names: true
  drop_input_labels: [replica]
  input_relabel_configs:
    - target_label: source
      replacement: agg
  output_relabel_configs:
    - target_label: aggregated
      replacement: "yes"
  flush_on_shutdown: true
  outputs: [avg]
- name: ignored-first
  match: diff_temperature
  interval: 1m
  staleness_interval: 5m
  ignore_first_intervals: 1
  flush_on_shutdown: true
  outputs: [count_samples]
- name: old-samples
  match: diff_old
  interval: 1m
  staleness_interval: 5m
  ignore_old_samples: true
  flush_on_shutdown: true
  outputs: [count_samples, sum_samples]
`;

/** A small deterministic generator (tests must not depend on Math.random). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function series(name: string, labels: Record<string, string>, value: number, timestamp: number): TimeSeries {
  const ls: Label[] = [{ name: '__name__', value: name }, ...Object.entries(labels).map(([n, v]) => ({ name: n, value: v }))];
  ls.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { labels: ls, samples: [{ value, timestamp }] };
}

/** Rounds of input: each round is one request; every series appears once per round. */
function makeInput(baseTs: number, futureTs: number): TimeSeries[][] {
  const rnd = lcg(42);
  const rounds: TimeSeries[][] = [];
  const counters = new Map<string, number>();
  for (let r = 0; r < 12; r++) {
    const ts = baseTs + r * 10_000;
    const out: TimeSeries[] = [];
    for (const job of ['api', 'web']) {
      for (let i = 0; i < 5; i++) {
        for (const name of ['diff_requests_total', 'diff_errors_total']) {
          const k = `${name}/${job}/${i}`;
          let v = counters.get(k) ?? Math.floor(rnd() * 1000);
          v = rnd() < 0.08 ? Math.floor(rnd() * 5) : v + Math.floor(rnd() * 50);
          counters.set(k, v);
          out.push(series(name, { job, instance: `i${i}` }, v, ts));
        }
        const lat = [0, 1e-10, 1e-3, 0.1, 0.25, 1, 3, 10, 1e3, 2e18, -1][Math.floor(rnd() * 11)]! * (1 + Math.floor(rnd() * 3));
        out.push(series('diff_latency_seconds', { job, instance: `i${i}` }, lat, ts));
        out.push(series('diff_temperature', { job, instance: `i${i}`, replica: `r${r % 2}` }, 20 + rnd() * 5, ts));
      }
    }
    for (const env of ['prod', 'dev']) {
      for (let i = 0; i < 3; i++) {
        // Two samples per series and round for dedup: the later timestamp wins.
        // Distinct timestamps per instance: `last` after dedup must not depend on vmagent's map order.
        out.push(series('diff_queue_depth', { env, instance: `q${i}` }, Math.floor(rnd() * 100), ts + 10 * i));
        out.push(series('diff_queue_depth', { env, instance: `q${i}` }, Math.floor(rnd() * 100), ts + 10 * i + 1));
      }
    }
    out.push(series('diff_old', { kind: 'past' }, 1 + r, baseTs - 3_600_000 + r));
    out.push(series('diff_old', { kind: 'future' }, 100 + r, futureTs + r));
    out.push(series('diff_unmatched', { job: 'raw' }, r, ts));
    rounds.push(out);
    // 130 series of one group, 1300 values: more than the 1000 values quantiles keeps exactly (reservoir
    // sampling from then on, which depends on arrival order; remote_write keeps it, a text import split
    // into blocks parsed concurrently would not).
    for (let i = 0; i < 130; i++) out.push(series('diff_latency_seconds', { job: 'bulk', instance: `b${i}` }, Math.round(rnd() * 1e6) / 1e3, ts + i));
  }
  return rounds;
}

async function remoteWrite(url: string, tss: TimeSeries[]): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
    body: snappyCompress(encodeWriteRequest({ timeseries: tss, metadata: [] })),
  });
}

function toImportLines(tss: readonly TimeSeries[]): string {
  return tss
    .map((ts) =>
      JSON.stringify({
        metric: Object.fromEntries(ts.labels.map((l) => [l.name, l.value])),
        values: ts.samples.map((s) => s.value),
        timestamps: ts.samples.map((s) => s.timestamp),
      }),
    )
    .join('\n');
}

/** vmagent in its own process group: stop() signals the group (SIGTERM, which flushes aggregation state; SIGKILL after 15 s). */
function startAgent(cmd: string, args: string[]): GroupProcess {
  return startGroup(cmd, args, { keepBytes: 4000, killAfterMs: 15_000 });
}


/** Every series VictoriaMetrics holds, including samples after now (output timestamps are flush times, up to 2m ahead). */
async function exportAll(vm: VictoriaMetrics): Promise<ExportedSeries[]> {
  await fetch(`${vm.url}/internal/force_flush`);
  const end = Math.floor(Date.now() / 1000) + 86_400;
  const res = await fetch(`${vm.url}/api/v1/export?match[]=${encodeURIComponent('{__name__!=""}')}&start=0&end=${end}`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`export failed: ${res.status} ${text}`);
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ExportedSeries);
}

function keyOf(metric: Record<string, string>): string {
  return JSON.stringify(Object.entries(metric).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function close(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  if (a === b) return true;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Same series (by label set) with the same timestamps and values within 1e-9 relative. */
function compareExports(theirs: ExportedSeries[], mine: ExportedSeries[]): void {
  const index = (list: ExportedSeries[]) => new Map(list.map((s) => [keyOf(s.metric), s]));
  const a = index(theirs);
  const b = index(mine);
  const onlyA = [...a.keys()].filter((k) => !b.has(k));
  const onlyB = [...b.keys()].filter((k) => !a.has(k));
  assert.deepEqual({ onlyVmagent: onlyA, onlyEngine: onlyB }, { onlyVmagent: [], onlyEngine: [] });
  const diffs: string[] = [];
  for (const [k, sa] of a) {
    const sb = b.get(k)!;
    if (sa.timestamps.join() !== sb.timestamps.join()) diffs.push(`${k}: timestamps ${sa.timestamps} vs ${sb.timestamps}`);
    else if (sa.values.length !== sb.values.length || sa.values.some((v, i) => !close(v, sb.values[i]!))) diffs.push(`${k}: vmagent ${sa.values} engine ${sb.values}`);
  }
  assert.deepEqual(diffs, []);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const TICK_RULES = `
- match: tick_requests_total
  interval: 5s
  by: [job]
  # vmagent's clock for this starts when its process does, a little after the engine's start: keep the
  # deadline well before the first push (>= 4s after start) so both count first samples.
  ignore_first_sample_interval: 1s
  outputs: [total, total_prometheus, increase, increase_prometheus, rate_sum, rate_avg, sum_samples, sum_samples_total, count_samples, histogram_bucket, last]
- match: tick_gauge
  interval: 5s
  staleness_interval: 10s
  ignore_first_intervals: 1
  without: [instance]
  outputs: [avg, max, count_series, 'quantiles(0.5)']
- match: tick_gauge
  interval: 5s
  dedup_interval: 5s
  ignore_old_samples: true
  by: [job]
  outputs: [sum_samples, count_samples]
`;

describe('stream aggregation: engine vs vmagent v1.151.0 (differential)', { timeout: 120_000 }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('gives the same output series for every output type and option', async (t) => {
    const vmagentBin = requireBuiltTool(t, 'vmagent');
    if (!vmagentBin) return;
    if (!requireBinary(t, 'victoria-metrics', 'apt-get install victoria-metrics')) return;

    const dir = mkdtempSync(path.join(os.tmpdir(), 'aggr-diff-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const rulesFile = path.join(dir, 'rules.yaml');
    writeFileSync(rulesFile, RULES);
    const vmA: VictoriaMetrics = await startVictoriaMetrics();
    cleanups.push(() => vmA.stop());
    const vmB: VictoriaMetrics = await startVictoriaMetrics();
    cleanups.push(() => vmB.stop());

    // Stay clear of a minute boundary so vmagent and the engine align to the same interval.
    while (Date.now() % 60_000 < 1_000 || Date.now() % 60_000 > 48_000) await new Promise((r) => setTimeout(r, 200));
    const start = Date.now();
    const port = await freePort();
    const args = [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-remoteWrite.url=${vmA.url}/api/v1/write`,
      `-remoteWrite.tmpDataPath=${path.join(dir, 'vmagent-queue')}`,
      '-loggerLevel=ERROR',
    ];
    const agent = startAgent(vmagentBin, [...args, `-streamAggr.config=${rulesFile}`]);
    cleanups.push(() => agent.stop());
    await waitHttpUp(`http://127.0.0.1:${port}/health`, agent, 20_000);

    const engine = new AggregationEngine(parseAggregationConfigs(parseYaml(RULES), 'stream_aggregation'), start);
    const flushAt = alignUp(start, 60_000) + 60_000;
    const rounds = makeInput(start - 120_000, alignUp(start, 60_000) + 1_000);
    const passed: TimeSeries[] = [];
    for (const round of rounds) {
      const res = await remoteWrite(`http://127.0.0.1:${port}/api/v1/write`, round);
      assert.equal(res.status, 204, await res.text());
      const matched = engine.push(round, Date.now());
      passed.push(...passThrough(round, matched));
    }
    assert.ok(Date.now() < flushAt - 2_000, 'the pushes took so long that vmagent may have flushed on its own; rerun on a less loaded machine');
    await agent.stop();
    const ours = engine.shutdown(Date.now());
    assert.ok(ours.length > 100, `the engine produced ${ours.length} series`);
    for (const ts of ours) assert.equal(ts.samples[0]!.timestamp, flushAt);

    // Drain what vmagent queued on disk at shutdown (a run without rules only forwards its queue).
    const drain = startAgent(vmagentBin, args);
    cleanups.push(() => drain.stop());
    await waitHttpUp(`http://127.0.0.1:${port}/health`, drain, 20_000);
    const imp = await fetch(`${vmB.url}/api/v1/import`, { method: 'POST', body: toImportLines([...ours, ...passed]) });
    assert.equal(imp.status, 204);

    const expectedCount = new Set(ours.map((ts) => keyOf(Object.fromEntries(ts.labels.map((l) => [l.name, l.value]))))).size + 1;
    let theirs: ExportedSeries[] = [];
    for (let i = 0; i < 100; i++) {
      theirs = await exportAll(vmA);
      if (theirs.length >= expectedCount) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await drain.stop();
    const mine = await exportAll(vmB);

    compareExports(theirs, mine);

    // Every output type appears (the comparison above is not vacuous).
    const names = new Set(theirs.map((s) => s.metric.__name__!));
    if (process.env.AGGR_DEBUG) console.log([...names].sort().join("\n"), theirs.length);
    for (const suffix of ['_total', '_total_prometheus', '_increase', '_increase_prometheus', '_rate_sum', '_rate_avg', '_count_series', '_count_samples', '_sum_samples', '_sum_samples_total', '_last', '_min', '_max', '_avg', '_stddev', '_stdvar', '_unique_samples', '_quantiles', '_histogram_bucket']) {
      assert.ok([...names].some((n) => n.endsWith(':1m_by_job' + suffix) || n.endsWith(':1m_without_instance' + suffix) || n.endsWith(':1m_by_env' + suffix)), `no ${suffix} output`);
    }
    assert.ok(names.has('diff_temperature'), 'keep_metric_names output');
    assert.ok(names.has('diff_unmatched'), 'unmatched input passes through');
    assert.ok(!names.has('diff_requests_total'), 'matched input is not forwarded without keep_input');
    assert.ok(!names.has('diff_temperature:1m_count_samples'), 'ignore_first_intervals drops the only interval');
  });

  it('gives the same series at regular flushes (5s intervals, staleness, ignore_first_intervals, dedup)', async (t) => {
    const vmagentBin = requireBuiltTool(t, 'vmagent');
    if (!vmagentBin) return;
    if (!requireBinary(t, 'victoria-metrics', 'apt-get install victoria-metrics')) return;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aggr-tick-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const rulesFile = path.join(dir, 'rules.yaml');
    writeFileSync(rulesFile, TICK_RULES);
    const vmA = await startVictoriaMetrics();
    cleanups.push(() => vmA.stop());
    const vmB = await startVictoriaMetrics();
    cleanups.push(() => vmB.stop());

    const STEP = 5_000;
    // Pushes and the stop happen in the middle of a 5s window, far from vmagent's ticks at the window ends.
    const waitMidWindow = async () => {
      while (Date.now() % STEP < 2_000 || Date.now() % STEP > 3_000) await sleep(50);
    };
    // vmagent must be up within the 5s window the engine's start falls in (both then align to the same
    // boundary); on a loaded machine it may not be, so start over, at most 3 times.
    const port = await freePort();
    const args = [`-httpListenAddr=127.0.0.1:${port}`, `-remoteWrite.url=${vmA.url}/api/v1/write`, `-remoteWrite.tmpDataPath=${path.join(dir, 'q')}`, '-loggerLevel=ERROR'];
    let start = 0;
    let agent: GroupProcess | undefined;
    for (let attempt = 0; attempt < 3 && agent === undefined; attempt++) {
      await waitMidWindow();
      start = Date.now();
      const p = startAgent(vmagentBin, [...args, `-streamAggr.config=${rulesFile}`]);
      cleanups.push(() => p.stop());
      await waitHttpUp(`http://127.0.0.1:${port}/health`, p, 20_000);
      if (Date.now() % STEP < 4_500 && Date.now() - start < 2_500) agent = p;
      else await p.stop();
    }
    assert.ok(agent, 'vmagent never started within 2.5s of a window start in 3 attempts');
    const engine = new AggregationEngine(parseAggregationConfigs(parseYaml(TICK_RULES), 'stream_aggregation'), start);

    const rnd = lcg(7);
    const counters = new Map<string, number>();
    const ours: TimeSeries[] = [];
    for (let w = 1; w <= 5; w++) {
      await sleep(STEP - (Date.now() % STEP) + 2_000);
      await waitMidWindow();
      const now = Date.now();
      const round: TimeSeries[] = [];
      for (const job of ['a', 'b']) {
        // Instance i2 stops after window 2: its groups and per-series state go stale.
        for (const inst of w <= 2 ? ['i0', 'i1', 'i2'] : ['i0', 'i1']) {
          for (let k = 0; k < 3; k++) {
            const key = `${job}/${inst}`;
            const v = rnd() < 0.1 ? 1 : (counters.get(key) ?? 100) + Math.floor(rnd() * 20);
            counters.set(key, v);
            round.push(series('tick_requests_total', { job, instance: inst }, v, now - 900 + k * 300));
            round.push(series('tick_gauge', { job, instance: inst }, Math.round(rnd() * 100), k === 2 && w % 2 === 0 ? now - 20_000 : now - 900 + k * 300));
          }
        }
      }
      // Job b's gauges stop after window 3.
      const sent = w <= 3 ? round : round.filter((ts) => !(ts.labels.some((l) => l.value === 'tick_gauge') && ts.labels.some((l) => l.name === 'job' && l.value === 'b')));
      const res = await remoteWrite(`http://127.0.0.1:${port}/api/v1/write`, sent);
      assert.equal(res.status, 204, await res.text());
      engine.push(sent, Date.now());
      ours.push(...engine.flush(Date.now()));
    }
    // Two more windows without input, then stop mid-window.
    await sleep(2 * STEP - (Date.now() % STEP) + 2_000);
    await waitMidWindow();
    const stopAt = Date.now();
    await agent.stop();
    ours.push(...engine.flush(stopAt));
    ours.push(...engine.shutdown(stopAt));
    assert.ok(ours.length > 50, `the engine produced ${ours.length} series`);

    const drain = startAgent(vmagentBin, args);
    cleanups.push(() => drain.stop());
    await waitHttpUp(`http://127.0.0.1:${port}/health`, drain, 20_000);
    const imp = await fetch(`${vmB.url}/api/v1/import`, { method: 'POST', body: toImportLines(ours) });
    assert.equal(imp.status, 204);
    const expected = ours.length;
    let theirs: ExportedSeries[] = [];
    for (let i = 0; i < 100; i++) {
      theirs = await exportAll(vmA);
      if (theirs.reduce((n, s) => n + s.values.length, 0) >= expected) break;
      await sleep(200);
    }
    await drain.stop();
    compareExports(theirs, await exportAll(vmB));
    const names = new Set(theirs.map((s) => s.metric.__name__!));
    assert.ok(names.has('tick_gauge:5s_without_instance_avg') && names.has('tick_gauge:5s_by_job_sum_samples'));
  });
});
