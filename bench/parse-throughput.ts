/**
 * Shared timing for the parser benchmarks: runs `fn` (after one warm-up run) until at least `minCpuMs` of
 * CPU time (user + system, process.cpuUsage) is spent, and prints samples per CPU-second.
 */
import { countSamples, type TimeSeries } from '../lib/model/types.ts';

export function measure(name: string, bodyBytes: number, fn: () => { series: TimeSeries[] }, minCpuMs = 3000): void {
  const samples = countSamples(fn().series);
  let runs = 0;
  const start = process.cpuUsage();
  let cpuMs = 0;
  while (cpuMs < minCpuMs) {
    fn();
    runs++;
    const d = process.cpuUsage(start);
    cpuMs = (d.user + d.system) / 1000;
  }
  const perSec = (samples * runs) / (cpuMs / 1000);
  const mbPerSec = (bodyBytes * runs) / (cpuMs / 1000) / 1e6;
  console.log(
    `${name}: ${samples} samples, ${(bodyBytes / 1e6).toFixed(1)} MB body, ${runs} runs, ` +
      `${(perSec / 1e6).toFixed(2)} M samples per CPU-second (${mbPerSec.toFixed(0)} MB/CPU-s)`,
  );
}
