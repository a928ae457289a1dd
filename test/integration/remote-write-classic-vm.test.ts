import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openBackends } from '../../lib/local/backends.ts';
import { startLocalRunner, type LocalRunner } from '../../lib/local/runner.ts';
import { parseGatewayConfig } from '../../lib/config/schema.ts';
import { encodeV2Request } from '../../lib/remote-write/v2.ts';
import { snappyCompress } from '../../lib/remote-write/snappy.ts';
import type { Histogram } from '../../lib/model/types.ts';
import { haveBinary, startVictoriaMetrics, type VictoriaMetrics } from '../helpers/services.ts';
import { MemoryLogger } from '../helpers/fakes.ts';

/**
 * Native histograms into a receiver that cannot store them (VictoriaMetrics 1.79.5): with
 * convert_native_histograms_to_classic the gateway sends _bucket{le}/_count/_sum series that VictoriaMetrics
 * stores and histogram_quantile() reads; with send_native_histograms: false they are dropped and counted.
 * A destination set to 2.0 falls back to 1.0 on VictoriaMetrics' 204 without written counts, data intact.
 */
const available = haveBinary('victoria-metrics');
if (!available && process.env.CI === 'true') throw new Error('victoria-metrics is required under CI=true (apt-get install victoria-metrics)');

const T = 1_700_000_000_000;

describe('native histograms to VictoriaMetrics 1.79.5 as classic series', { skip: !available && 'victoria-metrics not installed' }, () => {
  let vm: VictoriaMetrics;
  let runner: LocalRunner;
  let dataDir: string;
  before(async () => {
    vm = await startVictoriaMetrics();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'gw-classic-'));
    const logger = new MemoryLogger();
    const config = parseGatewayConfig({
      auth: { mode: 'none' },
      remote_write: [
        { url: `${vm.url}/api/v1/write`, name: 'vm_classic', convert_native_histograms_to_classic: true, write_relabel_configs: [{ target_label: 'via', replacement: 'classic' }] },
        { url: `${vm.url}/api/v1/write`, name: 'vm_plain', send_native_histograms: false, write_relabel_configs: [{ target_label: 'via', replacement: 'plain' }] },
        // VictoriaMetrics 1.79.5 reads a 2.0 body as an empty 1.0 request and answers 204 without written counts.
        { url: `${vm.url}/api/v1/write`, name: 'vm_v2', protobuf_message: 'io.prometheus.write.v2.Request', send_native_histograms: false, write_relabel_configs: [{ target_label: 'via', replacement: 'v2' }] },
      ],
    });
    const backends = await openBackends({ kind: 'disk', dataDir, maxMessageBytes: 256 * 1024, logger, maxReceiveCount: 1000 });
    runner = await startLocalRunner({ config, backends, logger, host: '127.0.0.1', port: 0, deliverTimeoutMs: 10_000, retryDelayMs: 100 });
  });
  after(async () => {
    await runner?.close();
    await vm?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('converts at every bound; the other destination drops and counts', async () => {
    // Custom buckets (-53) with bounds 0.1, 0.5, 1 (+Inf): counts 3, 0, 5, 2 -> cumulative 3, 3, 8, 10.
    const nhcb: Histogram = { timestamp: T, float: false, count: 10, sum: 7.5, schema: -53, zeroThreshold: 0, zeroCount: 0, negativeSpans: [], negativeBuckets: [], positiveSpans: [{ offset: 0, length: 4 }], positiveBuckets: [3, -3, 5, -3], resetHint: 0, customValues: [0.1, 0.5, 1] };
    // Exponential schema 0 with a zero bucket: (0.5,1]=1, (1,2]=4 and zero bucket 2 -> le 0.001:2, 1:3, 2:7.
    const expo: Histogram = { timestamp: T, float: true, count: 7, sum: 6, schema: 0, zeroThreshold: 0.001, zeroCount: 2, negativeSpans: [], negativeBuckets: [], positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [1, 4], resetHint: 0, customValues: [] };
    const body = encodeV2Request([
      { labels: [{ name: '__name__', value: 'nh_latency_seconds' }, { name: 'job', value: 'a' }], samples: [], histograms: [nhcb] },
      { labels: [{ name: '__name__', value: 'nh_size_bytes' }, { name: 'job', value: 'a' }], samples: [], histograms: [expo] },
      { labels: [{ name: '__name__', value: 'nh_up' }, { name: 'job', value: 'a' }], samples: [{ value: 1, timestamp: T }] },
    ]).body;
    const res = await fetch(`${runner.url}/api/v1/write`, { method: 'POST', body: snappyCompress(body), headers: { 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request', 'content-encoding': 'snappy' } });
    assert.equal(res.status, 204, await res.text());
    assert.equal(res.headers.get('x-prometheus-remote-write-histograms-written'), '2');
    assert.ok(await runner.drained(30_000), 'drained');
    const got = await vm.exportSeries('{__name__=~"nh_.*"}');
    const values = Object.fromEntries(got.map((s) => [`${s.metric.__name__}{${s.metric.le ?? ''}}@${s.metric.via}`, s.values[0]]));
    assert.deepEqual(values, {
      'nh_latency_seconds_bucket{0.1}@classic': 3,
      'nh_latency_seconds_bucket{0.5}@classic': 3,
      'nh_latency_seconds_bucket{1}@classic': 8,
      'nh_latency_seconds_bucket{+Inf}@classic': 10,
      'nh_latency_seconds_count{}@classic': 10,
      'nh_latency_seconds_sum{}@classic': 7.5,
      'nh_size_bytes_bucket{0.001}@classic': 2,
      'nh_size_bytes_bucket{1}@classic': 3,
      'nh_size_bytes_bucket{2}@classic': 7,
      'nh_size_bytes_bucket{+Inf}@classic': 7,
      'nh_size_bytes_count{}@classic': 7,
      'nh_size_bytes_sum{}@classic': 6,
      'nh_up{}@classic': 1,
      'nh_up{}@plain': 1,
      'nh_up{}@v2': 1,
    });
    assert.match(runner.metrics.render(), /gateway_delivery_protobuf_fallback_total\{destination="vm_v2"\} 1/);
    assert.match(runner.metrics.render(), /gateway_delivery_dropped_total\{destination="vm_plain",kind="histogram",reason="send_native_histograms_false"\} 2/);
    // VictoriaMetrics reads the converted buckets as a classic histogram.
    const q = await (await fetch(`${vm.url}/api/v1/query?query=${encodeURIComponent('histogram_quantile(0.5, nh_latency_seconds_bucket)')}&time=${T / 1000}`)).json() as { data: { result: { value: [number, string] }[] } };
    assert.equal(q.data.result.length, 1);
    assert.ok(Number(q.data.result[0]!.value[1]) > 0.5 && Number(q.data.result[0]!.value[1]) <= 1, JSON.stringify(q.data.result));
  });
});
