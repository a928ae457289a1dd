import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks at 100 Hz on Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Peak resident set size (VmHWM) of a process so far, in MiB. */
export function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * The gateway's command line as `npm start` runs it (package.json scripts.start): its Node flags, then
 * BENCH_GW_NODE_ARGS (later wins for a repeated V8 flag, e.g. `--max-semi-space-size=16`; `--cpu-prof
 * --cpu-prof-dir=DIR` to profile), then the bundle scripts/build-local.mjs builds; the caller appends the
 * runner's own arguments. BENCH_GW_SOURCE=1 runs lib/local/main.ts from source instead (the tests' way).
 */
export function gatewayCommand(): string[] {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.split(/\s+/);
  const flags = words.slice(words.lastIndexOf('node') + 1).filter((w) => w.startsWith('--'));
  const extra = (process.env.BENCH_GW_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const entry = process.env.BENCH_GW_SOURCE === '1' ? 'lib/local/main.ts' : execFileSync(process.execPath, ['scripts/build-local.mjs'], { cwd: root, encoding: 'utf8' }).trim();
  process.stdout.write(`gateway started as npm start does: node ${[...flags, ...extra, entry].join(' ')}\n`);
  return [...flags, ...extra, entry];
}

export function spawnQuiet(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  let err = '';
  p.stderr!.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-2000)));
  p.on('exit', (code) => {
    if (code && code !== 143 && code !== 130) process.stderr.write(`${cmd} exited ${code}: ${err}\n`);
  });
  return p;
}

export async function waitHttp(url: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not up`);
}

/** Reads one counter (summed over label sets) from a Prometheus /metrics page. */
export async function scrapeCounter(url: string, name: string, labelFilter = ''): Promise<number> {
  const text = await (await fetch(url)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(name) && (line[name.length] === '{' || line[name.length] === ' ') && line.includes(labelFilter)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(2);
}
