import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Label, TimeSeries } from '../../lib/model/types.ts';
import { encodeWriteRequest } from '../../lib/remote-write/encode.ts';
import { snappyCompress } from '../../lib/remote-write/snappy.ts';
import { freePort, requireBinary, startVictoriaMetrics, type ExportedSeries, type VictoriaMetrics } from '../helpers/services.ts';
import { requireBuiltTool } from '../helpers/tools.ts';
import { startGroup, waitHttpUp, type GroupProcess } from '../helpers/process-group.ts';

/**
 * Per-destination stream aggregation against vmagent v1.151.0: vmagent with two -remoteWrite.url, the
 * second with -remoteWrite.urlRelabelConfig and -remoteWrite.streamAggr.config, and `npm start`'s runner
 * with two remote_write destinations, the second with the same write_relabel_configs and
 * stream_aggregation. Four VictoriaMetrics: the aggregated destination gets the same series on both sides
 * (the outputs, computed after its relabeling, and the unmatched input), the other gets the raw input.
 *
 * Timing: the input is pushed inside one whole 10 s interval that starts after both are up, away from its
 * ends. vmagent flushes it at the interval's end; the gateway's shard starts at that interval's start (its
 * first input) and its flush closes it 5 s later (the grace), at the same timestamp. With the default
 * staleness (the interval) every group is emitted once, at that flush, on both sides.
 */
const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const STEP = 10_000;

const RULES = `
- match: '{__name__=~"dst_requests_total|dst_latency_seconds", dest="agg"}'
  interval: 10s
  without: [instance]
  outputs: [sum_samples, count_samples, count_series, min, max, avg, last]
- match: dst_latency_seconds
  interval: 10s
  by: [job, dest]
  output_relabel_configs:
    - target_label: stage
      replacement: out
  outputs: [sum_samples, 'quantiles(0.5, 1)']
`;
// write_relabel_configs of the aggregated destination (vmagent: -remoteWrite.urlRelabelConfig): a label the
// first rule needs to match, and a series it never sends.
const RELABEL = `
- target_label: dest
  replacement: agg
- source_labels: [__name__]
  regex: dst_private
  action: drop
`;

function series(name: string, labels: Record<string, string>, value: number, timestamp: number): TimeSeries {
  const ls: Label[] = [{ name: '__name__', value: name }, ...Object.entries(labels).map(([n, v]) => ({ name: n, value: v }))];
  ls.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { labels: ls, samples: [{ value, timestamp }] };
}

function round(r: number, now: number): TimeSeries[] {
  const out: TimeSeries[] = [];
  for (const job of ['api', 'web']) {
    for (let i = 0; i < 3; i++) {
      // Distinct timestamps: `last` does not depend on arrival order.
      const ts = now + i * 10 + (job === 'web' ? 5 : 0);
      out.push(series('dst_requests_total', { job, instance: `i${i}` }, 100 * r + i + (job === 'web' ? 7 : 0), ts));
      out.push(series('dst_latency_seconds', { job, instance: `i${i}` }, ((r * 7 + i * 3) % 11) / 4, ts));
    }
  }
  out.push(series('dst_unmatched', { job: 'raw' }, r, now));
  out.push(series('dst_private', { job: 'raw' }, r, now));
  return out;
}

