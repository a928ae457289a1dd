/**
 * `npx node bench/aggregation.ts`: stream aggregation cost, beside vmagent v1.151.0 in the same run, and the
 * state size per aggregated series.
 *
 * 1. Cost: the same generated input (BENCH_AGGR_SAMPLES samples, default 1M, as remote_write requests of
 *    10k series) through
 *    - the engine in this process: push() alone, and decode (snappy + protobuf) + push(); CPU time from
 *      process.cpuUsage();
 *    - vmagent with the same rules and -streamAggr.dropInput (nothing is forwarded), its CPU time (user +
 *      system, /proc) while it takes the requests, minus a baseline run whose only rule matches nothing
 *      (decoding, matching and dropping): what is left is its aggregation cost.
 *    The interval is 1h, so no flush happens during the measurement on either side; flush cost is printed
 *    separately for the engine.
 * 2. State: for each output alone, with groups of one input series (heap bytes after gc and snapshot bytes,
 *    per group) and with groups of 100 input series (the same per input series: what a group costs for each
 *    series feeding it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parse as parseYaml } from 'yaml';
import { AggregationEngine, parseAggregationConfigs } from '../lib/aggregation/index.ts';
import type { Label, TimeSeries } from '../lib/model/types.ts';
import { decodeWriteRequest } from '../lib/remote-write/decode.ts';
import { encodeWriteRequest } from '../lib/remote-write/encode.ts';
import { snappyCompress, snappyUncompress } from '../lib/remote-write/snappy.ts';
import { freePort } from '../test/helpers/services.ts';
import { builtToolPath } from '../test/helpers/tools.ts';
import { cpuSeconds, fmt, spawnQuiet, waitHttp } from './lib.ts';

const SAMPLES = Number(process.env.BENCH_AGGR_SAMPLES ?? 1_000_000);
const SERIES_PER_REQUEST = 10_000;

const RULES = `
- match: bench_requests_total
  interval: 1h
  staleness_interval: 3h
  by: [job]
  outputs: [total, increase, rate_sum, count_series]
- match: bench_latency_seconds
  interval: 1h
  staleness_interval: 3h
  without: [instance]
  outputs: [sum_samples, avg, max, 'quantiles(0.5, 0.99)', histogram_bucket]
`;
const BASELINE_RULES = `
- match: nothing_matches_this
  interval: 1h
  outputs: [count_samples]
`;

function labels(name: string, job: number, instance: number): Label[] {
  return [
    { name: '__name__', value: name },
    { name: 'instance', value: `host-${instance}.example.com:9100` },
    { name: 'job', value: `job-${job}` },
  ];
}

/** Requests of SERIES_PER_REQUEST series with one sample each; every series appears once per round. */
function workload(total: number, now: number): TimeSeries[][] {
  const base: Label[][] = [];
  for (let j = 0; j < 100; j++) {
    for (let i = 0; i < 50; i++) {
      base.push(labels('bench_requests_total', j, i));
      base.push(labels('bench_latency_seconds', j, i));
    }
  }
  const requests: TimeSeries[][] = [];
  let made = 0;
  for (let round = 0; made < total; round++) {
    for (let off = 0; off < base.length && made < total; off += SERIES_PER_REQUEST) {
      const req: TimeSeries[] = [];
      for (let k = off; k < Math.min(base.length, off + SERIES_PER_REQUEST) && made < total; k++, made++) {
        const value = k % 2 === 0 ? round * 10 + (k % 7) : ((k * 7919 + round * 104729) % 10_000) / 1000;
        req.push({ labels: base[k]!, samples: [{ value, timestamp: now + round * 1000 }] });
      }
      requests.push(req);
    }
  }
  return requests;
}

function cpuMs(d: NodeJS.CpuUsage): number {
  return (d.user + d.system) / 1000;
}

function engineCost(requests: TimeSeries[][], bodies: Uint8Array[], now: number): void {
  const rules = parseAggregationConfigs(parseYaml(RULES));
  // Warm-up on a separate engine so the JIT has seen the code.
  const warm = new AggregationEngine(rules, now);
  for (const r of requests.slice(0, 5)) warm.push(r, now);

  const e = new AggregationEngine(rules, now);
  let t = process.cpuUsage();
  for (const r of requests) e.push(r, now + 1000);
  const pushMs = cpuMs(process.cpuUsage(t));

  const e2 = new AggregationEngine(rules, now);
  t = process.cpuUsage();
  for (const b of bodies) e2.push(decodeWriteRequest(snappyUncompress(b, 64 << 20, 'bench')).timeseries, now + 1000);
  const fullMs = cpuMs(process.cpuUsage(t));

  t = process.cpuUsage();
  const out = e.flush(now + 2 * 3_600_000);
  const flushMs = cpuMs(process.cpuUsage(t));
  process.stdout.write(
    `engine push only:            ${fmt((SAMPLES / pushMs) * 1000)} samples/CPU-s (${pushMs.toFixed(0)} ms CPU)\n` +
      `engine decode + push:        ${fmt((SAMPLES / fullMs) * 1000)} samples/CPU-s (${fullMs.toFixed(0)} ms CPU)\n` +
      `engine flush:                ${out.length} output series in ${flushMs.toFixed(1)} ms CPU\n`,
  );
}

