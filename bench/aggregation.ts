/**
 * `npx node bench/aggregation.ts`: stream aggregation cost, beside vmagent v1.151.0 in the same run, and the
 * state size per aggregated series.
 *
 * 1. Cost: the same generated input (BENCH_AGGR_SAMPLES samples, default 1M, in batches of 10k series)
 *    through
 *    - the engine in this process: push() alone, and decode (snappy + protobuf) + push(); CPU time from
 *      process.cpuUsage(), the best of 3 runs;
 *    - vmagent's own lib/streamaggr (v1.151.0, from the Go module cache) in a small Go program built here
 *      (GOPROXY=off, so only when `go` and the module are present, as after .ci/run): Aggregators.Push on the
 *      same series, CPU time from getrusage, the best of 3 runs. This is the like-for-like figure;
 *    - the vmagent binary with the same rules and -streamAggr.dropInput, its CPU time (/proc) for the
 *      remote_write requests, and a baseline run whose only rule matches nothing: gross figures (HTTP,
 *      decoding), best of 3 each; their difference is too noisy on a shared machine to stand for the
 *      aggregation cost, which is why the library figure exists.
 *    The interval is 1h, so no flush happens during the measurement on either side; flush cost is printed
 *    separately for the engine.
 *    - the durable apply path (bench/aggregation-durable.ts): routing into FIFO shards, then applying
 *      Lambda-sized batches with shard state loaded, restored, snapshotted and written conditionally.
 * 2. State: for each output alone, with groups of one input series (heap bytes after gc and snapshot bytes,
 *    per group) and with groups of 100 input series (the same per input series: what a group costs for each
 *    series feeding it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import { durableCost } from './aggregation-durable.ts';
import { builtToolPath, TOOLS_BIN } from '../test/helpers/tools.ts';
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

  let e = new AggregationEngine(rules, now);
  let pushMs = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    e = new AggregationEngine(rules, now);
    const t = process.cpuUsage();
    for (const r of requests) e.push(r, now + 1000);
    pushMs = Math.min(pushMs, cpuMs(process.cpuUsage(t)));
  }
  let fullMs = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const e2 = new AggregationEngine(rules, now);
    const t = process.cpuUsage();
    for (const b of bodies) e2.push(decodeWriteRequest(snappyUncompress(b, 64 << 20, 'bench')).timeseries, now + 1000);
    fullMs = Math.min(fullMs, cpuMs(process.cpuUsage(t)));
  }
  const t = process.cpuUsage();
  const out = e.flush(now + 2 * 3_600_000);
  const flushMs = cpuMs(process.cpuUsage(t));
  process.stdout.write(
    `engine push only:            ${fmt((SAMPLES / pushMs) * 1000)} samples/CPU-s (${pushMs.toFixed(0)} ms CPU)\n` +
      `engine decode + push:        ${fmt((SAMPLES / fullMs) * 1000)} samples/CPU-s (${fullMs.toFixed(0)} ms CPU)\n` +
      `engine flush:                ${out.length} output series in ${flushMs.toFixed(1)} ms CPU\n`,
  );
}

/** vmagent's lib/streamaggr driven directly: the same workload as workload(), Push only. */
const GO_HARNESS = `package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"

	"github.com/VictoriaMetrics/VictoriaMetrics/lib/prompb"
	"github.com/VictoriaMetrics/VictoriaMetrics/lib/streamaggr"
)

func cpu() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

func main() {
	rules, _ := os.ReadFile(os.Args[1])
	total, _ := strconv.Atoi(os.Args[2])
	perReq := 10000
	var base [][]prompb.Label
	for j := 0; j < 100; j++ {
		for i := 0; i < 50; i++ {
			for _, name := range []string{"bench_requests_total", "bench_latency_seconds"} {
				base = append(base, []prompb.Label{{Name: "__name__", Value: name}, {Name: "instance", Value: fmt.Sprintf("host-%d.example.com:9100", i)}, {Name: "job", Value: fmt.Sprintf("job-%d", j)}})
			}
		}
	}
	var reqs [][]prompb.TimeSeries
	made := 0
	for round := 0; made < total; round++ {
		for off := 0; off < len(base) && made < total; off += perReq {
			var req []prompb.TimeSeries
			for k := off; k < off+perReq && k < len(base) && made < total; k, made = k+1, made+1 {
				v := float64(round*10 + k%7)
				if k%2 == 1 {
					v = float64((k*7919+round*104729)%10000) / 1000
				}
				req = append(req, prompb.TimeSeries{Labels: base[k], Samples: []prompb.Sample{{Value: v, Timestamp: int64(1700000000000 + round*1000)}}})
			}
			reqs = append(reqs, req)
		}
	}
	best := 0.0
	for rep := 0; rep < 3; rep++ {
		as, err := streamaggr.LoadFromData(rules, func(tss []prompb.TimeSeries) {}, nil, "bench")
		if err != nil {
			panic(err)
		}
		var idx []uint32
		t := cpu()
		for _, r := range reqs {
			idx = as.Push(r, idx)
		}
		d := cpu() - t
		if best == 0 || d < best {
			best = d
		}
		as.MustStop()
	}
	fmt.Printf("%d %.6f\\n", made, best)
}
`;

