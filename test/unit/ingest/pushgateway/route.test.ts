import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Counter, Gauge, Histogram, Pushgateway, Registry, Summary } from 'prom-client';
import fc from 'fast-check';
import { BadRequestError, GatewayError } from '../../../../lib/errors.ts';
import { DEFAULT_LIMITS } from '../../../../lib/config/schema.ts';
import { createRoutes } from '../../../../lib/ingest/pushgateway/route.ts';
import { pushgateway } from '../../../../lib/ingest/pushgateway/index.ts';
import type { IngestRequest, RouteOutcome } from '../../../../lib/ingest/types.ts';
import { formatSeries } from '../../../../lib/model/labels.ts';
import type { TimeSeries } from '../../../../lib/model/types.ts';

const routes = createRoutes({ limits: DEFAULT_LIMITS });
const PUSHGATEWAY_PATHS = pushgateway.routes.push.paths;

const NOW = 1_700_000_000_000;
const route = routes[0]!;

function request(method: string, path: string, body = '', headers: Record<string, string> = {}): IngestRequest {
  return { method, path, params: {}, query: new URLSearchParams(), headers, body: new TextEncoder().encode(body), now: NOW };
}

function seriesOf(outcome: RouteOutcome): TimeSeries[] {
  assert.equal(outcome.kind, 'series');
  return outcome.series;
}

/** `name{labels} value @ts` lines, sorted, for compact assertions. */
function render(series: TimeSeries[]): string[] {
  return series
    .map((s) => {
      const sample = s.samples[0]!;
      return `${formatSeries(s.labels)} ${sample.stale ? 'STALE' : sample.value} @${sample.timestamp}`;
    })
    .sort();
}

const PUSH_TIME = NOW / 1000;

describe('Pushgateway route shape', () => {
  it('serves PUT, POST and DELETE under both path forms and the VictoriaMetrics prefix', () => {
    assert.equal(route.protocol, 'pushgateway');
    assert.deepEqual(route.methods, ['PUT', 'POST', 'DELETE']);
    assert.deepEqual(PUSHGATEWAY_PATHS, [
      '/metrics/job/*',
      '/metrics/job@base64/*',
      '/api/v1/import/prometheus/metrics/job/*',
      '/api/v1/import/prometheus/metrics/job@base64/*',
    ]);
    assert.deepEqual(route.paths, PUSHGATEWAY_PATHS);
  });
});

