import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { openBackends } from '../../../lib/local/backends.ts';
import { startLocalRunner, type LocalRunner } from '../../../lib/local/runner.ts';
import { formatOpenMetricsFloat } from '../../../lib/scrape/normalize.ts';
import { MemoryLogger } from '../../helpers/fakes.ts';
import { key, startPrometheus3Receiver, type DumpedSeries, type Prometheus3Receiver } from '../../helpers/prometheus3.ts';
import { startGroup, type GroupProcess } from '../../helpers/process-group.ts';
import { freePort } from '../../helpers/services.ts';
import { builtToolPath, requireBuiltTool } from '../../helpers/tools.ts';

/**
 * The Pushgateway side of issue 13 against Prometheus 3: a real client_golang protobuf body (Prometheus 3's own
 * /metrics fetched once as delimited MetricFamily, native histograms included) is
 * - served unchanged by a static target that a Prometheus 3 agent scrapes with `scrape_native_histograms` and
 *   `always_scrape_classic_histograms` (what the gateway's Pushgateway route keeps), into receiver A;
 * - PUT to the gateway's Pushgateway route with the grouping key the agent's target labels would give
 *   (`job`, `instance`), delivered to receiver B.
 * The body never changes, so the last float value and the last native histogram of every series must be
 * equal. Left out: the agent's auto series (`up`, `scrape_*`) and the gateway's `push_time_seconds`.
 * `le` and `quantile` are compared normalised: Prometheus 3 writes them `1.0`, the Pushgateway route as the
 * text format does (`1`), see docs/pushgateway.md.
 */
const haveProm3 = existsSync(builtToolPath('prometheus'));
const PROTO = 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited';

async function until(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(what);
}

describe('differential: a client_golang protobuf body pushed to the gateway vs scraped by Prometheus 3', { skip: !haveProm3 && process.env.CI !== 'true' && 'Prometheus 3 not built' }, () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pg-proto-'));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('same series, values and native histograms', { timeout: 240_000 }, async (t) => {
    const bin = requireBuiltTool(t, 'prometheus');
    if (!bin) return;
    const a = await startPrometheus3Receiver(bin);
    const b = await startPrometheus3Receiver(bin);
    const logger = new MemoryLogger();
    let agent: GroupProcess | undefined;
    let runner: LocalRunner | undefined;
    let server: http.Server | undefined;
    try {
      // One protobuf body of a real client_golang registry with native histograms (receiver A's own /metrics).
      await fetch(`${a.url}/api/v1/query?query=up`); // makes a handler's native histogram non-empty
      const res = await fetch(`${a.url}/metrics`, { headers: { accept: PROTO } });
      assert.match(res.headers.get('content-type') ?? '', /application\/vnd\.google\.protobuf/);
      const body = Buffer.from(await res.arrayBuffer());
      server = http.createServer((_req, r) => r.writeHead(200, { 'content-type': res.headers.get('content-type')! }).end(body));
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
      const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;

      const agentPort = await freePort();
      writeFileSync(
        path.join(dir, 'agent.yml'),
        `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: static\n    scrape_native_histograms: true\n    always_scrape_classic_histograms: true\n    static_configs: [{ targets: ['${target}'] }]\nremote_write:\n  - url: ${a.url}/api/v1/write\n    send_native_histograms: true\n    queue_config: { batch_send_deadline: 500ms }\n`,
      );
      agent = startGroup(bin, ['--agent', `--storage.agent.path=${path.join(dir, 'wal')}`, `--web.listen-address=127.0.0.1:${agentPort}`, `--config.file=${path.join(dir, 'agent.yml')}`, '--log.level=warn'], { cwd: dir, lifetimeS: 600 });

      const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ url: `${b.url}/api/v1/write`, name: 'b' }] });
      const backends = await openBackends({ kind: 'disk', dataDir: path.join(dir, 'gw'), maxMessageBytes: 256 * 1024, logger, maxReceiveCount: 1000 });
      runner = await startLocalRunner({ config, backends, logger, host: '127.0.0.1', port: 0, deliverTimeoutMs: 10_000, retryDelayMs: 100 });
      const put = await fetch(`${runner.url}/metrics/job/static/instance/${target}`, { method: 'PUT', headers: { 'content-type': PROTO }, body });
      assert.equal(put.status, 200, await put.text());
      assert.ok(await runner.drained(60_000), 'gateway did not drain');

      const histogramsIn = async (r: Prometheus3Receiver) => (await r.dump(Date.now())).filter((s) => s.histograms?.length).length;
      await until(async () => (await histogramsIn(a)) > 0 && (await histogramsIn(b)) > 0, 120_000, 'no native histograms in both receivers');
      await until(async () => (await a.dump(Date.now())).filter((s) => s.metric.__name__ === 'up').some((s) => (s.values?.length ?? 0) >= 2), 60_000, 'agent did not scrape twice');
      const at = Date.now();
      const auto = /^(up|scrape_.*|push_time_seconds)$/;
      const norm = (d: DumpedSeries[]) =>
        new Map(
          d
            .filter((s) => !auto.test(s.metric.__name__!))
            .map((s) => {
              const m: Record<string, string> = {};
              for (const [k, v] of Object.entries(s.metric)) m[k] = (k === 'le' || k === 'quantile') && v !== '' && !Number.isNaN(Number(v)) ? formatOpenMetricsFloat(Number(v)) : v;
              return [key(m), { value: s.values?.at(-1)?.[1], histogram: s.histograms?.at(-1)?.[1] }] as const;
            }),
        );
      const [na, nb] = [norm(await a.dump(at)), norm(await b.dump(at))];
      assert.ok(na.size > 100, `only ${na.size} series scraped`);
      assert.deepEqual({ onlyScraped: [...na.keys()].filter((k) => !nb.has(k)).slice(0, 10), onlyPushed: [...nb.keys()].filter((k) => !na.has(k)).slice(0, 10) }, { onlyScraped: [], onlyPushed: [] });
      let histograms = 0;
      for (const [k, v] of na) {
        assert.deepEqual(nb.get(k), v, k);
        if (v.histogram) histograms++;
      }
      assert.ok(histograms > 0, 'no native histogram compared');
      t.diagnostic(`series ${na.size}, native histogram series ${histograms}`);
    } catch (err) {
      t.diagnostic(`agent log: ${agent?.log() ?? ''}`);
      t.diagnostic(`gateway log: ${JSON.stringify(logger.lines.filter((l) => l.level !== 'debug').slice(-10))}`);
      throw err;
    } finally {
      await agent?.stop();
      await runner?.close();
      server?.closeAllConnections();
      await new Promise((r) => (server ? server.close(r) : r(undefined)));
      await a.stop();
      await b.stop();
    }
  });
});
