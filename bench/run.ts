/**
 * `npm run bench`: push path CPU efficiency, side by side with vmagent in the same run.
 *
 * The same generated Influx body (LINES lines x 5 fields; 1M lines by default, BENCH_LINES to change) is
 * POSTed in chunks to the gateway's local runner (a separate Node 22 process, embedded disk queue) and to
 * vmagent; each remote-writes to its own VictoriaMetrics on loopback. For each, the CPU time (user +
 * system, from /proc) its process used from the first request until the VictoriaMetrics behind it had
 * every sample, and samples per CPU-second. Wall-clock times are printed for context only.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startVictoriaMetrics, type VictoriaMetrics } from '../test/helpers/services.ts';
import { cpuSeconds, fmt, scrapeCounter, spawnQuiet, waitHttp } from './lib.ts';

const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const FIELDS = 5;
const CHUNK = 10_000;

function influxChunks(): string[] {
  const chunks: string[] = [];
  const base = Date.now() - 3_600_000;
  for (let c = 0; c < LINES; c += CHUNK) {
    let s = '';
    for (let i = c; i < Math.min(LINES, c + CHUNK); i++) {
      s += `bench,host=host-${i % 1000},region=r${i % 7},team=t${i % 13} f1=${i % 97},f2=${(i * 1.5) % 1000},f3=${i % 3}i,f4=${(i % 101) / 7},f5=${i} ${base + Math.floor(i / 1000)}000000\n`;
    }
    chunks.push(s);
  }
  return chunks;
}

interface Result {
  name: string;
  samples: number;
  cpu: number;
  wall: number;
}

async function measure(name: string, pid: number, url: string, vm: VictoriaMetrics, chunks: string[]): Promise<Result> {
  const expected = LINES * FIELDS;
  const cpu0 = cpuSeconds(pid);
  const t0 = Date.now();
  const inflight: Promise<void>[] = [];
  for (const body of chunks) {
    const p = fetch(url, { method: 'POST', body }).then(async (r) => {
      if (r.status !== 204) throw new Error(`${name}: ${r.status} ${await r.text()}`);
    });
    inflight.push(p);
    if (inflight.length >= 4) await inflight.shift();
  }
  await Promise.all(inflight);
  const deadline = Date.now() + 600_000;
  let got = 0;
  while (Date.now() < deadline) {
    got = await scrapeCounter(`${vm.url}/metrics`, 'vm_rows_inserted_total', 'type="promremotewrite"');
    if (got >= expected) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const wall = (Date.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  if (got < expected) throw new Error(`${name}: VictoriaMetrics got ${got} of ${expected} samples`);
  return { name, samples: expected, cpu, wall };
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'gw-bench-'));
  const procs: { kill(): void }[] = [];
  const vms: VictoriaMetrics[] = [];
  try {
    process.stdout.write(`generating ${fmt(LINES)} Influx lines x ${FIELDS} fields...\n`);
    const chunks = influxChunks();
    const vmGw = await startVictoriaMetrics();
    const vmAgent = await startVictoriaMetrics();
    vms.push(vmGw, vmAgent);

    const gwPort = await freePort();
    const cfg = path.join(tmp, 'gateway.yaml');
    writeFileSync(cfg, `auth: {mode: none}\nremote_write:\n  - name: vm\n    url: ${vmGw.url}/api/v1/write\n    queue_config:\n      max_samples_per_send: 10000\nqueue:\n  max_message_bytes: 1048576\n`);
    const gw = spawnQuiet(process.execPath, ['--max-semi-space-size=64', 'lib/local/main.ts', '--config', cfg, '--port', String(gwPort), '--data-dir', path.join(tmp, 'gw-data')], { ...process.env, LOG_LEVEL: 'error' });
    procs.push(gw);
    await waitHttp(`http://127.0.0.1:${gwPort}/metrics`);

    const agentPort = await freePort();
    mkdirSync(path.join(tmp, 'vmagent'));
    const agent = spawnQuiet('vmagent', [`-httpListenAddr=127.0.0.1:${agentPort}`, `-remoteWrite.url=${vmAgent.url}/api/v1/write`, `-remoteWrite.tmpDataPath=${path.join(tmp, 'vmagent')}`, '-loggerLevel=ERROR']);
    procs.push(agent);
    await waitHttp(`http://127.0.0.1:${agentPort}/metrics`);

    const results = [
      await measure('vmagent 1.79.5', agent.pid!, `http://127.0.0.1:${agentPort}/write`, vmAgent, chunks),
      await measure('gateway (local runner, disk queue)', gw.pid!, `http://127.0.0.1:${gwPort}/write`, vmGw, chunks),
    ];
    const rate = (r: Result): number => r.samples / r.cpu;
    process.stdout.write(`\nInflux push -> remote_write, ${fmt(LINES * FIELDS)} samples each, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})\n`);
    process.stdout.write(`${'process'.padEnd(38)} ${'CPU s'.padStart(8)} ${'samples/CPU-s'.padStart(14)} ${'wall s'.padStart(8)}\n`);
    for (const r of results) process.stdout.write(`${r.name.padEnd(38)} ${r.cpu.toFixed(2).padStart(8)} ${fmt(rate(r)).padStart(14)} ${r.wall.toFixed(1).padStart(8)}\n`);
    process.stdout.write(`gateway / vmagent efficiency ratio: ${(rate(results[1]!) / rate(results[0]!)).toFixed(3)}\n`);
  } finally {
    for (const p of procs) p.kill();
    for (const v of vms) await v.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
