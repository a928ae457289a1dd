import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { openBackends } from '../../../lib/local/backends.ts';
import { startLocalRunner, type LocalRunner } from '../../../lib/local/runner.ts';
import { MemoryLogger } from '../../helpers/fakes.ts';
import { freePort, startVictoriaMetrics, type VictoriaMetrics } from '../../helpers/services.ts';

/**
 * The differential oracle: VictoriaMetrics 1.79.5 fed directly ("direct") beside the gateway's local runner
 * (disk backends) remote-writing into a second VictoriaMetrics ("gateway"). The same payload goes to both and
 * /api/v1/export is compared series by series: labels, values and timestamps exactly.
 */
export interface Differential {
  direct: VictoriaMetrics;
  viaGateway: VictoriaMetrics;
  runner: LocalRunner;
  /** VictoriaMetrics' OpenTSDB HTTP listener (`-opentsdbHTTPListenAddr`), serving /api/put. */
  opentsdbUrl: string;
  /** VictoriaMetrics' Graphite TCP listener (`-graphiteListenAddr`). */
  graphitePort: number;
  close(): Promise<void>;
}

export async function startDifferential(): Promise<Differential> {
  const opentsdbPort = await freePort();
  const graphitePort = await freePort();
  const direct = await startVictoriaMetrics(undefined, undefined, [`-opentsdbHTTPListenAddr=127.0.0.1:${opentsdbPort}`, `-graphiteListenAddr=127.0.0.1:${graphitePort}`]);
  const viaGateway = await startVictoriaMetrics();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gw-diff-'));
  const logger = new MemoryLogger();
  const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ name: 'vm', url: `${viaGateway.url}/api/v1/write` }] });
  const runner = await startLocalRunner({ config, backends: await openBackends({ kind: 'disk', dataDir, maxMessageBytes: config.queue.maxMessageBytes, logger }), logger, host: '127.0.0.1', port: 0 });
  return {
    direct,
    viaGateway,
    runner,
    opentsdbUrl: `http://127.0.0.1:${opentsdbPort}`,
    graphitePort,
    async close() {
      await runner.close();
      await direct.stop();
      await viaGateway.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Series {
  metric: Record<string, string>;
  /** Numbers as VictoriaMetrics exports them, ±Inf as numbers; null is a staleness marker (VictoriaMetrics exports it so). */
  values: (number | null)[];
  timestamps: number[];
}

/**
 * Every series matching `match`, read with /api/v1/export after a flush, sorted by labels. VictoriaMetrics
 * writes ±Inf as bare `+Inf` / `-Inf` (not JSON), so the values array is parsed by hand.
 */
export async function exportSeries(vm: VictoriaMetrics, match: string): Promise<Series[]> {
  await fetch(`${vm.url}/internal/force_flush`);
  const res = await fetch(`${vm.url}/api/v1/export`, { method: 'POST', body: new URLSearchParams({ 'match[]': match, start: '0' }) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`export from ${vm.url}: ${res.status} ${text}`);
  const out: Series[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const at = line.lastIndexOf(',"values":[');
    const metric = (JSON.parse(line.slice(0, at) + '}') as { metric: Record<string, string> }).metric;
    const rest = JSON.parse(`{${line.slice(at + 1).replace(/([[,])([+-]?Inf|NaN)(?=[,\]])/g, '$1"$2"')}`) as { values: (number | string | null)[]; timestamps: number[] };
    const values = rest.values.map((v) => (typeof v !== 'string' ? v : v === 'NaN' ? NaN : v.startsWith('-') ? -Infinity : Infinity));
    out.push({ metric: sortKeys(metric), values, timestamps: rest.timestamps });
  }
  return out.sort((a, b) => cmp(seriesKey(a.metric), seriesKey(b.metric)));
}

export function seriesKey(metric: Record<string, string>): string {
  return JSON.stringify(sortKeys(metric));
}

function sortKeys(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => cmp(a, b)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Every difference between two exports, one readable line each; [] when they hold the same series with the
 * same samples. Samples are compared in time order (VictoriaMetrics exports them sorted).
 */
export function diffSeries(direct: Series[], gateway: Series[]): string[] {
  const problems: string[] = [];
  const byKey = new Map(gateway.map((s) => [seriesKey(s.metric), s]));
  for (const d of direct) {
    const key = seriesKey(d.metric);
    const g = byKey.get(key);
    if (!g) {
      problems.push(`only direct: ${key} ${JSON.stringify(samples(d))}`);
      continue;
    }
    byKey.delete(key);
    const a = JSON.stringify(samples(d));
    const b = JSON.stringify(samples(g));
    if (a !== b) problems.push(`differs: ${key}: direct ${a} gateway ${b}`);
  }
  for (const [key, g] of byKey) problems.push(`only gateway: ${key} ${JSON.stringify(samples(g))}`);
  return problems;
}

function samples(s: Series): [number, string][] {
  return s.timestamps.map((t, i) => [t, s.values[i] === null ? 'stale' : String(s.values[i])]);
}

/** POSTs to both targets and returns both statuses. */
export async function postBoth(directUrl: string, gatewayUrl: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<{ direct: number; gateway: number; gatewayBody: string }> {
  const d = await fetch(directUrl, { method: 'POST', body, headers });
  await d.arrayBuffer();
  const g = await fetch(gatewayUrl, { method: 'POST', body, headers });
  return { direct: d.status, gateway: g.status, gatewayBody: await g.text() };
}

/** Sends Graphite plaintext over TCP (VictoriaMetrics' only Graphite transport) and closes the connection. */
export async function sendGraphiteTcp(port: number, body: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.end(body));
    sock.once('error', reject);
    sock.once('close', () => resolve());
  });
}

/**
 * Polls until `match` has `want` series (and at least `wantSamples` samples) in `vm`, bounded by timeoutMs: TCP
 * ingestion has no response to wait for, and a series new today can take a moment to become searchable.
 */
export async function waitForSeries(vm: VictoriaMetrics, match: string, want: number, timeoutMs = 15_000, wantSamples = 0): Promise<Series[]> {
  const until = Date.now() + timeoutMs;
  let got: Series[] = [];
  while (Date.now() < until) {
    got = await exportSeries(vm, match);
    if (got.length >= want && got.reduce((n, s) => n + s.values.length, 0) >= wantSamples) return got;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${vm.url}: ${got.length} of ${want} series for ${match} after ${timeoutMs}ms`);
}
