import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InfluxDB, Point } from '@influxdata/influxdb-client';
import { haveBinary } from '../../helpers/services.ts';
import { pollExport, startGatewayWithVm, statusesOf, type GatewayWithVm } from './harness.ts';

/**
 * @influxdata/influxdb-client (v2 write API: only 204 is success, gzip above 1 KB) against the local runner;
 * every point is read back from the VictoriaMetrics behind it.
 */
const available = haveBinary('victoria-metrics');
if (!available && process.env.CI === 'true') throw new Error('victoria-metrics is required under CI=true (apt-get install victoria-metrics)');

describe('@influxdata/influxdb-client through the gateway into VictoriaMetrics', { skip: !available && 'victoria-metrics not installed' }, () => {
  let g: GatewayWithVm;
  before(async () => {
    g = await startGatewayWithVm();
  });
  after(async () => {
    await g?.close();
  });

  it('writes gzipped batches whose points arrive with exact values, tags and millisecond timestamps', async () => {
    const api = new InfluxDB({ url: g.runner.url, token: 'unused' }).getWriteApi('org', 'jobs', 'ms', { batchSize: 500, maxRetries: 0, flushInterval: 0 });
    for (let i = 0; i < 1000; i++) {
      api.writePoint(new Point('interop_influx').tag('host', `h ${i % 3}`).tag('path', 'a,b=c').floatField('duration', i / 4).intField('rows', i).booleanField('ok', i % 2 === 0).stringField('note', 'x').timestamp(1_700_000_000_000 + i * 1000));
    }
    await api.close();
    const got = await pollExport(g.vm, '{__name__=~"interop_influx_.*"}', (s) => s.length === 9 && s.reduce((n, x) => n + x.values.length, 0) === 3000);
    for (const s of got) {
      assert.equal(s.metric.db, 'jobs');
      assert.equal(s.metric.path, 'a,b=c');
      const h = Number(s.metric.host!.slice(2));
      const field = s.metric.__name__!.slice('interop_influx_'.length);
      s.timestamps.forEach((t, k) => {
        const i = (t - 1_700_000_000_000) / 1000;
        assert.equal(i % 3, h);
        assert.equal(s.values[k], field === 'duration' ? i / 4 : field === 'rows' ? i : i % 2 === 0 ? 1 : 0, `${field} ${i}`);
      });
    }
    assert.deepEqual(Object.keys(statusesOf(g.runner, 'influx')), ['204']);
  });
});