const VM_MODULE = 'github.com/VictoriaMetrics/VictoriaMetrics';
const VM_VERSION = 'v1.151.0';

/** Builds the Go harness once into the tools cache; undefined (with the reason printed) when it cannot. */
function goHarness(): string | undefined {
  const out = path.join(TOOLS_BIN, 'bench-streamaggr-' + VM_VERSION);
  if (existsSync(out)) return out;
  const env = { ...process.env, GOPROXY: 'off', GOFLAGS: '-mod=mod', GOSUMDB: 'off' };
  const modcache = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8', env });
  if (modcache.status !== 0) {
    process.stdout.write('vmagent lib/streamaggr:      not measured (no go toolchain)\n');
    return undefined;
  }
  const esc = (m: string) => m.replace(/[A-Z]/g, (c) => '!' + c.toLowerCase());
  const root = modcache.stdout.trim();
  const src = path.join(root, `${esc(VM_MODULE)}@${VM_VERSION}`);
  if (!existsSync(src)) {
    process.stdout.write(`vmagent lib/streamaggr:      not measured (${VM_MODULE}@${VM_VERSION} not in the module cache)\n`);
    return undefined;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-streamaggr-'));
  try {
    // The main module must list every module the build needs (module graph pruning); take the library's own
    // requirements whose go.mod is cached, and its go.sum.
    const gomod = readFileSync(path.join(src, 'go.mod'), 'utf8');
    const reqs = [...gomod.matchAll(/^\t(\S+) (v\S+)/gm)].filter(([, m, v]) => existsSync(path.join(root, 'cache', 'download', esc(m!), '@v', `${v}.mod`)));
    const goLine = /^go (\S+)/m.exec(gomod)?.[1] ?? '1.26';
    writeFileSync(path.join(dir, 'go.mod'), `module benchstreamaggr\n\ngo ${goLine}\n\nrequire (\n\t${VM_MODULE} ${VM_VERSION}\n${reqs.map(([, m, v]) => `\t${m} ${v}\n`).join('')})\n`);
    writeFileSync(path.join(dir, 'go.sum'), readFileSync(path.join(src, 'go.sum')));
    writeFileSync(path.join(dir, 'main.go'), GO_HARNESS);
    mkdirSync(TOOLS_BIN, { recursive: true });
    const b = spawnSync('go', ['build', '-o', out, '.'], { cwd: dir, encoding: 'utf8', env, timeout: 600_000 });
    if (b.status !== 0) {
      process.stdout.write(`vmagent lib/streamaggr:      not measured (go build failed: ${(b.stderr || '').slice(-300)})\n`);
      return undefined;
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function libCost(): void {
  const bin = goHarness();
  if (!bin) return;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-aggr-'));
  try {
    writeFileSync(path.join(dir, 'rules.yaml'), RULES);
    const r = spawnSync(bin, [path.join(dir, 'rules.yaml'), String(SAMPLES)], { encoding: 'utf8', timeout: 600_000 });
    const [made, secs] = r.stdout.trim().split(' ').map(Number) as [number, number];
    process.stdout.write(`vmagent lib/streamaggr push: ${fmt(made / secs)} samples/CPU-s (${(secs * 1000).toFixed(0)} ms CPU)\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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

setFlagsFromString('--expose-gc');
/** Fetched once: every runInNewContext() call makes a new context, whose memory would skew the heap deltas. */
const gc = runInNewContext('gc') as () => void;

/** In its own frame, so no engine of an earlier measurement stays reachable from a stack slot. */
function measureState(rules: ReturnType<typeof parseAggregationConfigs>, series: TimeSeries[], now: number): { heap: number; groups: number; snap: number } {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const e = new AggregationEngine(rules, now);
  e.push(series, now);
  gc();
  gc();
  const heap = process.memoryUsage().heapUsed - before;
  return { heap, groups: e.groupCounts()[0]!, snap: e.snapshot().length };
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
      const { heap, groups, snap } = measureState(rules, series, now);
      const div = perGroup === 1 ? groups : N;
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
  await durableCost(parseAggregationConfigs(parseYaml(RULES)), requests, now, SAMPLES);
  libCost();
  const bin = builtToolPath('vmagent');
  try {
    let withRules = Infinity;
    let baseline = Infinity;
    for (let rep = 0; rep < 3; rep++) {
      withRules = Math.min(withRules, await vmagentCpu(bin, RULES, bodies));
      baseline = Math.min(baseline, await vmagentCpu(bin, BASELINE_RULES, bodies));
    }
    process.stdout.write(
      `vmagent process, HTTP + decode + aggregate: ${fmt(SAMPLES / withRules)} samples/CPU-s (${(withRules * 1000).toFixed(0)} ms CPU)\n` +
        `vmagent process, same without a matching rule: ${(baseline * 1000).toFixed(0)} ms CPU\n`,
    );
  } catch (e) {
    process.stdout.write(`vmagent: not measured (${(e as Error).message}; build it as test/helpers/tools.ts says)\n`);
  }
  stateSize();
}

await main();