describe('pushes from prom-client (captured on 127.0.0.1)', () => {
  interface Captured {
    method: string;
    url: string;
    headers: Record<string, string>;
    body: Uint8Array;
  }
  const captured: Captured[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      captured.push({ method: req.method!, url: req.url!, headers, body: new Uint8Array(Buffer.concat(chunks)) });
      res.statusCode = req.method === 'DELETE' ? 202 : 200;
      res.end();
    });
  });
  let gateway = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    gateway = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  function registry(): Registry {
    const r = new Registry();
    const c = new Counter({ name: 'jobs_done_total', help: 'Done "jobs"', labelNames: ['kind', 'instance'], registers: [r] });
    c.inc({ kind: 'a"b\\c\nd', instance: 'from-body' }, 3);
    const h = new Histogram({ name: 'dur_seconds', help: 'h', buckets: [0.5, 1e6], registers: [r] });
    h.observe(0.3);
    const s = new Summary({ name: 'lat', help: 's', percentiles: [0.5], registers: [r] });
    s.observe(2);
    new Gauge({ name: 'g', help: 'g', registers: [r] }).set(-1.5e-7);
    return r;
  }

  function replay(c: Captured): RouteOutcome {
    return route.handle({ method: c.method, path: c.url, params: {}, query: new URLSearchParams(), headers: c.headers, body: c.body, now: NOW });
  }

  it('pushAdd (POST) with a job and grouping values holding / and spaces', async () => {
    const pg = new Pushgateway(gateway, {}, registry());
    await pg.pushAdd({ jobName: 'batch/nightly', groupings: { path: '/var/tmp', host: 'db 1' } });
    const c = captured.at(-1)!;
    assert.equal(c.method, 'POST');
    assert.equal(c.url, '/metrics/job/batch%2Fnightly/path/%2Fvar%2Ftmp/host/db%201');
    const out = replay(c);
    assert.equal(out.kind === 'series' && out.success.status, 200);
    const g = 'host="db 1",job="batch/nightly",path="/var/tmp"';
    assert.deepEqual(render(seriesOf(out)), [
      `dur_seconds_bucket{host="db 1",job="batch/nightly",le="+Inf",path="/var/tmp"} 1 @${NOW}`,
      `dur_seconds_bucket{host="db 1",job="batch/nightly",le="0.5",path="/var/tmp"} 1 @${NOW}`,
      `dur_seconds_bucket{host="db 1",job="batch/nightly",le="1000000",path="/var/tmp"} 1 @${NOW}`,
      `dur_seconds_count{${g}} 1 @${NOW}`,
      `dur_seconds_sum{${g}} 0.3 @${NOW}`,
      `g{${g}} -1.5e-7 @${NOW}`,
      `jobs_done_total{host="db 1",instance="from-body",job="batch/nightly",kind="a\\"b\\\\c\\nd",path="/var/tmp"} 3 @${NOW}`,
      `lat_count{${g}} 1 @${NOW}`,
      `lat_sum{${g}} 2 @${NOW}`,
      `lat{${g},quantile="0.5"} 2 @${NOW}`,
      `push_time_seconds{${g}} ${PUSH_TIME} @${NOW}`,
    ]);
  });

  it('push (PUT): grouping labels override body labels', async () => {
    const pg = new Pushgateway(gateway, {}, registry());
    await pg.push({ jobName: 'j', groupings: { instance: 'from-path' } });
    const c = captured.at(-1)!;
    assert.equal(c.method, 'PUT');
    const counter = seriesOf(replay(c)).find((s) => s.labels.some((l) => l.value === 'jobs_done_total'))!;
    assert.equal(counter.labels.find((l) => l.name === 'instance')!.value, 'from-path');
  });

  it('delete (DELETE): 202 and a staleness marker for push_time_seconds', async () => {
    const pg = new Pushgateway(gateway, {}, registry());
    await pg.delete({ jobName: 'j', groupings: { instance: 'i' } });
    const c = captured.at(-1)!;
    assert.equal(c.method, 'DELETE');
    const out = replay(c);
    assert.equal(out.kind === 'series' && out.success.status, 202);
    const [s] = seriesOf(out);
    assert.deepEqual(s!.labels, [
      { name: '__name__', value: 'push_time_seconds' },
      { name: 'instance', value: 'i' },
      { name: 'job', value: 'j' },
    ]);
    assert.equal(s!.samples[0]!.stale, true);
    assert.equal(s!.samples[0]!.timestamp, NOW);
  });

  it('gzip-free text body without Content-Type is read as text 0.0.4', async () => {
    const pg = new Pushgateway(gateway, {}, registry());
    await pg.pushAdd({ jobName: 'j' });
    assert.equal(captured.at(-1)!.headers['content-type'], undefined);
  });
});

