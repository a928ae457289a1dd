/**
 * End-to-end push workloads for `npm run bench`: the same bodies are POSTed (4 requests in flight) to the
 * gateway's local runner and to vmagent, each remote-writing to its own VictoriaMetrics; a measurement is the
 * CPU time (user + system, /proc) of the receiving process from the first request until its VictoriaMetrics
 * has every sample.
 */
import type { VictoriaMetrics } from '../test/helpers/services.ts';
import { cpuSeconds, scrapeCounter } from './lib.ts';
import { remoteWriteBody } from './remote-write-parse.ts';

export interface Workload {
  name: string;
  path: string;
  headers: Record<string, string>;
  bodies: (string | Uint8Array)[];
  samples: number;
}

export interface Target {
  name: string;
  pid: number;
  url: string;
  vm: VictoriaMetrics;
}

export interface Measurement {
  workload: string;
  target: string;
  samples: number;
  cpu: number;
  wall: number;
}

/** `lines` Influx lines x 5 fields, 10,000 lines per request. */
export function influxWorkload(lines: number, base: number): Workload {
  const bodies: string[] = [];
  for (let c = 0; c < lines; c += 10_000) {
    let s = '';
    for (let i = c; i < Math.min(lines, c + 10_000); i++) {
      s += `bench,host=host-${i % 1000},region=r${i % 7},team=t${i % 13} f1=${i % 97},f2=${(i * 1.5) % 1000},f3=${i % 3}i,f4=${(i % 101) / 7},f5=${i} ${base + Math.floor(i / 1000)}000000\n`;
    }
    bodies.push(s);
  }
  return { name: 'Influx /write', path: '/write', headers: {}, bodies, samples: lines * 5 };
}

/**
 * `samples` remote_write samples as Prometheus sends them: 2,000 series x 1 sample per request (8 labels),
 * 100k distinct series, each getting a newer sample every 50 requests.
 */
export function remoteWriteWorkload(samples: number, base: number): Workload {
  const bodies: Uint8Array[] = [];
  for (let r = 0; r * 2000 < samples; r++) bodies.push(remoteWriteBody(2000, 1, base + r * 1000, (r % 50) * 2000));
  const headers = { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf', 'x-prometheus-remote-write-version': '0.1.0' };
  return { name: 'remote_write /api/v1/write', path: '/api/v1/write', headers, bodies, samples: bodies.length * 2000 };
}

/** `samples` lines of Prometheus text with millisecond timestamps, 10,000 lines per request. */
export function prometheusTextWorkload(samples: number, base: number): Workload {
  const modes = ['user', 'system', 'idle', 'iowait'];
  const bodies: string[] = [];
  for (let c = 0; c < samples; c += 10_000) {
    let s = '';
    for (let i = c; i < Math.min(samples, c + 10_000); i++) {
      s += `bench_prom_metric_${i % 50}{instance="host-${i % 1000}:9100",job="node",mode="${modes[i % 4]}",series="${i % 100_000}"} ${(i % 1000) / 8} ${base + Math.floor(i / 100_000) * 1000}\n`;
    }
    bodies.push(s);
  }
  return { name: 'Prometheus text /api/v1/import/prometheus', path: '/api/v1/import/prometheus', headers: {}, bodies, samples };
}

/** Pushes the workload to the target and waits (at most 10 minutes) until its VictoriaMetrics has every sample. */
export async function measureWorkload(target: Target, w: Workload): Promise<Measurement> {
  const counter = (): Promise<number> => scrapeCounter(`${target.vm.url}/metrics`, 'vm_rows_inserted_total', 'type="promremotewrite"');
  const before = await counter();
  const cpu0 = cpuSeconds(target.pid);
  const t0 = Date.now();
  const inflight: Promise<void>[] = [];
  for (const body of w.bodies) {
    const p = fetch(`${target.url}${w.path}`, { method: 'POST', body, headers: w.headers }).then(async (r) => {
      if (r.status !== 204) throw new Error(`${target.name} ${w.name}: ${r.status} ${await r.text()}`);
    });
    inflight.push(p);
    if (inflight.length >= 4) await inflight.shift();
  }
  await Promise.all(inflight);
  const deadline = Date.now() + 600_000;
  let got = 0;
  while (Date.now() < deadline) {
    got = (await counter()) - before;
    if (got >= w.samples) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const wall = (Date.now() - t0) / 1000;
  const cpu = cpuSeconds(target.pid) - cpu0;
  if (got < w.samples) throw new Error(`${target.name} ${w.name}: VictoriaMetrics got ${got} of ${w.samples} samples`);
  return { workload: w.name, target: target.name, samples: w.samples, cpu, wall };
}
