import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

/**
 * Real services for integration tests, each on a free loopback port with its own temp directory, stopped
 * by the returned stop(). When a binary is missing the test is skipped, except with CI=true, where a
 * missing service is a failure.
 */
/**
 * A loopback port for a service a test spawns, below the kernel's ephemeral range. A port the kernel hands
 * out for listen(0) is one it can hand out again, to any outgoing connection (every fetch takes one), in the
 * moment between our check and the service's own bind: the service then exits with "address already in
 * use", or worse, the readiness probe reaches another test's service. Ports below the ephemeral range are
 * never taken by outgoing connections; one picked at random, checked free on 127.0.0.1, and never handed out
 * twice by this process leaves only two test files picking the same one in the same instant.
 */
export async function freePort(): Promise<number> {
  const [low, high] = portRange();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (handedOut.has(port)) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free loopback port in ${low}-${high} after 200 attempts`);
}

const handedOut = new Set<number>();

/** 15000 up to the start of the ephemeral range (net.ipv4.ip_local_port_range, 32768 when unreadable). */
function portRange(): [number, number] {
  let ephemeralLow = 32768;
  try {
    ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || ephemeralLow;
  } catch {
    /* not Linux: keep the usual start */
  }
  return ephemeralLow > 16000 ? [15000, ephemeralLow] : [40000, 60000];
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export function haveBinary(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** Skips the test (returns false) when cmd is missing, or throws under CI=true. */
export function requireBinary(t: TestContext, cmd: string, install: string): boolean {
  if (haveBinary(cmd)) return true;
  if (process.env.CI === 'true') throw new Error(`${cmd} is required under CI=true (install: ${install})`);
  t.skip(`${cmd} not installed (${install})`);
  return false;
}

export interface Service {
  url: string;
  port: number;
  proc: ChildProcess;
  stop(): Promise<void>;
}

async function waitFor(url: string, proc: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`${url}: process exited with ${proc.exitCode}: ${log()}`);
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up within ${timeoutMs}ms: ${log()}`);
}

function startProcess(cmd: string, args: string[], dir: string): { proc: ChildProcess; log: () => string } {
  const proc = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer): void => {
    out = (out + b.toString()).slice(-4000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  return { proc, log: () => out };
}

async function stopProcess(proc: ChildProcess, dir: string): Promise<void> {
  if (proc.exitCode === null) {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Starts a service on `port`, or on a free port with up to three tries: a service that exits while starting
 * (another test's service took the port in the instant between freePort's check and its bind) is started
 * again on another port. A fixed port is tried once.
 */
async function onFreePort(port: number | undefined, start: (p: number) => { proc: ChildProcess; ready: Promise<void> }): Promise<{ p: number; proc: ChildProcess }> {
  for (let attempt = 1; ; attempt++) {
    const p = port ?? (await freePort());
    const { proc, ready } = start(p);
    try {
      await ready;
      return { p, proc };
    } catch (err) {
      if (port !== undefined || attempt >= 3 || proc.exitCode === null) {
        if (proc.exitCode === null) proc.kill('SIGKILL');
        throw err;
      }
    }
  }
}

export interface VictoriaMetrics extends Service {
  /** Every sample VictoriaMetrics holds for the selector, after a flush, as export JSON lines. */
  exportSeries(match?: string): Promise<ExportedSeries[]>;
}

export interface ExportedSeries {
  metric: Record<string, string>;
  values: (number | null)[];
  timestamps: number[];
}

/** extraArgs: more flags, e.g. `-opentsdbHTTPListenAddr=...` for the differential tests. */
export async function startVictoriaMetrics(port?: number, dataDir?: string, extraArgs: string[] = []): Promise<VictoriaMetrics> {
  const dir = dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'vm-'));
  const { p, proc } = await onFreePort(port, (p) => {
    const { proc, log } = startProcess('victoria-metrics', [`-httpListenAddr=127.0.0.1:${p}`, `-storageDataPath=${dir}`, '-retentionPeriod=100y', '-search.latencyOffset=0s', '-loggerLevel=ERROR', ...extraArgs], dir);
    return { proc, ready: waitFor(`http://127.0.0.1:${p}/health`, proc, 20_000, log) };
  });
  const url = `http://127.0.0.1:${p}`;
  return {
    url,
    port: p,
    proc,
    stop: () => stopProcess(proc, dataDir ? mkdtempSync(path.join(os.tmpdir(), 'gone-')) : dir),
    async exportSeries(match = '{__name__!=""}') {
      await fetch(`${url}/internal/force_flush`);
      const res = await fetch(`${url}/api/v1/export?match[]=${encodeURIComponent(match)}&start=0`);
      const text = await res.text();
      if (res.status !== 200) throw new Error(`export failed: ${res.status} ${text}`);
      return text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ExportedSeries)
        .sort((a, b) => (JSON.stringify(a.metric) < JSON.stringify(b.metric) ? -1 : 1));
    },
  };
}

