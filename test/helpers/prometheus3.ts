import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './services.ts';
import { startGroup, type GroupProcess } from './process-group.ts';

/**
 * Prometheus 3 (built by .ci/run into the tools cache; find it with requireBuiltTool(t, 'prometheus')) as a
 * remote_write receiver or an agent, and a Python OpenMetrics target with exemplars. Every process runs under
 * `timeout` in its own process group (bounded in time even if a test dies) and is stopped as a group.
 */
export interface Proc {
  url: string;
  port: number;
  proc: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

const LIFETIME_S = 600;

function startIn(cmd: string, args: string[], dir: string): GroupProcess {
  return startGroup(cmd, args, { cwd: dir, lifetimeS: LIFETIME_S });
}

async function stopIn(g: GroupProcess, dir: string): Promise<void> {
  await g.stop();
  rmSync(dir, { recursive: true, force: true });
}

async function waitReady(url: string, proc: ChildProcess, log: () => string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`${url}: exited with ${proc.exitCode}: ${log()}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready within ${timeoutMs}ms: ${log()}`);
}

export interface Prometheus3Receiver extends Proc {
  /** Every float sample and native histogram of every series, over the last `range` before `at` (ms). */
  dump(at: number, range?: string): Promise<DumpedSeries[]>;
  /** Every exemplar in [start, end] (ms). */
  exemplars(start: number, end: number): Promise<DumpedExemplars[]>;
}

export interface DumpedSeries {
  metric: Record<string, string>;
  values?: [number, string][];
  histograms?: [number, unknown][];
}

export interface DumpedExemplars {
  seriesLabels: Record<string, string>;
  exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
}

export interface ReceiverOptions {
  /** Also receive OTLP/HTTP at /api/v1/otlp/v1/metrics (`--web.enable-otlp-receiver`) with this `otlp.translation_strategy`. */
  otlpTranslationStrategy?: string;
  /** Store a zero sample at each start (created) timestamp (`--enable-feature=created-timestamp-zero-ingestion`). */
  startTimestampZeroIngestion?: boolean;
  /** More `--enable-feature` values (e.g. `otlp-deltatocumulative`). */
  features?: readonly string[];
}

