import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseGatewayConfig } from '../../lib/config/schema.ts';
import { openBackends } from '../../lib/local/backends.ts';
import { startLocalRunner, type LocalRunner } from '../../lib/local/runner.ts';
import { formatOpenMetricsFloat } from '../../lib/scrape/normalize.ts';
import { MemoryLogger } from '../helpers/fakes.ts';
import { freePort, haveBinary, startVictoriaMetrics, type VictoriaMetrics } from '../helpers/services.ts';

/**
 * Differential: Prometheus 2.42 and the gateway scrape the same targets (a real node_exporter and that
 * Prometheus' own /metrics) with the same scrape_configs; Prometheus remote-writes into one VictoriaMetrics,
 * the gateway into another. The same series (names and labels) must arrive. Values and timestamps are not
 * compared (two scrapers never read the same instant). `le` and `quantile` values are compared normalised: the
 * gateway writes them as Prometheus 3 does (`1.0`), 2.42 as the target exposed them.
 */
const BINARIES = ['prometheus', 'prometheus-node-exporter', 'victoria-metrics'];
const missing = BINARIES.filter((b) => !haveBinary(b));
if (missing.length && process.env.CI === 'true') throw new Error(`${missing.join(', ')} required under CI=true (apt-get install prometheus prometheus-node-exporter victoria-metrics)`);

interface Proc {
  proc: ChildProcess;
  log: () => string;
}
function start(cmd: string, args: string[], cwd: string): Proc {
  const proc = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer): void => {
    out = (out + b.toString()).slice(-4000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  return { proc, log: () => out };
}
async function stop(p: Proc | undefined): Promise<void> {
  if (!p || p.proc.exitCode !== null) return;
  const exited = new Promise((r) => p.proc.once('exit', r));
  p.proc.kill('SIGTERM');
  const t = setTimeout(() => p.proc.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}
async function waitUp(url: string, p: Proc): Promise<void> {
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    if (p.proc.exitCode !== null) throw new Error(`${url}: exited: ${p.log()}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up: ${p.log()}`);
}

/** Series that legitimately differ between two scrapers: compared by name only. */
const VOLATILE = [
  /^prometheus_remote_storage_/, // Prometheus' own remote_write to its VictoriaMetrics
  /^prometheus_http_/, // per-handler series appear when a handler is first hit (e.g. by the readiness poll)
  /^prometheus_(sd|target)_/, // per-pool counters that appear as discovery and scrapes happen
];

describe('differential: Prometheus 2.42 and the gateway scrape the same targets', { skip: missing.length > 0 && `missing ${missing.join(', ')}` }, () => {
  let dir: string;
  let node: Proc;
  let prom: Proc;
  let vmProm: VictoriaMetrics;
  let vmGw: VictoriaMetrics;
  let runner: LocalRunner;
  let scrapeConfigs: Record<string, unknown>[];

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'scrape-diff-'));
    const nodePort = await freePort();
    const promPort = await freePort();
    node = start('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${nodePort}`], dir);
    await waitUp(`http://127.0.0.1:${nodePort}/metrics`, node);
    [vmProm, vmGw] = await Promise.all([startVictoriaMetrics(), startVictoriaMetrics()]);
    scrapeConfigs = [
      { job_name: 'node', scrape_interval: '2s', scrape_timeout: '1s', static_configs: [{ targets: [`127.0.0.1:${nodePort}`], labels: { env: 'test' } }] },
      {
        job_name: 'prometheus',
        scrape_interval: '2s',
        scrape_timeout: '1s',
        static_configs: [{ targets: [`127.0.0.1:${promPort}`] }],
        metric_relabel_configs: [{ action: 'drop', source_labels: ['__name__'], regex: 'prometheus_tsdb_head_series_.*' }],
      },
    ];
    const promConfig = { global: { scrape_interval: '2s' }, scrape_configs: scrapeConfigs, remote_write: [{ url: `${vmProm.url}/api/v1/write` }] };
    writeFileSync(path.join(dir, 'prometheus.yml'), JSON.stringify(promConfig));
    prom = start('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--web.listen-address=127.0.0.1:${promPort}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`], dir);
    await waitUp(`http://127.0.0.1:${promPort}/-/ready`, prom);
    const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ name: 'vm', url: `${vmGw.url}/api/v1/write` }], scrape_configs: scrapeConfigs });
    const logger = new MemoryLogger();
    runner = await startLocalRunner({ config, backends: await openBackends({ kind: 'disk', dataDir: path.join(dir, 'gw'), maxMessageBytes: 262144, logger }), logger, host: '127.0.0.1', port: 0 });
    await new Promise((r) => setTimeout(r, 9_000));
    await runner.drained(10_000);
    await new Promise((r) => setTimeout(r, 2_000)); // Prometheus' remote_write flushes every few seconds
  });

  after(async () => {
    await runner?.close();
    await stop(prom);
    await stop(node);
    await vmProm?.stop();
    await vmGw?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function seriesOf(vm: VictoriaMetrics, job: string): Promise<Set<string>> {
    const got = await vm.exportSeries(`{job="${job}"}`);
    // The gateway names le and quantile as Prometheus 3 does (`1` -> `1.0`, lib/scrape/normalize.ts); 2.42 kept
    // them as exposed: compare both normalised.
    const norm = ([k, v]: [string, string]): [string, string] => [k, (k === 'le' || k === 'quantile') && v !== '' && !Number.isNaN(Number(v)) ? formatOpenMetricsFloat(Number(v)) : v];
    return new Set(got.map((s) => JSON.stringify(Object.entries(s.metric).map(norm).sort())));
  }
  const nameOf = (key: string): string => (JSON.parse(key) as [string, string][]).find(([k]) => k === '__name__')![1];
  const isVolatile = (key: string): boolean => VOLATILE.some((re) => re.test(nameOf(key)));

  for (const job of ['node', 'prometheus']) {
    it(`delivers the same ${job} series (names and labels) as Prometheus`, async () => {
      const viaProm = await seriesOf(vmProm, job);
      const viaGw = await seriesOf(vmGw, job);
      const stable = (s: Set<string>) => new Set([...s].filter((k) => !isVolatile(k)));
      if (process.env.SCRAPE_DIFF_DEBUG) console.log(job, viaProm.size, viaGw.size, stable(viaProm).size);
      assert.ok(viaProm.size > 50, `Prometheus delivered ${viaProm.size} ${job} series`);
      const onlyProm = [...stable(viaProm)].filter((k) => !viaGw.has(k));
      const onlyGw = [...stable(viaGw)].filter((k) => !viaProm.has(k));
      assert.deepEqual({ onlyProm: onlyProm.slice(0, 20), onlyGw: onlyGw.slice(0, 20) }, { onlyProm: [], onlyGw: [] });
      // Volatile series: the same metric names. Some appear in the target only after a while (the scraped
      // Prometheus' prometheus_target_interval_length_seconds after its own second scrape), so a name the
      // gateway's delivered scrapes do not hold yet is looked for again while it keeps scraping (up to 30 s).
      const names = (s: Set<string>) => new Set([...s].map(nameOf));
      const promNames = names(viaProm);
      let gwNames = names(viaGw);
      const missing = (): string[] => [...promNames].filter((n) => !gwNames.has(n) && !/^prometheus_remote_storage_/.test(n));
      for (let waited = 0; missing().length && waited < 30_000; waited += 1000) {
        await new Promise((r) => setTimeout(r, 1000));
        gwNames = names(await seriesOf(vmGw, job));
      }
      assert.deepEqual(missing(), []);
      for (const auto of ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']) assert.ok(gwNames.has(auto), auto);
    });
  }
});
