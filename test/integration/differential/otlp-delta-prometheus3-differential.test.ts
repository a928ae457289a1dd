import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { openBackends } from '../../../lib/local/backends.ts';
import { startLocalRunner, type LocalRunner } from '../../../lib/local/runner.ts';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { MemoryLogger } from '../../helpers/fakes.ts';
import { requireBuiltTool } from '../../helpers/tools.ts';
import { assertSameSeries, key, startPrometheus3Receiver, type DumpedExemplars, type DumpedSeries, type Prometheus3Receiver } from '../../helpers/prometheus3.ts';

/**
 * Differential for OTLP delta temporality (issue 15): the real OpenTelemetry Python SDK, preferring DELTA
 * for counters and histograms, exports ROUNDS collections (a counter on two streams, one with gaps, an
 * explicit-bucket and an exponential histogram) to Prometheus 3 with `--enable-feature=otlp-deltatocumulative`
 * and to the gateway with `otlp.delta_to_cumulative` on (the local runner, its durable otlp_delta shards),
 * which delivers by remote_write to a second Prometheus 3. Both must hold the same cumulative series: every
 * float sample and native histogram, values and timestamps. Each round is exported to both before the next
 * is collected, and the gateway is drained before comparing: nothing waits for a fixed time.
 */
const VENV = process.env.GATEWAY_OTEL_VENV ?? path.join(os.homedir(), '.cache', 'metrics-gateway', 'otel-venv');
const PYTHON = path.join(VENV, 'bin', 'python');
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'helpers', 'otel-export-delta.py');
const ROUNDS = 6;

function requireOtelVenv(t: TestContext): boolean {
  if (existsSync(PYTHON)) return true;
  const how = `python3 -m venv ${VENV} && ${VENV}/bin/pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http (scripts/test.sh does it)`;
  if (process.env.CI === 'true') throw new Error(`${PYTHON} is required under CI=true (${how})`);
  t.skip(`OpenTelemetry SDK venv missing (${how})`);
  return false;
}