/** A Prometheus 3 server accepting remote_write 1.0 and 2.0, with exemplar storage; no scrape jobs. */
export async function startPrometheus3Receiver(bin: string, o: ReceiverOptions = {}): Promise<Prometheus3Receiver> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prom3-'));
  const otlp = o.otlpTranslationStrategy ? `otlp:\n  translation_strategy: ${o.otlpTranslationStrategy}\n` : '';
  writeFileSync(path.join(dir, 'prometheus.yml'), `global: {}\n${otlp}storage:\n  exemplars:\n    max_exemplars: 100000\n`);
  const features = ['exemplar-storage', ...(o.startTimestampZeroIngestion ? ['created-timestamp-zero-ingestion'] : []), ...(o.features ?? [])];
  const g = startIn(
    bin,
    [
      '--web.enable-remote-write-receiver',
      '--web.remote-write-receiver.accepted-protobuf-messages=prometheus.WriteRequest',
      '--web.remote-write-receiver.accepted-protobuf-messages=io.prometheus.write.v2.Request',
      ...(o.otlpTranslationStrategy ? ['--web.enable-otlp-receiver'] : []),
      `--enable-feature=${features.join(',')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      '--storage.tsdb.retention.time=100y',
      '--log.level=warn',
    ],
    dir,
  );
  const { proc, log } = g;
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/-/ready`, proc, log);
  return {
    url,
    port,
    proc,
    log,
    stop: () => stopIn(g, dir),
    async dump(at, range = '1h') {
      const q = `{__name__=~".+"}[${range}]`;
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}&time=${at / 1000}`);
      const body = (await res.json()) as { status: string; data: { result: DumpedSeries[] }; error?: string };
      if (body.status !== 'success') throw new Error(`query failed: ${res.status} ${body.error ?? ''}`);
      return body.data.result.sort((a, b) => (key(a.metric) < key(b.metric) ? -1 : 1));
    },
    async exemplars(start, end) {
      const q = `{__name__=~".+"}`;
      const res = await fetch(`${url}/api/v1/query_exemplars?query=${encodeURIComponent(q)}&start=${start / 1000}&end=${end / 1000}`);
      const body = (await res.json()) as { status: string; data: DumpedExemplars[]; error?: string };
      if (body.status !== 'success') throw new Error(`exemplar query failed: ${res.status} ${body.error ?? ''}`);
      return body.data.sort((a, b) => (key(a.seriesLabels) < key(b.seriesLabels) ? -1 : 1));
    },
  };
}

export function key(m: Record<string, string>): string {
  return JSON.stringify(Object.entries(m).sort());
}

/** Both receivers hold the same series, and each the same float samples and native histograms. */
export function assertSameSeries(a: DumpedSeries[], b: DumpedSeries[]): void {
  const ka = a.map((s) => key(s.metric));
  const kb = b.map((s) => key(s.metric));
  const onlyA = ka.filter((k) => !kb.includes(k));
  const onlyB = kb.filter((k) => !ka.includes(k));
  assert.deepEqual({ onlyDirect: onlyA.slice(0, 5), onlyGateway: onlyB.slice(0, 5) }, { onlyDirect: [], onlyGateway: [] }, 'same series');
  for (let i = 0; i < a.length; i++) {
    assert.deepEqual(b[i]!.values ?? [], a[i]!.values ?? [], `float samples of ${ka[i]}`);
    assert.deepEqual(b[i]!.histograms ?? [], a[i]!.histograms ?? [], `native histograms of ${ka[i]}`);
  }
}

/** Exemplars by series, each series' exemplars in time order: comparable across receivers. */
export function normExemplars(e: DumpedExemplars[]): unknown {
  return e.map((s) => ({ series: key(s.seriesLabels), exemplars: [...s.exemplars].sort((x, y) => x.timestamp - y.timestamp || (x.value < y.value ? -1 : 1)) }));
}

export interface AgentOptions {
  /** host:port targets of the two jobs. */
  selfTarget?: boolean;
  openMetricsTarget?: string;
  remoteWrite: { url: string; protobufMessage: 'prometheus.WriteRequest' | 'io.prometheus.write.v2.Request' }[];
  scrapeInterval?: string;
  /** More jobs, as YAML list items indented under `scrape_configs:` (`  - job_name: ...`). */
  extraScrapeConfigs?: string;
}

/**
 * A Prometheus 3 agent scraping its own /metrics with native histograms (job `self`) and, optionally, an
 * OpenMetrics target with exemplars (job `om`), remote-writing with exemplars and native histograms on.
 */
export async function startPrometheus3Agent(bin: string, o: AgentOptions): Promise<Proc> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prom3-agent-'));
  const interval = o.scrapeInterval ?? '1s';
  const jobs: string[] = [];
  if (o.selfTarget !== false) jobs.push(`  - job_name: self\n    scrape_interval: ${interval}\n    scrape_native_histograms: true\n    static_configs: [{ targets: ['127.0.0.1:${port}'] }]`);
  if (o.openMetricsTarget) jobs.push(`  - job_name: om\n    scrape_interval: ${interval}\n    scrape_native_histograms: true\n    scrape_protocols: [OpenMetricsText1.0.0, OpenMetricsText0.0.1, PrometheusText0.0.4]\n    static_configs: [{ targets: ['${o.openMetricsTarget}'] }]`);
  if (o.extraScrapeConfigs) jobs.push(o.extraScrapeConfigs.replace(/\n+$/, ''));
  const rw = o.remoteWrite
    .map((r, i) => `  - url: ${r.url}\n    name: rw${i}\n    protobuf_message: ${r.protobufMessage}\n    send_exemplars: true\n    send_native_histograms: true\n    queue_config: { batch_send_deadline: 500ms, min_backoff: 50ms, max_backoff: 500ms }\n    metadata_config: { send_interval: 2s }`)
    .join('\n');
  writeFileSync(path.join(dir, 'prometheus.yml'), `global: { scrape_interval: ${interval} }\nscrape_configs:\n${jobs.join('\n')}\nremote_write:\n${rw}\n`);
  const g = startIn(
    bin,
    ['--agent', '--enable-feature=exemplar-storage', `--storage.agent.path=${path.join(dir, 'wal')}`, `--web.listen-address=127.0.0.1:${port}`, `--config.file=${path.join(dir, 'prometheus.yml')}`, '--log.level=warn'],
    dir,
  );
  const { proc, log } = g;
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/-/ready`, proc, log);
  return { url, port, proc, log, stop: () => stopIn(g, dir) };
}

/** python3-prometheus-client serving OpenMetrics with exemplars on a counter and a classic histogram. */
export async function startOpenMetricsTarget(): Promise<Proc> {
  const port = await freePort();
  const script = `
import random, sys, time
from prometheus_client import Counter, Histogram, start_http_server
c = Counter('demo_requests', 'Requests served.', ['path'])
h = Histogram('demo_latency_seconds', 'Request latency.', buckets=[0.1, 0.25, 0.5, 1.0])
start_http_server(${port}, addr='127.0.0.1')
i = 0
while True:
    i += 1
    c.labels('/a').inc(1, exemplar={'trace_id': 'c%d' % i})
    h.observe(random.random(), exemplar={'trace_id': 'h%d' % i})
    time.sleep(0.1)
`;
  return startPythonTarget(port, script);
}

/** A Python script (Debian's python3-prometheus-client is importable) serving /metrics on `port`, up once it answers 200. */
export async function startPythonTarget(port: number, script: string): Promise<Proc> {
  const g = startIn('/usr/bin/python3', ['-c', script], os.tmpdir());
  const { proc, log } = g;
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/metrics`, proc, log, 20_000);
  return { url, port, proc, log, stop: () => g.stop() };
}