/** moto server: an AWS endpoint emulator (pip install "moto[server]"). */
export async function startMoto(): Promise<Service> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'moto-'));
  const { p, proc } = await onFreePort(undefined, (p) => {
    const { proc, log } = startProcess('moto_server', ['-H', '127.0.0.1', '-p', String(p)], dir);
    return { proc, ready: waitFor(`http://127.0.0.1:${p}/moto-api/`, proc, 30_000, log) };
  });
  const url = `http://127.0.0.1:${p}`;
  return { url, port: p, proc, stop: () => stopProcess(proc, dir) };
}

/**
 * LocalStack without Docker: `localstack-core[runtime]` in a Python 3.12+ venv (.ci/run makes it in
 * ~/.cache/metrics-gateway/localstack-venv, or GATEWAY_LOCALSTACK_VENV), run as `python -m
 * localstack.runtime.main` on the host. No auth token: the runtime does not ask for one (the `localstack`
 * CLI does).
 */
export const LOCALSTACK_VENV = process.env.GATEWAY_LOCALSTACK_VENV ?? path.join(os.homedir(), '.cache', 'metrics-gateway', 'localstack-venv');
export const LOCALSTACK_INSTALL = 'python3.13 -m venv ~/.cache/metrics-gateway/localstack-venv && pip install "localstack-core[runtime]==2026.3.0" "cbor2<6" "pyopenssl<25" "cryptography<45" "service_identity<25" "joserfc<1.8" (.ci/run does it)';

export function haveLocalStack(): boolean {
  return existsSync(path.join(LOCALSTACK_VENV, 'bin', 'python'));
}

export interface LocalStack extends Service {
  /** Its filesystem root (FILESYSTEM_ROOT): etc/localstack/init/ready.d holds the init hooks. */
  root: string;
  logs(): string;
}

export interface LocalStackOptions {
  /** More environment for LocalStack (e.g. LAMBDA_RUNTIME_EXECUTOR, PYTHONPATH for a plugin). */
  env?: Record<string, string>;
  /** Files copied into <root>/etc/localstack/init/ready.d, run once LocalStack is ready (as in the container). */
  readyHooks?: string[];
  /** PATH entries put first for LocalStack and its init hooks (e.g. an `awslocal`). */
  path?: string[];
}

/**
 * LocalStack on a free loopback port, in its own process group and filesystem root (a temp directory: no
 * /var/lib/localstack shared between instances), DNS server off, no network calls at start. Resolves once
 * it logged `Ready.` (and its init hooks, if any, have run). About 4 s; 120-700 MB. One thing is not per
 * instance: LocalStack's S3 keeps objects under the fixed /tmp/localstack-s3-storage/<bucket>, so tests
 * running at the same time use distinct bucket names (only the init-hook test uses `metrics-gateway`).
 */
