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
import { assertSameSeries, key, normExemplars, startPrometheus3Receiver, type DumpedExemplars, type DumpedSeries, type Prometheus3Receiver } from '../../helpers/prometheus3.ts';

/**
 * Differential for OTLP (issue 13): the real OpenTelemetry Python SDK (PyPI opentelemetry-sdk and
 * opentelemetry-exporter-otlp-proto-http, in the venv scripts/test.sh builds) records a counter, an
 * explicit-bucket histogram, two exponential histograms (one at the SDK's maximum scale 20, downscaled to 8),
 * an up-down counter and a synchronous gauge, with exemplars (inside sampled spans), collects once, and exports the same
 * MetricsData over OTLP/HTTP protobuf to Prometheus 3's own OTLP receiver and to the gateway, which delivers
 * by remote_write to a second Prometheus 3. Both must then hold the same float samples, native histograms
 * and exemplars. Both sides use the same translation strategy (Prometheus' `otlp.translation_strategy`, the
 * gateway's `otlp.translationStrategy`): the gateway's default, and Prometheus' default in run 3.
 *
 * Run 2 turns on Prometheus' start timestamp zero ingestion on both receivers and sends remote_write 2.0
 * from the gateway: OTLP start times then show up as a zero sample at the start time on both sides.
 * Nothing waits for a fixed time: the export returns when both receivers answered, and the gateway is
 * drained before comparing.
 */
const VENV = process.env.GATEWAY_OTEL_VENV ?? path.join(os.homedir(), '.cache', 'metrics-gateway', 'otel-venv');
const PYTHON = path.join(VENV, 'bin', 'python');
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'helpers', 'otel-export.py');
/** Metric names the SDK script's instruments get under each translation strategy (both sides must agree). */
const NAMES = {
  UnderscoreEscapingWithoutSuffixes: { counter: 'http_requests', bucket: 'http_latency_bucket', exp: 'exp_latency', narrow: 'exp_narrow', updown: 'queue_depth', gauge: 'room_temperature' },
  UnderscoreEscapingWithSuffixes: { counter: 'http_requests_total', bucket: 'http_latency_seconds_bucket', exp: 'exp_latency_seconds', narrow: 'exp_narrow_bytes', updown: 'queue_depth', gauge: 'room_temperature_celsius' },
} as const;

function requireOtelVenv(t: TestContext): boolean {
  if (existsSync(PYTHON)) return true;
  const how = `python3 -m venv ${VENV} && ${VENV}/bin/pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http (scripts/test.sh does it)`;
  if (process.env.CI === 'true') throw new Error(`${PYTHON} is required under CI=true (${how})`);
  t.skip(`OpenTelemetry SDK venv missing (${how})`);
  return false;
}

/** Runs the SDK export to every URL; bounded in time, its own process group killed by the timeout. */
function exportOnce(urls: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('timeout', ['-s', 'KILL', '120', PYTHON, SCRIPT, ...urls], { timeout: 130_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`otel-export.py failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const runs = [
  { name: 'remote_write 1.0 from the gateway', message: 'prometheus.WriteRequest', startZero: false, strategy: 'UnderscoreEscapingWithoutSuffixes' },
  { name: 'remote_write 2.0 from the gateway, start timestamps stored as zero samples on both sides', message: 'io.prometheus.write.v2.Request', startZero: true, strategy: 'UnderscoreEscapingWithoutSuffixes' },
  { name: 'UnderscoreEscapingWithSuffixes (Prometheus\' default) on both sides', message: 'prometheus.WriteRequest', startZero: false, strategy: 'UnderscoreEscapingWithSuffixes' },
] as const;

describe('differential: OpenTelemetry SDK -> Prometheus 3 OTLP receiver, and -> gateway -> Prometheus 3', { concurrency: false }, () => {
  for (const run of runs) {
    it(run.name, { timeout: 300_000 }, async (t) => {
      const bin = requireBuiltTool(t, 'prometheus');
      if (!bin || !requireOtelVenv(t)) return;
      let direct: Prometheus3Receiver | undefined;
      let viaGateway: Prometheus3Receiver | undefined;
      let runner: LocalRunner | undefined;
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gw-otlp-prom3-'));
      const logger = new MemoryLogger();
      try {
        direct = await startPrometheus3Receiver(bin, { otlpTranslationStrategy: run.strategy, startTimestampZeroIngestion: run.startZero });
        viaGateway = await startPrometheus3Receiver(bin, { startTimestampZeroIngestion: run.startZero });
        const config = parseGatewayConfig({
          auth: { mode: 'none' },
          otlp: { translationStrategy: run.strategy },
          remote_write: [{ url: `${viaGateway.url}/api/v1/write`, name: 'prom3', protobuf_message: run.message }],
        });
        const backends = await openBackends({ kind: 'disk', dataDir, maxMessageBytes: 256 * 1024, logger, maxReceiveCount: 1000 });
        runner = await startLocalRunner({ config, backends, logger, host: '127.0.0.1', port: 0, deliverTimeoutMs: 10_000, retryDelayMs: 100 });

        const out = await exportOnce([`${direct.url}/api/v1/otlp/v1/metrics`, `${runner.url}/opentelemetry/v1/metrics`]);
        t.diagnostic(out.trim());
        assert.ok(await runner.drained(60_000), 'gateway did not drain');

        const at = Date.now() + 60_000;
        const [a, b] = [await direct.dump(at), await viaGateway.dump(at)];
        assertSameSeries(a, b);
        const histograms = a.reduce((n, s) => n + (s.histograms?.length ?? 0), 0);
        const names = new Set(a.map((s) => s.metric.__name__));
        const N = NAMES[run.strategy];
        for (const n of Object.values(N)) assert.ok(names.has(n), `${n} missing: ${[...names].join(', ')}`);
        assert.ok(histograms >= 2, 'no native histogram samples to compare');
        if (run.startZero) {
          const counter = a.find((s) => s.metric.__name__ === N.counter)!;
          assert.equal(counter.values!.length, 2, 'a zero sample at the start time, then the value');
          assert.equal(counter.values![0]![1], '0');
        }
        const [ea, eb] = [await direct.exemplars(0, at), await viaGateway.exemplars(0, at)];
        assert.deepEqual(normExemplars(eb), normExemplars(ea));
        const exemplarSeries = new Set(ea.map((e) => e.seriesLabels.__name__));
        for (const n of [N.counter, N.bucket, N.exp, N.narrow]) assert.ok(exemplarSeries.has(n), `no exemplars on ${n}`);
        assert.ok(!exemplarSeries.has(N.gauge), 'the SDK sends gauge exemplars; Prometheus keeps none, and neither does the gateway');
        t.diagnostic(`series ${a.length}, float samples ${a.reduce((n, s) => n + (s.values?.length ?? 0), 0)}, histogram samples ${histograms}, exemplar series ${ea.length} (${ea.reduce((n, e) => n + e.exemplars.length, 0)} exemplars)`);
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

