import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ingestHarness } from '../../../helpers/ingest.ts';
import { ingestDeps } from '../../../../lib/compose/ingest.ts';
import { CounterRegistry } from '../../../../lib/adapters/system.ts';
import { parseGatewayConfig } from '../../../../lib/config/schema.ts';
import { formatSeries } from '../../../../lib/model/labels.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger, MemoryQueue } from '../../../helpers/fakes.ts';

const CSV = '/api/v1/import/csv?format=1:metric:m,2:label:host';

/**
 * One partial-write rule per protocol family (docs/formats.md): InfluxDB's 400 partial write; the
 * VictoriaMetrics-family imports answer 204 with x-gateway-rejected-lines (400 only when nothing was
 * accepted); OpenTSDB's 400 with details; DataDog's 202 with errors. Every rejected line is counted.
 */
describe('partial writes: one convention per protocol family, every rejected line counted', () => {
  const table: { protocol: string; path: string; body: string; status: number; rejectedHeader?: string; want?: RegExp; queued: number }[] = [
    { protocol: 'influx', path: '/write', body: 'a v=1\nb v=x\n', status: 400, want: /partial write: unable to parse line 2/, queued: 1 },
    { protocol: 'jsonline', path: '/api/v1/import', body: '{"metric":{"__name__":"a"},"values":[1],"timestamps":[1]}\nnope\n', status: 204, rejectedHeader: '1', queued: 1 },
    { protocol: 'csv', path: CSV, body: '1,h1\nx,h2\n2,h3\n', status: 204, rejectedHeader: '1', queued: 2 },
    { protocol: 'graphite', path: '/graphite', body: 'a 1\nb x\nc\n', status: 204, rejectedHeader: '2', queued: 1 },
    { protocol: 'prometheus', path: '/api/v1/import/prometheus', body: 'a 1\nb x\n', status: 204, rejectedHeader: '1', queued: 1 },
    { protocol: 'opentsdb', path: '/api/put', body: '[{"metric":"a","value":1},{"metric":"","value":1}]', status: 400, want: /One or more data points had errors/, queued: 1 },
    { protocol: 'datadog', path: '/datadog/api/v1/series', body: '{"series":[{"metric":"a","points":[[1700000000,1]]},{"metric":"","points":[[1700000000,1]]}]}', status: 202, want: /"errors":\["series 2: /, queued: 1 },
  ];
  for (const c of table) {
    it(`${c.protocol}: ${c.status}${c.rejectedHeader ? ' with x-gateway-rejected-lines' : ''}, good data queued`, async () => {
      const h = ingestHarness();
      const res = await h.call('POST', c.path, c.body, { 'content-type': 'application/json' });
      assert.equal(res.status, c.status, String(res.body));
      assert.equal(res.headers['x-gateway-rejected-lines'], c.rejectedHeader);
      if (c.want) assert.match(String(res.body), c.want);
      const samples = h.queue.sent.reduce((n, m) => n + Number(m.attributes.samples), 0);
      assert.equal(samples, c.queued);
      const rejected = c.rejectedHeader ? Number(c.rejectedHeader) : 1;
      assert.equal(h.metrics.get('ingest_rejected_lines_total', { protocol: c.protocol }), rejected);
    });
  }

  const allBad: { protocol: string; path: string; body: string; want: RegExp }[] = [
    { protocol: 'jsonline', path: '/api/v1/import', body: 'nope\nnope\n', want: /^jsonline: 2 invalid lines; nothing was accepted\njsonline: line 1: / },
    { protocol: 'csv', path: CSV, body: 'x,h\ny,h\n', want: /^csv: 1 invalid line; nothing was accepted\ncsv: line 2: cannot parse metric value/ },
    { protocol: 'graphite', path: '/graphite', body: 'b x\n', want: /^graphite: 1 invalid line; nothing was accepted\ngraphite: line 1: / },
    { protocol: 'prometheus', path: '/api/v1/import/prometheus', body: 'b x\n', want: /^prometheus: 1 invalid line; nothing was accepted\nprometheus: line 1: invalid value "x"/ },
  ];
  for (const c of allBad) {
    it(`${c.protocol}: nothing accepted is a 400 listing the lines (a retry duplicates nothing), counted`, async () => {
      const h = ingestHarness();
      const res = await h.call('POST', c.path, c.body);
      assert.equal(res.status, 400);
      assert.match(String(res.body), c.want);
      assert.equal(h.queue.sent.length, 0);
      assert.ok(h.metrics.get('ingest_rejected_lines_total', { protocol: c.protocol }) >= 1);
    });
  }
});

describe('ingest.max_line_length applies to every line-based protocol', () => {
  const table: { protocol: string; method?: string; path: string; line: string; okStatus: number }[] = [
    { protocol: 'influx', path: '/write', line: 'cpu,host=a usage=12.5', okStatus: 204 },
    { protocol: 'jsonline', path: '/api/v1/import', line: '{"metric":{"__name__":"a"},"values":[1],"timestamps":[1]}', okStatus: 204 },
    { protocol: 'csv', path: CSV, line: '12.5,web-01', okStatus: 204 },
    { protocol: 'graphite', path: '/graphite', line: 'servers.web01.cpu 42 1700000000', okStatus: 204 },
    { protocol: 'prometheus', path: '/api/v1/import/prometheus', line: 'job_duration_seconds{job="x"} 42.5', okStatus: 204 },
    { protocol: 'pushgateway', method: 'PUT', path: '/metrics/job/backup', line: 'backup_last_success 1700000000', okStatus: 200 },
  ];
  for (const c of table) {
    it(`${c.protocol}: a line of exactly max_line_length is accepted, one character more is rejected naming the limit`, async () => {
      const n = c.line.length;
      const at = ingestHarness({ maxLineLength: n });
      const ok = await at.call(c.method ?? 'POST', c.path, c.line + '\n');
      assert.equal(ok.status, c.okStatus, String(ok.body));
      const past = ingestHarness({ maxLineLength: n - 1 });
      const res = await past.call(c.method ?? 'POST', c.path, c.line + '\n');
      assert.equal(res.status, 400, String(res.body));
      assert.match(String(res.body), new RegExp(`line 1.*line of ${n} characters exceeds max_line_length=${n - 1}`));
      assert.equal(past.queue.sent.length, 0);
    });
  }
});

describe('otlp: and datadog: options reach the routes', () => {
  function deps(raw: Record<string, unknown>) {
    const config = parseGatewayConfig({ auth: { mode: 'none' }, ...raw });
    return ingestDeps({ config, queue: new MemoryQueue(), blobs: new MemoryBlobStore(), clock: new FakeClock(), logger: new MemoryLogger(), metrics: new CounterRegistry() });
  }
  const handle = async (d: ReturnType<typeof deps>, path: string, body: string) => {
    const m = d.router.match('POST', path);
    const out = await m.route.handle({ method: 'POST', path: m.path, params: m.params, query: new URLSearchParams(), headers: { 'content-type': 'application/json' }, body: Buffer.from(body), now: 1_700_000_000_000 });
    assert.equal(out.kind, 'series');
    return out.kind === 'series' ? out.series.map((s) => formatSeries(s.labels)) : [];
  };
  const dd = '{"series":[{"metric":"system.load.1","points":[[1700000000,1]]}]}';
  const otlp = JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'http.server.active', gauge: { dataPoints: [{ asInt: '1', timeUnixNano: '1700000000000000000' }] } }] }] }] });

  it('datadog.prometheusNaming', async () => {
    assert.deepEqual(await handle(deps({}), '/datadog/api/v1/series', dd), ['{__name__="system.load.1"}']);
    assert.deepEqual(await handle(deps({ datadog: { prometheusNaming: true } }), '/datadog/api/v1/series', dd), ['system_load_1{}']);
  });
  it('otlp.translationStrategy', async () => {
    assert.deepEqual(await handle(deps({}), '/opentelemetry/v1/metrics', otlp), ['http_server_active{}']);
    assert.deepEqual(await handle(deps({ otlp: { translationStrategy: 'NoTranslation' } }), '/opentelemetry/v1/metrics', otlp), ['{__name__="http.server.active"}']);
  });
});
