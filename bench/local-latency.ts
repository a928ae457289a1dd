/**
 * `node bench/local-latency.ts [workers...]` (default `0 1`): what the ingest worker setting of `npm start`
 * (`--ingest-workers`, lib/local/ingest-pool.ts) costs and buys, per setting, each in a fresh gateway process
 * started with `npm start`'s Node flags (+ BENCH_GW_NODE_ARGS):
 * - RSS of the idle process after start;
 * - the first and the second body of 4 MB (Influx, under the default max_body_bytes): wall time to the answer and
 *   process CPU (the first one starts the ingest worker when there is one);
 * - `/ping` round trips while BENCH_LATENCY_PUSHES (default 12) such bodies are pushed one after another: count,
 *   median, 99th percentile and largest wall time (what a health check or another small push waits), against the
 *   same pings on the idle process; CPU per sample of the pushes; peak RSS (VmHWM).
 * Queue delivery goes to a receiver in this process that answers 204. Wall times are context for the
 * latency question only; compare settings within one run.
 */
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../test/helpers/services.ts';
import { cpuSeconds, fmt, gatewayCommand, peakRssMiB, spawnQuiet, waitHttp } from './lib.ts';

const PUSHES = Number(process.env.BENCH_LATENCY_PUSHES ?? 12);
const settings = process.argv.slice(2).length ? process.argv.slice(2) : ['0', '1'];

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Influx lines up to just under 4,000,000 bytes, 5 fields each. */
function body(seed: number): { text: string; samples: number } {
  let s = '';
  let lines = 0;
  const base = Date.now() - 3_600_000;
  for (let i = 0; ; i++) {
    const l = `lat,host=host-${i % 1000},region=r${i % 7},team=t${(i + seed) % 13} f1=${i % 97},f2=${(i * 1.5) % 1000},f3=${i % 3}i,f4=${(i % 101) / 7},f5=${i} ${base + seed * 1000 + Math.floor(i / 1000)}000000\n`;
    if (s.length + l.length > 4_000_000) break;
    s += l;
    lines++;
  }
  return { text: s, samples: lines * 5 };
}

const quantile = (xs: number[], q: number): number => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

async function ping(url: string): Promise<number> {
  const t = performance.now();
  const r = await fetch(`${url}/ping`);
  await r.arrayBuffer();
  return performance.now() - t;
}

async function push(url: string, text: string): Promise<void> {
  const r = await fetch(`${url}/write`, { method: 'POST', body: text });
  if (r.status !== 204) throw new Error(`push answered ${r.status}: ${await r.text()}`);
}

async function measure(workers: string, rxUrl: string): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'gw-latency-'));
  const cfg = path.join(tmp, 'gateway.yaml');
  writeFileSync(cfg, `auth: {mode: none}\nremote_write:\n  - name: rx\n    url: ${rxUrl}/api/v1/write\n`);
  const port = await freePort();
  const gw = spawnQuiet(process.execPath, [...gatewayCommand(), '--config', cfg, '--port', String(port), '--data-dir', path.join(tmp, 'data'), '--ingest-workers', workers], { ...process.env, LOG_LEVEL: 'error' });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHttp(`${url}/metrics`);
    await new Promise((r) => setTimeout(r, 1500));
    const pid = gw.pid!;
    const idleRss = rssMiB(pid);
    const idlePings: number[] = [];
    for (let i = 0; i < 100; i++) idlePings.push(await ping(url));

    const bodies = Array.from({ length: PUSHES + 2 }, (_, i) => body(i));
    const single = async (text: string): Promise<[number, number]> => {
      const c = cpuSeconds(pid);
      const t = performance.now();
      await push(url, text);
      return [performance.now() - t, cpuSeconds(pid) - c];
    };
    const [firstMs, firstCpu] = await single(bodies[0]!.text);
    const [secondMs, secondCpu] = await single(bodies[1]!.text);

    const cpu0 = cpuSeconds(pid);
    let done = false;
    const pings: number[] = [];
    const pinger = (async () => {
      while (!done) pings.push(await ping(url));
    })();
    let samples = 0;
    for (const b of bodies.slice(2)) {
      await push(url, b.text);
      samples += b.samples;
    }
    done = true;
    await pinger;
    const cpu = cpuSeconds(pid) - cpu0;
    const ms = (x: number): string => `${x.toFixed(1)} ms`;
    process.stdout.write(
      `| ${workers} | ${idleRss.toFixed(0)} | ${ms(firstMs)} / ${firstCpu.toFixed(2)} s | ${ms(secondMs)} / ${secondCpu.toFixed(2)} s | ${ms(quantile(idlePings, 0.5))} / ${ms(Math.max(...idlePings))} | ${pings.length} | ${ms(quantile(pings, 0.5))} | ${ms(quantile(pings, 0.99))} | ${ms(Math.max(...pings))} | ${fmt(samples / cpu)} | ${peakRssMiB(pid).toFixed(0)} |\n`,
    );
  } finally {
    gw.kill();
    await new Promise((r) => gw.once('exit', r));
    rmSync(tmp, { recursive: true, force: true });
  }
}

const rx = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(204).end());
});
await new Promise<void>((r) => rx.listen(0, '127.0.0.1', () => r()));
const rxUrl = `http://127.0.0.1:${(rx.address() as { port: number }).port}`;
process.stdout.write(`${os.availableParallelism()} CPUs, ${os.cpus()[0]?.model}, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; ${PUSHES} pushes of ~4 MB\n`);
process.stdout.write('| --ingest-workers | idle RSS MiB | 1st 4 MB push: wall / CPU | 2nd | idle /ping p50 / max | pings during pushes | p50 | p99 | max | samples/CPU-s | peak RSS MiB |\n|---|---|---|---|---|---|---|---|---|---|---|\n');
try {
  for (const w of settings) await measure(w, rxUrl);
} finally {
  rx.close();
}