async function vmagentCpu(bin: string, rules: string, bodies: Uint8Array[]): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-aggr-'));
  try {
    const file = path.join(dir, 'rules.yaml');
    writeFileSync(file, rules);
    const port = await freePort();
    const p = spawnQuiet(bin, [
      `-httpListenAddr=127.0.0.1:${port}`,
      '-remoteWrite.url=http://127.0.0.1:1/api/v1/write',
      `-remoteWrite.tmpDataPath=${path.join(dir, 'q')}`,
      `-streamAggr.config=${file}`,
      '-streamAggr.dropInput',
      '-loggerLevel=ERROR',
    ]);
    try {
      await waitHttp(`http://127.0.0.1:${port}/health`);
      const url = `http://127.0.0.1:${port}/api/v1/write`;
      const headers = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' };
      // Warm-up request, then the measured ones.
      await fetch(url, { method: 'POST', headers, body: bodies[0]! });
      const before = cpuSeconds(p.pid!);
      for (const body of bodies) {
        const res = await fetch(url, { method: 'POST', headers, body });
        if (res.status !== 204) throw new Error(`vmagent answered ${res.status}: ${await res.text()}`);
      }
      return cpuSeconds(p.pid!) - before;
    } finally {
      p.kill('SIGKILL');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function stateSize(): void {
  const outputs = ['total', 'increase', 'rate_sum', 'sum_samples', 'count_samples', 'count_series', 'last', 'min', 'avg', 'stddev', 'unique_samples', 'quantiles(0.5)', 'histogram_bucket'];
  const now = 1_700_000_000_000;
  const N = 20_000;
  process.stdout.write('\nstate (20k input series, 2 samples each; bytes)\n');
  process.stdout.write('output            per group of 1 series: heap  snapshot   groups of 100, per input series: heap  snapshot\n');
  for (const o of outputs) {
    const cols: string[] = [];
    for (const perGroup of [1, 100]) {
      const rules = parseAggregationConfigs([{ interval: '1h', outputs: [o], ...(perGroup > 1 ? { by: ['job'] } : {}) }]);
      const series: TimeSeries[] = [];
      for (let i = 0; i < N; i++) {
        const ls = labels('m', Math.floor(i / perGroup), i);
        series.push({ labels: ls, samples: [{ value: i % 13, timestamp: now }] }, { labels: ls, samples: [{ value: (i % 13) + 1, timestamp: now + 1 }] });
      }
      gc();
      const before = process.memoryUsage().heapUsed;
      const e = new AggregationEngine(rules, now);
      e.push(series, now);
      gc();
      const heap = process.memoryUsage().heapUsed - before;
      const div = perGroup === 1 ? e.groupCounts()[0]! : N;
      const snap = e.snapshot().length;
      cols.push(`${(heap / div).toFixed(0).padStart(6)} ${(snap / div).toFixed(0).padStart(9)}`);
    }
    process.stdout.write(`${o.padEnd(18)}${' '.repeat(18)}${cols[0]}${' '.repeat(29)}${cols[1]}\n`);
  }
}

async function main(): Promise<void> {
  const now = Date.now();
  const requests = workload(SAMPLES, now);
  const bodies = requests.map((r) => snappyCompress(encodeWriteRequest({ timeseries: r, metadata: [] })));
  process.stdout.write(`== stream aggregation cost: ${fmt(SAMPLES)} samples, ${requests.length} remote_write requests, 2 rules (9 outputs)\n`);
  engineCost(requests, bodies, now);
  const bin = builtToolPath('vmagent');
  try {
    const withRules = await vmagentCpu(bin, RULES, bodies);
    const baseline = await vmagentCpu(bin, BASELINE_RULES, bodies);
    const aggr = withRules - baseline;
    process.stdout.write(
      `vmagent decode + aggregate:  ${fmt(SAMPLES / withRules)} samples/CPU-s (${(withRules * 1000).toFixed(0)} ms CPU)\n` +
        `vmagent baseline (no match): ${(baseline * 1000).toFixed(0)} ms CPU\n` +
        `vmagent aggregation only:    ${aggr > 0 ? fmt(SAMPLES / aggr) : 'n/a'} samples/CPU-s (${(aggr * 1000).toFixed(0)} ms CPU)\n`,
    );
  } catch (e) {
    process.stdout.write(`vmagent: not measured (${(e as Error).message}; build it as test/helpers/tools.ts says)\n`);
  }
  stateSize();
}

await main();
