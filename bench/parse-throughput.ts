/**
 * Shared timing for the parser benchmarks: runs `fn` (after one warm-up run) until at least `minCpuMs` of
 * CPU time (user + system, process.cpuUsage) is spent, prints samples per CPU-second and returns the figure.
 * BENCH_PARSE_CPU_MS sets the default CPU time per case (3000).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { countSamples, type TimeSeries } from '../lib/model/types.ts';

export interface ParseFigure {
  name: string;
  samplesPerCpuSecond: number;
}

export function defaultMinCpuMs(): number {
  return Number(process.env.BENCH_PARSE_CPU_MS ?? 3000);
}

/** Calls fn until this process has spent minCpuMs of CPU (user + system) on it: how many calls, how much CPU. */
export function runForCpu(fn: () => unknown, minCpuMs: number): { runs: number; cpuMs: number } {
  let runs = 0;
  const start = process.cpuUsage();
  let cpuMs = 0;
  while (cpuMs < minCpuMs) {
    fn();
    runs++;
    const d = process.cpuUsage(start);
    cpuMs = (d.user + d.system) / 1000;
  }
  return { runs, cpuMs };
}

export function measure(name: string, bodyBytes: number, fn: () => { series: TimeSeries[] }, minCpuMs = defaultMinCpuMs()): ParseFigure {
  const samples = countSamples(fn().series);
  const { runs, cpuMs } = runForCpu(fn, minCpuMs);
  const perSec = (samples * runs) / (cpuMs / 1000);
  const mbPerSec = (bodyBytes * runs) / (cpuMs / 1000) / 1e6;
  console.log(
    `${name}: ${samples} samples, ${(bodyBytes / 1e6).toFixed(1)} MB body, ${runs} runs, ` +
      `${(perSec / 1e6).toFixed(2)} M samples per CPU-second (${mbPerSec.toFixed(0)} MB/CPU-s)`,
  );
  return { name, samplesPerCpuSecond: perSec };
}

/** True when the module at `metaUrl` is the script node was started with (so a bench module runs alone too). */
export function isMain(metaUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(path.resolve(script)).href === metaUrl;
}
