import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { openBackends } from '../../../lib/local/backends.ts';
import { startLocalRunner, type LocalRunner } from '../../../lib/local/runner.ts';
import { MemoryLogger } from '../../helpers/fakes.ts';
import { key, startPrometheus3Agent, startPrometheus3Receiver, type DumpedExemplars, type DumpedSeries, startPythonTarget, type Proc, type Prometheus3Receiver } from '../../helpers/prometheus3.ts';
import { freePort } from '../../helpers/services.ts';
import { builtToolPath, requireBuiltTool } from '../../helpers/tools.ts';

/**
 * Differential for the scrape side of issue 13: a Prometheus 3 agent scrapes its own /metrics (PrometheusProto,
 * native histograms, `scrape_native_histograms: true`) and an OpenMetrics target with exemplars, writing to
 * one Prometheus 3 receiver; the gateway's scraper (the local runner, in process) scrapes the same two targets
 * with the same scrape settings and delivers to a second receiver. Two scrapers never read the same instant,
 * so what is compared is what does not depend on it:
 * - the series (names and labels) of each job, except a few of the agent's own that appear as it works;
 * - float series that hold one value throughout in both receivers: that value;
 * - native histograms: the same series carry them, none of them also arrives as classic `_bucket` series,
 *   and wherever both receivers hold a histogram with the same count and sum, its buckets are the same;
 * - convert_classic_histograms_to_nhcb (job nhcb, the OpenMetrics target again): the converted histogram;
 * - exemplars of the OpenMetrics target, which observes once at start (values and exemplars never change):
 *   the same series, the same exemplars (labels, value, timestamp).
 * Data, not time, decides when to compare: both receivers must hold 5 scrapes of each job.
 */
const haveProm3 = existsSync(builtToolPath('prometheus'));

/** The agent's own series that appear while it runs (its HTTP handlers hit by the two scrapers and the readiness poll, its remote_write). */
const VOLATILE = /^(prometheus_http_|prometheus_remote_storage_|prometheus_sd_|prometheus_target_)/;
/**
 * The scraped processes' own state (prometheus_client's and the agent's process collectors): compared as
 * series, not as values. process_open_fds counts the scrape connections open at that moment, so it can sit
 * at 7 through one side's scrapes and 8 through the other's, when the two scrapers' phases overlap.
 */
const PROCESS_STATE = /^process_/;

/** A Python OpenMetrics target whose values and exemplars are set once at start and never change. */
async function startStableOpenMetricsTarget(): Promise<Proc> {
  const port = await freePort();
  const script = `
import time
from prometheus_client import Counter, Histogram, start_http_server
c = Counter('stable_requests', 'Requests served.', ['path'])
h = Histogram('stable_latency_seconds', 'Request latency.', buckets=[0.1, 0.25, 0.5, 1.0])
c.labels('/a').inc(3, exemplar={'trace_id': 'c1'})
c.labels('/b').inc(1)
for i, v in enumerate([0.05, 0.2, 0.3, 0.7, 2.0]):
    h.observe(v, exemplar={'trace_id': 'h%d' % i})
start_http_server(${port}, addr='127.0.0.1')
while True:
    time.sleep(1)
`;
  return startPythonTarget(port, script);
}

