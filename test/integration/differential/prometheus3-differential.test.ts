import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openBackends } from '../../../lib/local/backends.ts';
import { startLocalRunner, type LocalRunner } from '../../../lib/local/runner.ts';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { MemoryLogger } from '../../helpers/fakes.ts';
import { builtToolPath, requireBuiltTool } from '../../helpers/tools.ts';
import { existsSync } from 'node:fs';
import { assertSameSeries, key, normExemplars, startOpenMetricsTarget, startPrometheus3Agent, startPrometheus3Receiver, type DumpedExemplars, type DumpedSeries, type Proc, type Prometheus3Receiver } from '../../helpers/prometheus3.ts';

/**
 * Differential against Prometheus 3 (issue 13): one Prometheus 3 agent scrapes its own /metrics (native
 * histograms) and an OpenMetrics target with exemplars, and remote-writes to a Prometheus 3 receiver directly
 * and, through the gateway (local runner, disk queue), to a second one. Both receivers must then hold the same
 * float samples, native histograms and exemplars, for 1.0 and 2.0 on the agent's side and on the gateway's.
 * The agent is stopped (it flushes its queues) and the gateway drained before comparing, so nothing depends
 * on how long the scrapes ran; each run waits for its own data to be complete, never for a fixed time.
 *
 * Upstream behaviour the comparison shows: Prometheus 3's 2.0 sender puts each exemplar in a TimeSeries entry
 * of its own, and its 2.0 receiver refuses entries without samples or histograms (400, the rest written), so
 * with the agent on 2.0 neither receiver gets exemplars; the gateway refuses the same entries the same way
 * (gateway_ingest_rejected_lines_total), and both receivers agree. With the agent on 1.0 exemplars arrive
 * and must match.
 */
const V1 = 'prometheus.WriteRequest';
const V2 = 'io.prometheus.write.v2.Request';
type Msg = typeof V1 | typeof V2;

const runs: { agent: Msg; gateway: Msg }[] = [
  { agent: V1, gateway: V1 },
  { agent: V1, gateway: V2 },
  { agent: V2, gateway: V1 },
  { agent: V2, gateway: V2 },
];

const haveProm3 = existsSync(builtToolPath('prometheus'));

describe('differential: Prometheus 3 agent -> Prometheus 3 receiver, directly and through the gateway', { concurrency: false }, () => {
  let om: Proc | undefined;
  before(async () => {
    if (haveProm3) om = await startOpenMetricsTarget();
  });
  after(async () => {
    await om?.stop();
  });

  for (const run of runs) {
    it(`agent sends ${run.agent}, gateway sends ${run.gateway}`, { timeout: 300_000 }, async (t) => {
      const bin = requireBuiltTool(t, 'prometheus');
      if (!bin) return;
      const direct = await startPrometheus3Receiver(bin);
      const viaGateway = await startPrometheus3Receiver(bin);
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gw-prom3-'));
      let runner: LocalRunner | undefined;
      let agent: Proc | undefined;
      const logger = new MemoryLogger();
      try {
        const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ url: `${viaGateway.url}/api/v1/write`, name: 'prom3', protobuf_message: run.gateway }] });
        const backends = await openBackends({ kind: 'disk', dataDir, maxMessageBytes: 256 * 1024, logger, maxReceiveCount: 1000 });
        runner = await startLocalRunner({ config, backends, logger, host: '127.0.0.1', port: 0, deliverTimeoutMs: 10_000, retryDelayMs: 100 });
        agent = await startPrometheus3Agent(bin, {
          openMetricsTarget: `127.0.0.1:${om!.port}`,
          remoteWrite: [
            { url: `${direct.url}/api/v1/write`, protobufMessage: run.agent },
            { url: `${runner.url}/api/v1/write`, protobufMessage: run.agent },
          ],
        });
        // Scrape until the direct receiver holds 5 scrapes of every native histogram series and of the
        // OpenMetrics job (data, not time, decides).
        await until(async () => {
          const d = await direct.dump(Date.now());
          const hist = d.filter((s) => s.histograms?.length);
          const om = d.find((s) => s.metric.job === 'om' && s.metric.__name__ === 'up');
          return hist.length >= 3 && hist.every((s) => s.histograms!.length >= 5) && (om?.values?.length ?? 0) >= 5;
        }, 180_000, 'direct receiver never got 5 scrapes of native histograms and the OpenMetrics job');
        await agent.stop(); // flushes both remote_write queues
        agent = undefined;
        assert.ok(await runner.drained(60_000), 'gateway did not drain');
        const at = Date.now();
        const [a, b] = [await direct.dump(at), await viaGateway.dump(at)];
        assertSameSeries(a, b);
        const histograms = a.reduce((n, s) => n + (s.histograms?.length ?? 0), 0);
        assert.ok(histograms > 0, 'no native histogram samples to compare');
        const [ea, eb] = [await direct.exemplars(0, at), await viaGateway.exemplars(0, at)];
        assert.deepEqual(normExemplars(eb), normExemplars(ea));
        if (run.agent === V1) assert.ok(ea.length > 0, 'no exemplars to compare');
        t.diagnostic(`series ${a.length}, float samples ${a.reduce((n, s) => n + (s.values?.length ?? 0), 0)}, histogram samples ${histograms}, exemplar series ${ea.length} (${ea.reduce((n, e) => n + e.exemplars.length, 0)} exemplars)`);
        t.diagnostic(`gateway: ${JSON.stringify(pick(runner.metrics.render()))}`);
      } catch (err) {
        t.diagnostic(`agent log: ${agent?.log() ?? ''}`);
        t.diagnostic(`gateway log: ${JSON.stringify(logger.lines.filter((l) => l.level !== 'debug').slice(-20))}`);
        throw err;
      } finally {
        await agent?.stop();
        await runner?.close();
        await direct.stop();
        await viaGateway.stop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }
});

async function until(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(what);
}

function pick(text: string): string[] {
  return text.split('\n').filter((l) => /^gateway_(ingest|delivery)_(samples|histograms|exemplars|sent|dropped|rejected|metadata)/.test(l) || /dropped|rejected|fallback/.test(l));
}
