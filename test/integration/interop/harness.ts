import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { openBackends } from '../../../lib/local/backends.ts';
import { startLocalRunner, type LocalRunner } from '../../../lib/local/runner.ts';
import { MemoryLogger } from '../../helpers/fakes.ts';
import { startVictoriaMetrics, type VictoriaMetrics } from '../../helpers/services.ts';
import { exportSeries, type Series } from '../differential/harness.ts';

/** The local runner (disk backends) delivering into a fresh VictoriaMetrics: what real clients push to. */
export interface GatewayWithVm {
  vm: VictoriaMetrics;
  runner: LocalRunner;
  close(): Promise<void>;
}

export async function startGatewayWithVm(): Promise<GatewayWithVm> {
  const vm = await startVictoriaMetrics();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gw-interop-'));
  const logger = new MemoryLogger();
  const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ name: 'vm', url: `${vm.url}/api/v1/write` }] });
  const runner = await startLocalRunner({ config, backends: await openBackends({ kind: 'disk', dataDir, maxMessageBytes: config.queue.maxMessageBytes, logger }), logger, host: '127.0.0.1', port: 0, retryDelayMs: 200 });
  return {
    vm,
    runner,
    async close() {
      await runner.close();
      await vm.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Polls `match` in VictoriaMetrics until `done` accepts the export, bounded by timeoutMs; the last export
 * is in the error. Real senders batch on their own clocks, so tests poll rather than sleep.
 */
export async function pollExport(vm: VictoriaMetrics, match: string, done: (s: Series[]) => boolean, timeoutMs = 30_000): Promise<Series[]> {
  const until = Date.now() + timeoutMs;
  let got: Series[] = [];
  while (Date.now() < until) {
    got = await exportSeries(vm, match);
    if (done(got)) return got;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${match}: not as expected after ${timeoutMs}ms; last export: ${JSON.stringify(got).slice(0, 2000)}`);
}

/** A scrape target serving a fixed body on /metrics. */
export async function serveMetrics(body: string): Promise<{ target: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    res.writeHead(req.url === '/metrics' ? 200 : 404, { 'content-type': 'text/plain; version=0.0.4' }).end(req.url === '/metrics' ? body : '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    target,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** A child process with its output kept (last 4 KB) for failure messages; stop() ends it (SIGTERM, then SIGKILL). */
export function startChild(cmd: string, args: string[], cwd: string): { proc: ChildProcess; log: () => string; stop(): Promise<void> } {
  const proc = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer): void => {
    out = (out + b.toString()).slice(-4000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  return {
    proc,
    log: () => out,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Requests per status the gateway answered for one protocol, from its own counters. */
export function statusesOf(runner: LocalRunner, protocol: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of runner.metrics.render().split('\n')) {
    const m = /^gateway_ingest_requests_total\{protocol="([^"]+)",status="(\d+)"\} (\d+)/.exec(line);
    if (m && m[1] === protocol) out[m[2]!] = Number(m[3]);
  }
  return out;
}