describe('differential: Prometheus 3 and the gateway scrape the same targets (native histograms, exemplars)', { concurrency: false }, () => {
  let om: Proc | undefined;
  before(async () => {
    if (haveProm3) om = await startStableOpenMetricsTarget();
  });
  after(async () => {
    await om?.stop();
  });

  it('same series, stable values, native histograms and exemplars', { timeout: 300_000 }, async (t) => {
    const bin = requireBuiltTool(t, 'prometheus');
    if (!bin) return;
    const direct = await startPrometheus3Receiver(bin);
    // Prometheus' 1.0 sender leaves custom-bucket histograms out (1.0 has no place for them upstream), so the
    // agent also sends 2.0 to a second receiver, where its converted histograms are compared.
    const direct2 = await startPrometheus3Receiver(bin);
    const viaGateway = await startPrometheus3Receiver(bin);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gw-scrape-prom3-'));
    const logger = new MemoryLogger();
    let agent: Proc | undefined;
    let runner: LocalRunner | undefined;
    try {
      // Job nhcb: the OpenMetrics target's classic histogram converted to custom buckets on both sides.
      const nhcbJob = `  - job_name: nhcb\n    scrape_interval: 1s\n    scrape_native_histograms: true\n    convert_classic_histograms_to_nhcb: true\n    static_configs: [{ targets: ['127.0.0.1:${om!.port}'] }]`;
      agent = await startPrometheus3Agent(bin, { openMetricsTarget: `127.0.0.1:${om!.port}`, extraScrapeConfigs: nhcbJob, remoteWrite: [{ url: `${direct.url}/api/v1/write`, protobufMessage: 'prometheus.WriteRequest' }, { url: `${direct2.url}/api/v1/write`, protobufMessage: 'io.prometheus.write.v2.Request' }] });
      // The same jobs as the agent's (test/helpers/prometheus3.ts), so both sides name series alike.
      const config = parseGatewayConfig({
        auth: { mode: 'none' },
        remote_write: [{ url: `${viaGateway.url}/api/v1/write`, name: 'prom3' }],
        scrape_configs: [
          { job_name: 'self', scrape_interval: '1s', scrape_native_histograms: true, static_configs: [{ targets: [`127.0.0.1:${agent.port}`] }] },
          { job_name: 'om', scrape_interval: '1s', scrape_native_histograms: true, scrape_protocols: ['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText0.0.4'], static_configs: [{ targets: [`127.0.0.1:${om!.port}`] }] },
          { job_name: 'nhcb', scrape_interval: '1s', scrape_native_histograms: true, convert_classic_histograms_to_nhcb: true, static_configs: [{ targets: [`127.0.0.1:${om!.port}`] }] },
        ],
      });
      const backends = await openBackends({ kind: 'disk', dataDir, maxMessageBytes: 256 * 1024, logger, maxReceiveCount: 1000 });
      runner = await startLocalRunner({ config, backends, logger, host: '127.0.0.1', port: 0, deliverTimeoutMs: 10_000, retryDelayMs: 100 });
      const enough = async (r: Prometheus3Receiver): Promise<boolean> => {
        const d = await r.dump(Date.now());
        const ups = ['self', 'om', 'nhcb'].map((job) => d.find((s) => s.metric.job === job && s.metric.__name__ === 'up')?.values?.length ?? 0);
        return ups.every((n) => n >= 5) && d.some((s) => s.histograms?.length);
      };
      await until(async () => (await enough(direct)) && (await enough(viaGateway)), 180_000, 'the receivers never held 5 scrapes of both jobs with native histograms');
      await agent.stop();
      agent = undefined;
      await runner.close();
      runner = undefined;
      const at = Date.now();
      const [a, b] = [await direct.dump(at), await viaGateway.dump(at)];

      // Series of each job.
      const nhcbSeries = (s: DumpedSeries) => s.metric.job === 'nhcb' && s.metric.__name__ === 'stable_latency_seconds';
      const keys = (d: DumpedSeries[]) => new Set(d.filter((s) => !VOLATILE.test(s.metric.__name__!) && !nhcbSeries(s)).map((s) => key(s.metric)));
      const [ka, kb] = [keys(a), keys(b)];
      assert.deepEqual({ onlyPrometheus: [...ka].filter((k) => !kb.has(k)).slice(0, 10), onlyGateway: [...kb].filter((k) => !ka.has(k)).slice(0, 10) }, { onlyPrometheus: [], onlyGateway: [] });
      const names = (d: DumpedSeries[]) => new Set(d.map((s) => `${s.metric.job} ${s.metric.__name__}`));
      const [na, nb] = [names(a), names(b)];
      assert.deepEqual([...na].filter((n) => !nb.has(n) && !/ prometheus_remote_storage_/.test(n)), [], 'metric names only Prometheus has');

      // Float series constant in both: equal values. Not the agent's own volatile series: a gauge such as
      // prometheus_remote_storage_histograms_pending can hold one value in each run's scrapes and differ between them.
      const byKey = new Map(b.map((s) => [key(s.metric), s]));
      let constant = 0;
      for (const s of a) {
        const o = byKey.get(key(s.metric));
        const va = new Set((s.values ?? []).map((v) => v[1]));
        const vb = new Set((o?.values ?? []).map((v) => v[1]));
        if (!o || va.size !== 1 || vb.size !== 1 || /^scrape_/.test(s.metric.__name__!) || VOLATILE.test(s.metric.__name__!) || PROCESS_STATE.test(s.metric.__name__!)) continue;
        constant++;
        assert.deepEqual([...vb], [...va], `value of ${key(s.metric)}`);
      }
      assert.ok(constant >= 10, `only ${constant} constant series to compare`);

      // Native histograms.
      const hist = (d: DumpedSeries[]) => new Set(d.filter((s) => s.histograms?.length && !/^prometheus_http_/.test(s.metric.__name__!) && !nhcbSeries(s)).map((s) => key(s.metric)));
      const [ha, hb] = [hist(a), hist(b)];
      assert.ok(ha.size > 0, 'Prometheus stored no native histograms');
      assert.deepEqual([...hb].sort(), [...ha].sort(), 'series with native histograms');
      const nativeNames = new Set([...a, ...b].filter((s) => s.histograms?.length).map((s) => `${s.metric.job} ${s.metric.__name__}`));
      assert.deepEqual(b.filter((s) => s.metric.__name__!.endsWith('_bucket') && nativeNames.has(`${s.metric.job} ${s.metric.__name__!.replace(/_bucket$/, '')}`)).map((s) => key(s.metric)), [], 'no classic series for native histograms');
      // The converted histogram of the stable target: the same custom buckets, count and sum.
      const nhcb = (d: DumpedSeries[]) => d.find(nhcbSeries)?.histograms?.at(-1)?.[1];
      const a2 = await direct2.dump(at);
      assert.ok(nhcb(a2), 'Prometheus converted no classic histogram');
      assert.deepEqual(nhcb(b), nhcb(a2), 'convert_classic_histograms_to_nhcb');
      assert.deepEqual(a2.filter((s) => s.metric.job === 'nhcb').map((s) => key(s.metric)).sort(), b.filter((s) => s.metric.job === 'nhcb').map((s) => key(s.metric)).sort(), 'series of job nhcb');
      let matched = 0;
      for (const s of a) {
        const o = byKey.get(key(s.metric));
        if (!s.histograms?.length || !o?.histograms?.length) continue;
        const theirs = o.histograms.map(([, y]) => y as QueriedHistogram);
        for (const [, h] of s.histograms) {
          const x = h as QueriedHistogram;
          const same: QueriedHistogram | undefined = theirs.find((y) => y.count === x.count && y.sum === x.sum);
          if (!same) continue;
          matched++;
          assert.deepEqual(same.buckets ?? [], x.buckets ?? [], `buckets of ${key(s.metric)} at count ${x.count}`);
        }
      }
      assert.ok(matched > 0, 'no histogram read alike by both scrapers');

      // Exemplars of the OpenMetrics target.
      const [ea, eb] = [await direct.exemplars(0, at), await viaGateway.exemplars(0, at)];
      const norm = (e: DumpedExemplars[]) =>
        e
          // Job om only: the agent's 1.0 sender leaves out the custom-bucket histograms of job nhcb (and their
          // exemplars), and its 2.0 sender sends no exemplars a receiver takes (see the remote_write differential).
          .filter((s) => s.seriesLabels.job === 'om')
          .map((s) => ({ series: key(s.seriesLabels), exemplars: [...new Map(s.exemplars.map((x) => [JSON.stringify(x), x])).values()].sort((p, q) => p.timestamp - q.timestamp) }))
          .sort((p, q) => (p.series < q.series ? -1 : 1));
      assert.ok(norm(ea).length >= 2, `Prometheus stored exemplars on ${norm(ea).length} series`);
      assert.deepEqual(norm(eb), norm(ea));
      t.diagnostic(`series ${a.length}/${b.length}, constant ${constant}, histogram series ${ha.size}, histograms read alike ${matched}, exemplar series ${norm(ea).length}`);
    } catch (err) {
      t.diagnostic(`agent log: ${agent?.log() ?? ''}`);
      t.diagnostic(`gateway log: ${JSON.stringify(logger.lines.filter((l) => l.level !== 'debug').slice(-20))}`);
      throw err;
    } finally {
      await agent?.stop();
      await runner?.close();
      await direct.stop();
      await direct2.stop();
      await viaGateway.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/** A histogram as Prometheus' query API returns it. */
interface QueriedHistogram {
  count: string;
  sum: string;
  buckets?: unknown[];
}

async function until(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(what);
}