describe('text pushes', () => {
  it('applies the grouping key: override, removal by empty value, other body labels kept', () => {
    const body = 'a{job="body",instance="body",zone="eu",x="1"} 1\nb{x="2"} 2\n';
    const out = route.handle(request('PUT', '/metrics/job/j/zone@base64/=/x/path', body));
    assert.deepEqual(render(seriesOf(out)), [
      `a{instance="body",job="j",x="path"} 1 @${NOW}`,
      `b{job="j",x="path"} 2 @${NOW}`,
      `push_time_seconds{job="j",x="path"} ${PUSH_TIME} @${NOW}`,
    ]);
  });

  it('keeps timestamps written in the body and stamps the others with req.now', () => {
    const out = route.handle(request('POST', '/metrics/job/j', 'a 1 1600000000000\nb 2\n'));
    assert.deepEqual(render(seriesOf(out)).slice(0, 2), ['a{job="j"} 1 @1600000000000', `b{job="j"} 2 @${NOW}`]);
  });

  it('accepts a body without its final newline (the Pushgateway answers 400)', () => {
    assert.equal(seriesOf(route.handle(request('POST', '/metrics/job/j', 'a 1'))).length, 2);
  });

  it('replaces a pushed push_time_seconds with its own', () => {
    const out = route.handle(request('POST', '/metrics/job/j', 'push_time_seconds 5\n'));
    assert.deepEqual(render(seriesOf(out)), [`push_time_seconds{job="j"} ${PUSH_TIME} @${NOW}`]);
  });

  it('accepts an empty body (only push_time_seconds)', () => {
    assert.deepEqual(render(seriesOf(route.handle(request('PUT', '/metrics/job/j')))), [`push_time_seconds{job="j"} ${PUSH_TIME} @${NOW}`]);
  });

  it('reads OpenMetrics when the Content-Type says so', () => {
    const out = route.handle(request('POST', '/metrics/job/j', 'a_total 1 1.5\n# EOF\n', { 'content-type': 'application/openmetrics-text; version=1.0.0' }));
    assert.equal(seriesOf(out)[0]!.samples[0]!.timestamp, 1500);
  });

  it('works under the VictoriaMetrics prefix', () => {
    const out = route.handle(request('POST', '/api/v1/import/prometheus/metrics/job/j/instance/i', 'a 1\n'));
    assert.deepEqual(render(seriesOf(out))[0], `a{instance="i",job="j"} 1 @${NOW}`);
  });

  const rejections: { name: string; path: string; body: string; want: string }[] = [
    {
      name: 'a bad line rejects the whole push',
      path: '/metrics/job/j',
      body: 'a 1\nb{c="1"} x\n',
      want: 'pushgateway: 1 invalid line; nothing was accepted\npushgateway: line 2: invalid value "x": "b{c=\\"1\\"} x"',
    },
    {
      name: 'a malformed TYPE line is an error (the Pushgateway parser checks them)',
      path: '/metrics/job/j',
      body: '# TYPE a countr\na 1\n',
      want: 'pushgateway: line 1: invalid metric type "countr"',
    },
    {
      name: 'two series equal after the grouping key',
      path: '/metrics/job/j/instance/i',
      body: 'a{instance="1"} 1\na{instance="2"} 2\n',
      want: 'pushgateway: series a{instance="i",job="j"} is pushed twice (after applying the grouping key); nothing was accepted',
    },
    { name: 'a bad grouping key', path: '/metrics/job/j/a', body: 'a 1\n', want: 'pushgateway: odd number of path segments' },
    { name: 'a missing job', path: '/metrics/job/', body: 'a 1\n', want: 'pushgateway: job name is required' },
  ];
  for (const { name, path, body, want } of rejections) {
    it(`400: ${name}`, () => {
      assert.throws(
        () => route.handle(request('POST', path, body)),
        (err: unknown) => err instanceof BadRequestError && err.status === 400 && err.message.includes(want),
      );
    });
  }

  it('DELETE checks the grouping key too', () => {
    assert.throws(() => route.handle(request('DELETE', '/metrics/job/j/__a/b')), /pushgateway: improper label name "__a"/);
  });

  it('DELETE ignores a body', () => {
    assert.equal(seriesOf(route.handle(request('DELETE', '/metrics/job/j', 'garbage {{{'))).length, 1);
  });
});

describe('only the route\'s own errors escape', () => {
  it('for arbitrary bodies, content types and paths', () => {
    const contentTypes = fc.constantFrom(
      undefined,
      'text/plain; version=0.0.4',
      'application/openmetrics-text',
      'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited',
      'application/vnd.google.protobuf',
    );
    const paths = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 30 }).map((t) => '/metrics/job/' + t),
      fc.string({ unit: 'binary', maxLength: 30 }).map((t) => '/metrics/job@base64/' + t),
      fc.constant('/metrics/job/j'),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), contentTypes, paths, fc.constantFrom('PUT', 'POST', 'DELETE'), (body, ct, path, method) => {
        const headers: Record<string, string> = ct === undefined ? {} : { 'content-type': ct };
        try {
          const out = route.handle({ method, path, params: {}, query: new URLSearchParams(), headers, body, now: NOW });
          assert.equal(out.kind, 'series');
        } catch (err) {
          assert.ok(err instanceof GatewayError && (err.status === 400 || err.status === 415), String(err));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
