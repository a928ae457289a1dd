import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, haveBinary, requireBinary } from '../../helpers/services.ts';
import { pollExport, serveMetrics, startChild, startGatewayWithVm, statusesOf, type GatewayWithVm } from './harness.ts';

/**
 * Real remote_write senders, unchanged apart from the URL: Prometheus 2.42 and vmagent 1.79.5 scrape local
 * targets and remote-write to the gateway's local runner; the series arrive in the VictoriaMetrics behind it
 * with exact values and the scrape's job/instance labels.
 */
const available = haveBinary('victoria-metrics');
if (!available && process.env.CI === 'true') throw new Error('victoria-metrics is required under CI=true (apt-get install victoria-metrics)');

const FIXED = [
  '# HELP interop_fixed_requests_total Requests.',
  '# TYPE interop_fixed_requests_total counter',
  'interop_fixed_requests_total{code="200",path="/a\\"b\\\\c"} 1027',
  'interop_fixed_requests_total{code="500",path="/"} 3',
  '# TYPE interop_fixed_temperature gauge',
  'interop_fixed_temperature{room="Zürich ☃"} -3.5',
  '# TYPE interop_fixed_latency histogram',
  'interop_fixed_latency_bucket{le="0.1"} 5',
  'interop_fixed_latency_bucket{le="+Inf"} 9',
  'interop_fixed_latency_sum 2.25',
  'interop_fixed_latency_count 9',
  '',
].join('\n');

/** name/labels -> value, as scraped from FIXED (every scrape yields the same values). */
const WANT: Record<string, number> = {
  'interop_fixed_requests_total{code="200",path="/a\\"b\\\\c"}': 1027,
  'interop_fixed_requests_total{code="500",path="/"}': 3,
  'interop_fixed_temperature{room="Zürich ☃"}': -3.5,
  'interop_fixed_latency_bucket{le="0.1"}': 5,
  'interop_fixed_latency_bucket{le="+Inf"}': 9,
  'interop_fixed_latency_sum{}': 2.25,
  'interop_fixed_latency_count{}': 9,
};

function fixedKey(metric: Record<string, string>): string {
  const { __name__, job: _job, instance: _instance, ...rest } = metric;
  const labels = Object.entries(rest)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return `${__name__}{${labels.join(',')}}`;
}

describe('remote_write senders through the gateway into VictoriaMetrics', { skip: !available && 'victoria-metrics not installed' }, () => {
  let g: GatewayWithVm;
  let target: Awaited<ReturnType<typeof serveMetrics>>;
  let dir: string;
  before(async () => {
    g = await startGatewayWithVm();
    target = await serveMetrics(FIXED);
    dir = mkdtempSync(path.join(os.tmpdir(), 'gw-senders-'));
  });
  after(async () => {
    await target?.close();
    await g?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function assertFixedArrived(series: { metric: Record<string, string>; values: (number | null)[] }[], job: string): void {
    const got = series.filter((s) => s.metric.job === job && s.metric.__name__!.startsWith('interop_fixed_'));
    assert.deepEqual(got.map((s) => fixedKey(s.metric)).sort(), Object.keys(WANT).sort());
    for (const s of got) {
      assert.equal(s.metric.instance, target.target);
      for (const v of s.values) assert.equal(v, WANT[fixedKey(s.metric)], fixedKey(s.metric));
    }
  }

  it('Prometheus 2.42 scraping itself and a fixed target, remote-writing to /api/v1/write', async (t: TestContext) => {
    if (!requireBinary(t, 'prometheus', 'apt-get install prometheus')) return;
    const port = await freePort();
    const cfg = path.join(dir, 'prometheus.yml');
    writeFileSync(
      cfg,
      [
        'global: {scrape_interval: 1s, scrape_timeout: 1s}',
        'scrape_configs:',
        `  - {job_name: interop_prom, static_configs: [{targets: ["127.0.0.1:${port}"]}]}`,
        `  - {job_name: interop_prom_fixed, static_configs: [{targets: ["${target.target}"]}]}`,
        'remote_write:',
        `  - url: ${g.runner.url}/api/v1/write`,
        '    queue_config: {batch_send_deadline: 500ms, min_backoff: 100ms, max_backoff: 1s}',
        '    metadata_config: {send_interval: 1s}',
        '',
      ].join('\n'),
    );
    const prom = startChild('prometheus', [`--config.file=${cfg}`, `--storage.tsdb.path=${path.join(dir, 'prom-data')}`, `--web.listen-address=127.0.0.1:${port}`], dir);
    try {
      const got = await pollExport(g.vm, '{job=~"interop_prom.*"}', (s) => {
        const names = new Set(s.map((x) => x.metric.__name__));
        return names.has('prometheus_build_info') && names.has('up') && s.filter((x) => x.metric.job === 'interop_prom_fixed' && x.metric.__name__!.startsWith('interop_fixed_')).length === Object.keys(WANT).length;
      }).catch((err: Error) => {
        throw new Error(`${err.message}\nprometheus log: ${prom.log()}`);
      });
      const build = got.find((s) => s.metric.__name__ === 'prometheus_build_info')!;
      assert.match(build.metric.version!, /^2\.42\./);
      assert.equal(build.metric.instance, `127.0.0.1:${port}`);
      assert.ok(got.filter((s) => s.metric.__name__ === 'up').every((s) => s.values.every((v) => v === 1)));
      assertFixedArrived(got, 'interop_prom_fixed');
    } finally {
      await prom.stop();
    }
    // Every request answered 204, metadata-only ones included; nothing was rejected.
    const statuses = statusesOf(g.runner, 'remote_write');
    assert.deepEqual(Object.keys(statuses), ['204'], JSON.stringify(statuses));
  });

  it('vmagent 1.79.5 scraping a fixed target, remote-writing to /api/v1/write', async (t: TestContext) => {
    if (!requireBinary(t, 'vmagent', 'apt-get install victoria-metrics')) return;
    const port = await freePort();
    const cfg = path.join(dir, 'scrape.yml');
    writeFileSync(cfg, `global: {scrape_interval: 1s}\nscrape_configs:\n  - {job_name: interop_vmagent, static_configs: [{targets: ["${target.target}"]}]}\n`);
    const agent = startChild(
      'vmagent',
      [`-httpListenAddr=127.0.0.1:${port}`, `-promscrape.config=${cfg}`, `-remoteWrite.url=${g.runner.url}/api/v1/write`, `-remoteWrite.tmpDataPath=${path.join(dir, 'vmagent-data')}`, '-remoteWrite.flushInterval=200ms', '-loggerLevel=ERROR'],
      dir,
    );
    try {
      const got = await pollExport(g.vm, '{job="interop_vmagent"}', (s) => s.filter((x) => x.metric.__name__!.startsWith('interop_fixed_')).length === Object.keys(WANT).length && s.some((x) => x.metric.__name__ === 'up')).catch((err: Error) => {
        throw new Error(`${err.message}\nvmagent log: ${agent.log()}`);
      });
      assertFixedArrived(got, 'interop_vmagent');
      const up = got.find((s) => s.metric.__name__ === 'up')!;
      assert.deepEqual(up.metric, { __name__: 'up', instance: target.target, job: 'interop_vmagent' });
    } finally {
      await agent.stop();
    }
    const statuses = statusesOf(g.runner, 'remote_write');
    assert.deepEqual(Object.keys(statuses), ['204'], JSON.stringify(statuses));
  });
});
