/**
 * `npm run bench`: parser throughput per protocol, then push path CPU efficiency side by side with vmagent.
 *
 * 1. Parsers: each bench/<protocol>-parse.ts module in this process, samples per CPU-second
 *    (BENCH_PARSE_CPU_MS per case, default 3000; BENCH_PARSE=0 skips this part).
 * 2. End to end: the same bodies POSTed to the gateway's local runner (a separate Node 22 process, embedded
 *    disk queue) and to vmagent 1.79.5, each remote-writing to its own VictoriaMetrics on loopback:
 *    Influx (BENCH_LINES lines x 5 fields, default 1M), remote_write (BENCH_RW_SAMPLES, default 2M) and
 *    Prometheus text (BENCH_PROM_SAMPLES, default 2M). For each, the CPU time (user + system, from /proc) the
 *    receiving process used until its VictoriaMetrics had every sample, samples per CPU-second, and the
 *    gateway / vmagent ratio. vmagent v1.151.0 (the current release) runs beside 1.79.5 when it is at
 *    ~/.cache/metrics-gateway/bin/vmagent (or BENCH_VMAGENT_NEW), each with its own VictoriaMetrics; peak RSS
 *    (VmHWM) of each process is printed after each workload. Wall-clock times are printed for context only.
 * BENCH_ROUNDS (default 1) repeats each workload that many times, the targets in a rotated order each round
 * (so a load trend on a shared machine does not always fall on the same one); the summary row then holds the
 * per-target sums (CPU seconds over all rounds) and the median of the per-round ratios is printed beside them.
 * BENCH_WORKLOADS (comma list of influx, remote_write, prometheus) picks workloads. The gateway runs as
 * `npm start` runs it, from the bundle with the same Node flags (bench/lib.ts gatewayCommand: BENCH_GW_NODE_ARGS
 * adds Node options, e.g. `--cpu-prof --cpu-prof-dir=DIR`; BENCH_GW_SOURCE=1 runs the sources instead).
 * The defaults take about 5 minutes on the 2-vCPU build machine.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startVictoriaMetrics, type VictoriaMetrics } from '../test/helpers/services.ts';
import { benchCsvParse } from './csv-parse.ts';
import { influxWorkload, measureWorkload, prometheusTextWorkload, remoteWriteWorkload, type Measurement, type Target } from './e2e.ts';
import { benchGraphiteParse } from './graphite-parse.ts';
import { benchInfluxParse } from './influx-parse.ts';
import { benchJsonlineParse } from './jsonline-parse.ts';
import { fmt, gatewayCommand, peakRssMiB, spawnQuiet, waitHttp } from './lib.ts';
import { benchOpenTsdbParse } from './opentsdb-parse.ts';
import { benchOtlpParse } from './otlp-parse.ts';
import type { ParseFigure } from './parse-throughput.ts';
import { benchPrometheusParse } from './prometheus-parse.ts';
import { benchRemoteWriteParse } from './remote-write-parse.ts';

const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const RW_SAMPLES = Number(process.env.BENCH_RW_SAMPLES ?? 2_000_000);
const PROM_SAMPLES = Number(process.env.BENCH_PROM_SAMPLES ?? 2_000_000);
const PARSE = process.env.BENCH_PARSE !== '0';
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));

function parsers(): ParseFigure[] {
  process.stdout.write('\n== parsers (one process, samples per CPU-second)\n');
  return [
    ...benchInfluxParse(),
    ...benchRemoteWriteParse(),
    ...benchPrometheusParse(undefined, false),
    ...benchJsonlineParse(),
    ...benchCsvParse(),
    ...benchOpenTsdbParse(),
    ...benchGraphiteParse(),
    ...benchOtlpParse(),
  ];
}

async function endToEnd(): Promise<Measurement[][]> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'gw-bench-'));
  const procs: { kill(): void }[] = [];
  const vms: VictoriaMetrics[] = [];
  try {
    const vmGw = await startVictoriaMetrics();
    const vmAgent = await startVictoriaMetrics();
    vms.push(vmGw, vmAgent);
    const newAgentBin = process.env.BENCH_VMAGENT_NEW ?? path.join(os.homedir(), '.cache/metrics-gateway/bin/vmagent');
    const vmAgentNew = existsSync(newAgentBin) ? await startVictoriaMetrics() : undefined;
    if (vmAgentNew) vms.push(vmAgentNew);

    const gwPort = await freePort();
    const cfg = path.join(tmp, 'gateway.yaml');
    writeFileSync(cfg, `auth: {mode: none}\nremote_write:\n  - name: vm\n    url: ${vmGw.url}/api/v1/write\n    queue_config:\n      max_samples_per_send: 10000\nqueue:\n  max_message_bytes: 1048576\n`);
    const gw = spawnQuiet(process.execPath, [...gatewayCommand(), '--config', cfg, '--port', String(gwPort), '--data-dir', path.join(tmp, 'gw-data')], { ...process.env, LOG_LEVEL: 'error' });
    procs.push(gw);
    await waitHttp(`http://127.0.0.1:${gwPort}/metrics`);

    const agentPort = await freePort();
    mkdirSync(path.join(tmp, 'vmagent'));
    const agent = spawnQuiet('vmagent', [`-httpListenAddr=127.0.0.1:${agentPort}`, `-remoteWrite.url=${vmAgent.url}/api/v1/write`, `-remoteWrite.tmpDataPath=${path.join(tmp, 'vmagent')}`, '-loggerLevel=ERROR']);
    procs.push(agent);
    await waitHttp(`http://127.0.0.1:${agentPort}/metrics`);

    const targets: Target[] = [
      { name: 'vmagent 1.79.5', pid: agent.pid!, url: `http://127.0.0.1:${agentPort}`, vm: vmAgent },
      { name: 'gateway (local runner, disk queue)', pid: gw.pid!, url: `http://127.0.0.1:${gwPort}`, vm: vmGw },
    ];
    if (vmAgentNew) {
      const newPort = await freePort();
      mkdirSync(path.join(tmp, 'vmagent-new'));
      const a = spawnQuiet(newAgentBin, [`-httpListenAddr=127.0.0.1:${newPort}`, `-remoteWrite.url=${vmAgentNew.url}/api/v1/write`, `-remoteWrite.tmpDataPath=${path.join(tmp, 'vmagent-new')}`, '-loggerLevel=ERROR']);
      procs.push(a);
      await waitHttp(`http://127.0.0.1:${newPort}/metrics`);
      targets.push({ name: 'vmagent v1.151.0', pid: a.pid!, url: `http://127.0.0.1:${newPort}`, vm: vmAgentNew });
    }
    const base = Date.now() - 3_600_000;
    const results: Measurement[][] = [];
    const only = (process.env.BENCH_WORKLOADS ?? 'influx,remote_write,prometheus').split(',');
    const all = { influx: () => influxWorkload(LINES, base), remote_write: () => remoteWriteWorkload(RW_SAMPLES, base), prometheus: () => prometheusTextWorkload(PROM_SAMPLES, base) };
    for (const make of Object.entries(all).filter(([k]) => only.includes(k)).map(([, f]) => f)) {
      const w = make();
      process.stdout.write(`\n== ${w.name}: ${fmt(w.samples)} samples in ${w.bodies.length} requests, to each target\n`);
      const rounds: Measurement[][] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const pair: Measurement[] = [];
        for (let k = 0; k < targets.length; k++) {
          const i = (k + r) % targets.length;
          pair[i] = await measureWorkload(targets[i]!, w);
        }
        rounds.push(pair);
        if (ROUNDS > 1) process.stdout.write(`-- round ${r + 1} of ${ROUNDS} (order: ${targets.map((_, k) => targets[(k + r) % targets.length]!.name).join(', ')})\n`);
        printPair(pair);
      }
      const pair = targets.map((_, i) => sumOf(rounds.map((p) => p[i]!)));
      results.push(pair);
      if (ROUNDS > 1) {
        process.stdout.write(`-- all ${ROUNDS} rounds (sums)\n`);
        printPair(pair);
        for (let i = 0; i < targets.length; i++) {
          if (i === 1) continue;
          process.stdout.write(`median of the per-round gateway / ${targets[i]!.name} ratios: ${median(rounds.map((p) => rate(p[1]!) / rate(p[i]!))).toFixed(3)} (each: ${rounds.map((p) => (rate(p[1]!) / rate(p[i]!)).toFixed(3)).join(', ')})\n`);
        }
      }
      process.stdout.write(`peak RSS so far (VmHWM): ${targets.map((t) => `${t.name} ${peakRssMiB(t.pid).toFixed(0)} MiB`).join(', ')}\n`);
    }
    return results;
  } finally {
    for (const p of procs) p.kill();
    for (const v of vms) await v.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

const rate = (m: Measurement): number => m.samples / m.cpu;

function sumOf(ms: Measurement[]): Measurement {
  return { ...ms[0]!, samples: ms.reduce((n, m) => n + m.samples, 0), cpu: ms.reduce((n, m) => n + m.cpu, 0), wall: ms.reduce((n, m) => n + m.wall, 0) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function printPair(pair: Measurement[]): void {
  process.stdout.write(`${'process'.padEnd(38)} ${'CPU s'.padStart(8)} ${'samples/CPU-s'.padStart(14)} ${'wall s'.padStart(8)}\n`);
  for (const r of pair) process.stdout.write(`${r.target.padEnd(38)} ${r.cpu.toFixed(2).padStart(8)} ${fmt(rate(r)).padStart(14)} ${r.wall.toFixed(1).padStart(8)}\n`);
  process.stdout.write(`gateway / vmagent 1.79.5 efficiency ratio: ${(rate(pair[1]!) / rate(pair[0]!)).toFixed(3)}\n`);
  if (pair[2]) process.stdout.write(`gateway / ${pair[2].target} efficiency ratio: ${(rate(pair[1]!) / rate(pair[2])).toFixed(3)}\n`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const figures = PARSE ? parsers() : [];
  const e2e = await endToEnd();
  const day = new Date().toISOString().slice(0, 10);
  process.stdout.write(`\n== summary (${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}; ${((Date.now() - started) / 1000).toFixed(0)} s), Markdown rows for bench/RESULTS.md\n`);
  for (const f of figures) process.stdout.write(`| ${day} | ${f.name} | ${fmt(f.samplesPerCpuSecond)} |\n`);
  for (const pair of e2e) {
    const [agent, gw, agentNew] = pair as [Measurement, Measurement, Measurement | undefined];
    const newer = agentNew ? ` ${agentNew.cpu.toFixed(2)} | ${fmt(rate(agentNew))} | ${(rate(gw) / rate(agentNew)).toFixed(3)} |` : '';
    process.stdout.write(`| ${day} | ${gw.workload} | ${fmt(gw.samples)} | ${agent.cpu.toFixed(2)} | ${fmt(rate(agent))} | ${gw.cpu.toFixed(2)} | ${fmt(rate(gw))} | ${(rate(gw) / rate(agent)).toFixed(3)} |${newer}\n`);
  }
}

await main();
