/**
 * The push path in one process (createIngest with the in-memory fakes: route, parse, finalize, pack, snappy;
 * no HTTP, no disk queue), for profiling with `--cpu-prof` and for quick A/B figures. Usage:
 *   npx node --max-semi-space-size=64 [--cpu-prof] bench/push-profile.ts influx|remote_write|prometheus [samples]
 * Prints samples per CPU-second (process.cpuUsage) of the measured rounds after one warm-up round.
 */
import { ingestHarness } from '../test/helpers/ingest.ts';
import { influxWorkload, prometheusTextWorkload, remoteWriteWorkload, type Workload } from './e2e.ts';
import { fmt } from './lib.ts';

const kind = process.argv[2] ?? 'influx';
const samples = Number(process.argv[3] ?? 1_000_000);
const base = Date.now() - 3_600_000;
const w: Workload = kind === 'remote_write' ? remoteWriteWorkload(samples, base) : kind === 'prometheus' ? prometheusTextWorkload(samples, base) : influxWorkload(samples / 5, base);
const h = ingestHarness({}, 1 << 20);

async function round(): Promise<void> {
  for (const b of w.bodies) {
    const res = await h.call('POST', w.path, b, w.headers);
    if (res.status !== 204) throw new Error(`${res.status} ${String(res.body).slice(0, 300)}`);
  }
  h.queue.sent.length = 0;
}

await round();
const rounds = Number(process.env.ROUNDS ?? 3);
const t0 = process.cpuUsage();
for (let i = 0; i < rounds; i++) await round();
const d = process.cpuUsage(t0);
const cpu = (d.user + d.system) / 1e6;
process.stdout.write(`${w.name} in process: ${fmt((w.samples * rounds) / cpu)} samples/CPU-s (${cpu.toFixed(2)} CPU s), peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB\n`);
