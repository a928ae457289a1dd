import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InfluxDB, Point } from '@influxdata/influxdb-client';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ingestHarness } from '../helpers/ingest.ts';
import { unpackMessage } from '../../lib/queue/unpack.ts';
import { formatSeries } from '../../lib/model/labels.ts';

/**
 * The real @influxdata/influxdb-client (v2 write API) against the gateway's ingest core over HTTP: it only
 * accepts 204, gzips bodies over 1 KB, and sends precision and bucket as query arguments.
 */
describe('@influxdata/influxdb-client writes', () => {
  const h = ingestHarness();
  let server: Server;
  let url: string;

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        const r = await h.call(req.method ?? 'GET', req.url ?? '/', Buffer.concat(chunks), headers);
        res.writeHead(r.status, r.headers).end(r.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('writes points (gzip above 1 KB) that arrive with bucket as db label and exact timestamps', async () => {
    const api = new InfluxDB({ url, token: 'unused' }).getWriteApi('org', 'metrics', 'ms', { batchSize: 1000, maxRetries: 0 });
    for (let i = 0; i < 200; i++) api.writePoint(new Point('job').tag('name', `n${i % 4}`).floatField('duration', i + 0.5).intField('rows', i).timestamp(1_700_000_000_000 + i));
    await api.close();
    let samples = 0;
    const seen = new Set<string>();
    for (const m of h.queue.sent) {
      for (const s of (await unpackMessage(m.body, m.attributes, h.blobs)).timeseries) {
        samples += s.samples.length;
        seen.add(formatSeries(s.labels));
      }
    }
    assert.equal(samples, 400);
    assert.ok(seen.has('job_duration{db="metrics",name="n0"}'), [...seen].join(' '));
    assert.equal(h.metrics.get('ingest_requests_total', { protocol: 'influx', status: '204' }) >= 1, true);
  });

  it('a rejected write surfaces as the client error with the line and reason', async () => {
    const api = new InfluxDB({ url, token: 'unused' }).getWriteApi('org', 'metrics', 'ns', { maxRetries: 0 });
    api.writeRecord('broken_line_without_fields');
    await assert.rejects(api.close(), (err: Error) => /unable to parse line 1 .*missing fields/.test(err.message));
  });
});