async function remoteWrite(url: string, tss: TimeSeries[]): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
    body: snappyCompress(encodeWriteRequest({ timeseries: tss, metadata: [] })),
  });
  assert.ok(res.status >= 200 && res.status < 300, `${url}: ${res.status} ${await res.text()}`);
}


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function keyOf(metric: Record<string, string>): string {
  return JSON.stringify(Object.entries(metric).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function close(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function compare(what: string, theirs: ExportedSeries[], mine: ExportedSeries[]): void {
  const index = (list: ExportedSeries[]) => new Map(list.map((s) => [keyOf(s.metric), s]));
  const a = index(theirs);
  const b = index(mine);
  assert.deepEqual({ what, onlyVmagent: [...a.keys()].filter((k) => !b.has(k)), onlyGateway: [...b.keys()].filter((k) => !a.has(k)) }, { what, onlyVmagent: [], onlyGateway: [] });
  const diffs: string[] = [];
  for (const [k, sa] of a) {
    const sb = b.get(k)!;
    if (sa.timestamps.join() !== sb.timestamps.join()) diffs.push(`${k}: timestamps ${sa.timestamps} vs ${sb.timestamps}`);
    else if (sa.values.some((v, i) => !close(v, sb.values[i]!))) diffs.push(`${k}: vmagent ${sa.values} gateway ${sb.values}`);
  }
  assert.deepEqual(diffs, [], what);
}

/** Polls until the export holds `count` series and stops changing. */
async function settled(vm: VictoriaMetrics, count: (s: ExportedSeries[]) => boolean, timeoutMs: number): Promise<ExportedSeries[]> {
  const until = Date.now() + timeoutMs;
  let last = '';
  let got: ExportedSeries[] = [];
  while (Date.now() < until) {
    got = await vm.exportSeries();
    const now = JSON.stringify(got);
    if (count(got) && now === last) return got;
    last = now;
    await sleep(500);
  }
  return got;
}

describe('per-destination stream aggregation: gateway vs vmagent v1.151.0', { timeout: 180_000 }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('the aggregated destination gets the same outputs and unmatched input, the other the raw input, on both sides', async (t) => {
    const vmagentBin = requireBuiltTool(t, 'vmagent');
    if (!vmagentBin) return;
    if (!requireBinary(t, 'victoria-metrics', 'apt-get install victoria-metrics')) return;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aggr-dest-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, 'rules.yaml'), RULES);
    writeFileSync(path.join(dir, 'relabel.yaml'), RELABEL);
    const [agentRaw, agentAgg, gwRaw, gwAgg] = await Promise.all([startVictoriaMetrics(), startVictoriaMetrics(), startVictoriaMetrics(), startVictoriaMetrics()]);
    for (const vm of [agentRaw!, agentAgg!, gwRaw!, gwAgg!]) cleanups.push(() => vm.stop());

    const agentPort = await freePort();
    const agent = startGroup(vmagentBin, [
      `-httpListenAddr=127.0.0.1:${agentPort}`,
      `-remoteWrite.url=${agentRaw!.url}/api/v1/write`,
      `-remoteWrite.url=${agentAgg!.url}/api/v1/write`,
      // Per-URL flags by position; an empty first value: nothing for the raw destination.
      '-remoteWrite.urlRelabelConfig=',
      `-remoteWrite.urlRelabelConfig=${path.join(dir, 'relabel.yaml')}`,
      '-remoteWrite.streamAggr.config=',
      `-remoteWrite.streamAggr.config=${path.join(dir, 'rules.yaml')}`,
      `-remoteWrite.tmpDataPath=${path.join(dir, 'vmagent-queue')}`,
      '-remoteWrite.flushInterval=100ms',
      '-loggerLevel=ERROR',
    ], { keepBytes: 4000, killAfterMs: 15_000 });
    cleanups.push(() => agent.stop());

    const gwPort = await freePort();
    const configPath = path.join(dir, 'gateway.yaml');
    const indent = (s: string, n: number) => s.trim().replace(/^/gm, ' '.repeat(n));
    writeFileSync(configPath, [
      'auth: {mode: none}',
      'self_metrics: {enabled: false}',
      'remote_write:',
      `  - name: raw`,
      `    url: ${gwRaw!.url}/api/v1/write`,
      `  - name: agg`,
      `    url: ${gwAgg!.url}/api/v1/write`,
      '    write_relabel_configs:',
      indent(RELABEL, 6),
      '    stream_aggregation:',
      '      shards: 3',
      '      rules:',
      indent(RULES, 8),
      '',
    ].join('\n'));
    const runner = startGroup(process.execPath, ['lib/local/main.ts', '--config', configPath, '--port', String(gwPort), '--data-dir', path.join(dir, 'data')], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn' }, lifetimeS: 170, killAfterMs: 5000 });
    cleanups.push(() => runner.stop());
    await Promise.all([waitHttpUp(`http://127.0.0.1:${agentPort}/health`, agent, 20_000), waitHttpUp(`http://127.0.0.1:${gwPort}/metrics`, runner, 30_000)]);

    // Into the next whole interval, 1.5 s in; all pushes done by 7 s in (asserted).
    await sleep(STEP - (Date.now() % STEP) + 1_500);
    const windowStart = Date.now() - (Date.now() % STEP);
    for (let r = 1; r <= 4; r++) {
      const input = round(r, Date.now());
      await remoteWrite(`http://127.0.0.1:${agentPort}/api/v1/write`, input);
      await remoteWrite(`http://127.0.0.1:${gwPort}/api/v1/write`, input);
      await sleep(400);
    }
    assert.ok(Date.now() < windowStart + 7_000, 'the pushes ran too close to the interval end; rerun on a less loaded machine');

    // 30 series of raw input; outputs: rule 1 by job x 7 outputs (count per job) + rule 2 (2 jobs x 3 series), plus 1 unmatched.
    const expectAgg = (s: ExportedSeries[]) => s.some((x) => x.metric.__name__?.endsWith('_quantiles')) && s.length >= 2 * 2 * 7 + 2 * 3 + 1;
    // Every raw series holds all 4 rounds' samples (the series count alone let a side settle one round short
    // when its last push was delivered later than one poll).
    const expectRaw = (s: ExportedSeries[]) => s.length >= 2 * 2 * 3 + 2 && s.every((x) => x.timestamps.length >= 4);
    const [vmagentAgg, gatewayAgg, vmagentRaw, gatewayRaw] = await Promise.all([settled(agentAgg!, expectAgg, 60_000), settled(gwAgg!, expectAgg, 60_000), settled(agentRaw!, expectRaw, 60_000), settled(gwRaw!, expectRaw, 60_000)]);
    await agent.stop();
    await runner.stop();

    if (process.env.AGGR_DEBUG) console.log(vmagentAgg.length, gatewayAgg.length, vmagentRaw.length, gatewayRaw.length, [...new Set(gatewayAgg.map((s) => s.metric.__name__))].sort().join(' '));
    compare('aggregated destination', vmagentAgg, gatewayAgg);
    compare('raw destination', vmagentRaw, gatewayRaw);

    const names = new Set(gatewayAgg.map((s) => s.metric.__name__!));
    for (const n of ['dst_requests_total:10s_without_instance_sum_samples', 'dst_latency_seconds:10s_without_instance_count_series', 'dst_latency_seconds:10s_by_dest_job_quantiles', 'dst_unmatched']) assert.ok(names.has(n), `${n} in ${[...names].join(', ')}`);
    assert.ok(!names.has('dst_requests_total') && !names.has('dst_latency_seconds'), 'matched input is not sent to the aggregated destination');
    assert.ok(!names.has('dst_private'), "the destination's write_relabel_configs dropped it");
    assert.ok(gatewayAgg.every((s) => s.metric.dest === 'agg'), 'every series was relabeled for the destination before aggregation');
    const rawNames = new Set(gatewayRaw.map((s) => s.metric.__name__!));
    assert.deepEqual([...rawNames].sort(), ['dst_latency_seconds', 'dst_private', 'dst_requests_total', 'dst_unmatched']);
    assert.ok(gatewayRaw.every((s) => s.metric.dest === undefined && s.values.length === 4), 'the raw destination gets every pushed sample, unrelabeled');
    for (const s of gatewayAgg.filter((x) => x.metric.__name__!.includes(':'))) assert.deepEqual(s.timestamps, [windowStart + STEP], 'one output per group, at the interval end');
  });
});