function exportRounds(rounds: number, urls: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('timeout', ['-s', 'KILL', '120', PYTHON, SCRIPT, String(rounds), ...urls], { timeout: 130_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`otel-export-delta.py failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

function find(series: DumpedSeries[], name: string, labels: Record<string, string> = {}): DumpedSeries {
  const s = series.find((x) => x.metric.__name__ === name && Object.entries(labels).every(([k, v]) => x.metric[k] === v));
  assert.ok(s, `${name}${JSON.stringify(labels)} missing: ${[...new Set(series.map((x) => x.metric.__name__))].join(', ')}`);
  return s;
}

describe('differential: OpenTelemetry SDK (delta) -> Prometheus 3 otlp-deltatocumulative, and -> gateway -> Prometheus 3', { concurrency: false }, () => {
  const runs = [
    { shards: 1, startZero: false },
    { shards: 4, startZero: false },
    { shards: 4, startZero: true },
  ];
  for (const { shards, startZero } of runs) {
    const how = startZero ? ', remote_write 2.0 and start timestamps stored as zero samples on both sides' : '';
    it(`${ROUNDS} delta exports, ${shards} shard(s)${how}: the same cumulative series, values and timestamps`, { timeout: 300_000 }, async (t) => {
      const bin = requireBuiltTool(t, 'prometheus');
      if (!bin || !requireOtelVenv(t)) return;
      let direct: Prometheus3Receiver | undefined;
      let viaGateway: Prometheus3Receiver | undefined;
      let runner: LocalRunner | undefined;
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gw-otlp-delta-'));
      const logger = new MemoryLogger();
      try {
        direct = await startPrometheus3Receiver(bin, { otlpTranslationStrategy: 'UnderscoreEscapingWithoutSuffixes', features: ['otlp-deltatocumulative'], startTimestampZeroIngestion: startZero });
        viaGateway = await startPrometheus3Receiver(bin, { startTimestampZeroIngestion: startZero });
        const config = parseGatewayConfig({
          auth: { mode: 'none' },
          otlp: { translation_strategy: 'UnderscoreEscapingWithoutSuffixes', delta_to_cumulative: { enabled: true, shards } },
          remote_write: [{ url: `${viaGateway.url}/api/v1/write`, name: 'prom3', protobuf_message: startZero ? 'io.prometheus.write.v2.Request' : 'prometheus.WriteRequest' }],
        });
        const backends = await openBackends({ kind: 'disk', dataDir, maxMessageBytes: 256 * 1024, logger, maxReceiveCount: 1000 });
        runner = await startLocalRunner({ config, backends, logger, host: '127.0.0.1', port: 0, deliverTimeoutMs: 10_000, retryDelayMs: 100 });

        const out = await exportRounds(ROUNDS, [`${direct.url}/api/v1/otlp/v1/metrics`, `${runner.url}/opentelemetry/v1/metrics`]);
        t.diagnostic(out.trim().split('\n').slice(-2).join('; '));
        assert.ok(await runner.drained(60_000), 'gateway did not drain');

        const at = Date.now() + 60_000;
        const [a, b] = [await direct.dump(at), await viaGateway.dump(at)];
        assertSameSeries(a, b);
        // What the SDK script adds up, so the comparison cannot pass on two equally wrong sides.
        const a1 = find(a, 'jobs_processed', { queue: 'a' });
        let total = 0;
        for (let r = 0; r < ROUNDS; r++) for (let i = 0; i < 3 + r; i++) total += 1 + i + r;
        // With zero ingestion: one zero sample at the stream's start, before its first point.
        const zeros = startZero ? 1 : 0;
        assert.equal(a1.values!.length, ROUNDS + zeros);
        if (startZero) assert.equal(a1.values![0]![1], '0');
        assert.equal(Number(a1.values!.at(-1)![1]), total);
        const b1 = find(a, 'jobs_processed', { queue: 'b' });
        assert.equal(b1.values!.length, Math.ceil(ROUNDS / 2) + zeros, 'the stream with gaps has a point in every other round');
        assert.equal(Number(b1.values!.at(-1)![1]), [...Array(ROUNDS).keys()].filter((r) => r % 2 === 0).reduce((n, r) => n + 2 * (3 + r), 0));
        assert.equal(find(a, 'job_latency_bucket', { le: '+Inf' }).values!.length, ROUNDS + zeros);
        const exp = find(a, 'exp_job_latency');
        assert.equal(exp.histograms!.length, ROUNDS + zeros);
        assert.equal(Number((exp.histograms!.at(-1)![1] as { count: string }).count), [...Array(ROUNDS).keys()].reduce((n, r) => n + 3 + r, 0));
        // Exemplars: Prometheus keeps a stream's first point's exemplars and re-emits only those; the gateway
        // carries each point's own (docs/otlp-datadog.md): Prometheus' are a subset of the gateway's.
        const [ea, eb] = [await direct.exemplars(0, at), await viaGateway.exemplars(0, at)];
        const exemplarKeys = (e: DumpedExemplars[]) => new Set(e.flatMap((s) => s.exemplars.map((x) => `${key(s.seriesLabels)} ${key(x.labels)} ${x.value}@${x.timestamp}`)));
        const [ka, kb] = [exemplarKeys(ea), exemplarKeys(eb)];
        assert.ok(ka.size > 0, 'Prometheus kept exemplars');
        assert.deepEqual([...ka].filter((k) => !kb.has(k)), [], 'every exemplar Prometheus kept, the gateway delivered');
        const counterExemplars = eb.find((s) => s.seriesLabels.__name__ === 'jobs_processed' && s.seriesLabels.queue === 'a')!.exemplars;
        assert.equal(new Set(counterExemplars.map((x) => x.timestamp)).size, ROUNDS, 'the gateway: exemplars from every export');
        t.diagnostic(`gateway errors: ${JSON.stringify(logger.lines.filter((l) => l.level === 'error'))}`);
        t.diagnostic(`series ${a.length}, float samples ${a.reduce((n, s) => n + (s.values?.length ?? 0), 0)}, histogram samples ${a.reduce((n, s) => n + (s.histograms?.length ?? 0), 0)}`);
      } catch (err) {
        t.diagnostic(`direct log: ${direct?.log() ?? ''}`);
        t.diagnostic(`gateway receiver log: ${viaGateway?.log() ?? ''}`);
        t.diagnostic(`gateway log: ${JSON.stringify(logger.lines.filter((l) => l.level !== 'debug').slice(-20))}`);
        throw err;
      } finally {
        await runner?.close();
        await direct?.stop();
        await viaGateway?.stop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }
});