export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const python = path.join(LOCALSTACK_VENV, 'bin', 'python');
  let last = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const p = await freePort();
    const root = mkdtempSync(path.join(os.tmpdir(), 'localstack-'));
    // Its temp files (Lambda code is unzipped under $TMPDIR/lambda) go with the root at stop().
    mkdirSync(path.join(root, 'tmp'));
    if (opts.readyHooks?.length) {
      const dir = path.join(root, 'etc', 'localstack', 'init', 'ready.d');
      mkdirSync(dir, { recursive: true });
      for (const f of opts.readyHooks) copyFileSync(f, path.join(dir, path.basename(f)));
    }
    const env = {
      ...process.env,
      PATH: [...(opts.path ?? []), process.env.PATH ?? '/usr/bin:/bin'].join(path.delimiter),
      GATEWAY_LISTEN: `127.0.0.1:${p}`,
      // The host, not a container (these machines are containers: LocalStack would write to /var/lib/localstack).
      OVERRIDE_IN_DOCKER: '0',
      FILESYSTEM_ROOT: root,
      TMPDIR: path.join(root, 'tmp'),
      DNS_ADDRESS: '0',
      SKIP_SSL_CERT_DOWNLOAD: '1',
      DISABLE_EVENTS: '1',
      LOCALSTACK_HOST: `localhost.localstack.cloud:${p}`,
      ...opts.env,
    };
    delete (env as Record<string, string | undefined>).AWS_ENDPOINT_URL;
    const proc = spawn(python, ['-m', 'localstack.runtime.main'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (b: Buffer): void => {
      out = (out + b.toString()).slice(-65536);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    const url = `http://127.0.0.1:${p}`;
    const stop = async (): Promise<void> => {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        killGroup(proc, 'SIGTERM');
        const t = setTimeout(() => killGroup(proc, 'SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
      killGroup(proc, 'SIGKILL'); // whatever it started (Lambda runtimes, init hooks)
      rmSync(root, { recursive: true, force: true });
    };
    try {
      for (let waited = 0; !/^Ready\.$/m.test(out); waited += 100) {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`LocalStack exited with ${proc.exitCode ?? proc.signalCode}`);
        if (waited > 90_000) throw new Error('LocalStack did not log Ready. within 90 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      if (opts.readyHooks?.length) {
        // /_localstack/init/ready lists each hook's state: done once none is UNKNOWN or RUNNING.
        for (let waited = 0; ; waited += 100) {
          const res = (await (await fetch(`${url}/_localstack/init/ready`)).json()) as { completed: boolean; scripts: { state: string; name: string }[] };
          if (res.completed && res.scripts.every((s) => s.state === 'SUCCESSFUL' || s.state === 'ERROR')) break;
          if (waited > 60_000) throw new Error(`LocalStack init hooks did not finish: ${JSON.stringify(res)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      return { url, port: p, proc, root, logs: () => out, stop };
    } catch (err) {
      last = `${(err as Error).message}\n${out.slice(-3000)}`;
      await stop();
      if (!/address already in use/i.test(out)) break;
    }
  }
  throw new Error(`LocalStack did not start: ${last}`);
}

/** Sends SIGTERM/SIGKILL to a process's whole group (it was spawned detached). */
export function killGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (proc.pid !== undefined) process.kill(-proc.pid, signal);
  } catch {
    /* gone */
  }
}

/** The AWS endpoint to test against: AWS_ENDPOINT_URL (LocalStack) when set, else a fresh moto server. */
export async function startAwsEndpoint(t: TestContext): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  if (process.env.AWS_ENDPOINT_URL) return { url: process.env.AWS_ENDPOINT_URL, stop: async () => undefined };
  if (!requireBinary(t, 'moto_server', 'pip install "moto[server]"')) return undefined;
  return startMoto();
}

/** Credentials for emulators; they accept any. */
export function useFakeAwsCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  process.env.AWS_REGION ??= 'us-east-1';
}

export interface Prometheus extends Service {
  /** Every sample of the series matching selector within the last `range` before `at` (ms), per series. */
  rangeQuery(selector: string, at: number, range?: string): Promise<{ metric: Record<string, string>; values: [number, string][] }[]>;
  /** Sum of a counter of Prometheus' own /metrics over all its label sets (0 when absent). */
  selfCounter(name: string): Promise<number>;
}

/**
 * Prometheus (Debian package `prometheus`, 2.42) as a remote_write receiver: `/api/v1/write`, which answers
 * 400 for samples older than the newest one of their series ("out of order sample"). No scrape jobs.
 * Callers check requireBinary(t, 'prometheus', 'apt-get install prometheus') first.
 */
export async function startPrometheus(): Promise<Prometheus> {
  const p = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prom-'));
  writeFileSync(path.join(dir, 'prometheus.yml'), 'global: {}\n');
  const { proc, log } = startProcess(
    'prometheus',
    ['--web.enable-remote-write-receiver', `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${p}`, `--config.file=${path.join(dir, 'prometheus.yml')}`, '--storage.tsdb.retention.time=100y', '--log.level=warn'],
    dir,
  );
  const url = `http://127.0.0.1:${p}`;
  await waitFor(`${url}/-/ready`, proc, 30_000, log);
  for (let i = 0; i < 100 && (await fetch(`${url}/-/ready`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
  return {
    url,
    port: p,
    proc,
    stop: () => stopProcess(proc, dir),
    async rangeQuery(selector, at, range = '1h') {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(`${selector}[${range}]`)}&time=${at / 1000}`);
      const body = (await res.json()) as { status: string; data: { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] }; error?: string };
      if (body.status !== 'success') throw new Error(`query failed: ${res.status} ${body.error ?? ''}`);
      return body.data.result;
    },
    async selfCounter(name) {
      const text = await (await fetch(`${url}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n')) if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      return sum;
    },
  };
}
