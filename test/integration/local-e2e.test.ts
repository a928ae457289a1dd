import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openBackends } from '../../lib/local/backends.ts';
import { startLocalRunner, type LocalRunner } from '../../lib/local/runner.ts';
import { parseGatewayConfig } from '../../lib/config/schema.ts';
import { encodeWriteRequest } from '../../lib/remote-write/encode.ts';
import { snappyCompress } from '../../lib/remote-write/snappy.ts';
import { haveBinary, startVictoriaMetrics, type VictoriaMetrics } from '../helpers/services.ts';
import { MemoryLogger } from '../helpers/fakes.ts';

/**
 * The whole local pipeline against a real VictoriaMetrics: push Influx and remote_write to the local
 * runner, let it queue on disk and deliver, and read every sample back from /api/v1/export.
 */
const available = haveBinary('victoria-metrics');
if (!available && process.env.CI === 'true') throw new Error('victoria-metrics is required under CI=true (apt-get install victoria-metrics)');

describe('local runner end to end with VictoriaMetrics', { skip: !available && 'victoria-metrics not installed' }, () => {
  let vm: VictoriaMetrics;
  let runner: LocalRunner;
  let dataDir: string;

  before(async () => {
    vm = await startVictoriaMetrics();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'gw-e2e-'));
    const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ name: 'vm', url: `${vm.url}/api/v1/write`, queue_config: { max_samples_per_send: 500 } }], queue: { max_message_bytes: 8192 } });
    const logger = new MemoryLogger();
    runner = await startLocalRunner({ config, backends: await openBackends({ kind: 'disk', dataDir, maxMessageBytes: 8192, logger }), logger, host: '127.0.0.1', port: 0 });
  });

  after(async () => {
    await runner?.close();
    await vm?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every Influx sample with exact labels, values and timestamps', async () => {
    const base = 1_700_000_000_000;
    const lines: string[] = [];
    const want = new Map<string, { values: number[]; timestamps: number[] }>();
    for (let i = 0; i < 2000; i++) {
      const host = `h${i % 40}`;
      const ts = base + i * 1000;
      const v = (i * 7) % 1000 + 0.25;
      lines.push(`sys,host=${host},dc=eu\\ west load=${v},procs=${i}i ${ts}000000`);
      for (const [field, val] of [['load', v], ['procs', i]] as const) {
        const key = JSON.stringify({ __name__: `sys_${field}`, db: 'e2e', dc: 'eu west', host });
        const w = want.get(key) ?? { values: [], timestamps: [] };
        w.values.push(val);
        w.timestamps.push(ts);
        want.set(key, w);
      }
    }
    const res = await fetch(`${runner.url}/write?db=e2e`, { method: 'POST', body: lines.join('\n') });
    assert.equal(res.status, 204, await res.text());
    assert.ok(await runner.drained(30_000), 'queue drained');
    const got = await vm.exportSeries('{__name__=~"sys_.*"}');
    assert.equal(got.length, want.size);
    for (const s of got) {
      const w = want.get(JSON.stringify(Object.fromEntries(Object.entries(s.metric).sort())));
      assert.ok(w, `unexpected series ${JSON.stringify(s.metric)}`);
      assert.deepEqual(s.timestamps, w.timestamps);
      assert.deepEqual(s.values, w.values);
    }
  });

  it('delivers every remote_write sample, including a series spread over many messages', async () => {
    const base = 1_700_100_000_000;
    const timeseries = Array.from({ length: 30 }, (_, i) => ({
      labels: [{ name: '__name__', value: 'rw_metric' }, { name: 'series', value: String(i).padStart(2, '0') }],
      samples: Array.from({ length: i === 0 ? 3000 : 5 }, (_, j) => ({ value: i * 1000 + j, timestamp: base + j * 15_000 })),
    }));
    const body = snappyCompress(encodeWriteRequest({ timeseries, metadata: [] }));
    const res = await fetch(`${runner.url}/api/v1/write`, { method: 'POST', body, headers: { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf', 'x-prometheus-remote-write-version': '0.1.0' } });
    assert.equal(res.status, 204, await res.text());
    assert.ok(await runner.drained(30_000), 'queue drained');
    const got = await vm.exportSeries('{__name__="rw_metric"}');
    assert.equal(got.length, 30);
    for (const s of got) {
      const src = timeseries[Number(s.metric.series)]!;
      assert.deepEqual(s.timestamps, src.samples.map((x) => x.timestamp));
      assert.deepEqual(s.values, src.samples.map((x) => x.value));
    }
  });

  it('a bad request reaches nothing: VictoriaMetrics holds no sample from it', async () => {
    const res = await fetch(`${runner.url}/write`, { method: 'POST', body: 'badline_only' });
    assert.equal(res.status, 400);
    assert.ok(await runner.drained(10_000));
    assert.equal((await vm.exportSeries('{__name__=~"badline.*"}')).length, 0);
  });
});
