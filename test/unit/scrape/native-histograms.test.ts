import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { ConfigError } from '../../../lib/errors.ts';
import { MetricFamilyType } from '../../helpers/client-model-proto.ts';
import { formatSeries } from '../../../lib/model/labels.ts';
import type { TimeSeries } from '../../../lib/model/types.ts';
import { acceptHeader } from '../../../lib/scrape/fetch.ts';
import { convertClassicToNhcb } from '../../../lib/scrape/nhcb.ts';
import { runScrapeWindow } from '../../../lib/scrape/run.ts';
import { byName, scrapeHarness, startTestTarget, type TestTarget } from './helpers.ts';

const MINUTE = 1_700_000_040_000;
const win = { from: MINUTE, to: MINUTE + 60_000, shard: 0, shards: 1 };
const PROTO = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';
const targets: TestTarget[] = [];
after(async () => {
  for (const t of targets) await t.close();
});

function problems(raw: unknown): string[] {
  try {
    parseGatewayConfig({ auth: { mode: 'none' }, ...(raw as object) });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}
const jobOf = (raw: Record<string, unknown>) => parseGatewayConfig({ auth: { mode: 'none' }, ...raw }).scrape[0]!;

describe('scrape config: Prometheus 3 protocol and histogram options', () => {
  it('defaults as Prometheus 3 (v0.316): text protocols, native histograms off; proto first when they are on', () => {
    const d = jobOf({ scrape_configs: [{ job_name: 'a' }] });
    assert.deepEqual(d.scrapeProtocols, ['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4']);
    assert.deepEqual([d.scrapeNativeHistograms, d.alwaysScrapeClassicHistograms, d.convertClassicHistogramsToNhcb], [false, false, false]);
    const n = jobOf({ scrape_configs: [{ job_name: 'a', scrape_native_histograms: true }] });
    assert.deepEqual(n.scrapeProtocols, ['PrometheusProto', 'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4']);
  });

  it('global settings apply to every job; a job setting wins', () => {
    const g = { scrape_protocols: ['PrometheusText0.0.4'], scrape_native_histograms: true, always_scrape_classic_histograms: true, convert_classic_histograms_to_nhcb: true };
    const c = parseGatewayConfig({ auth: { mode: 'none' }, global: g, scrape_configs: [{ job_name: 'a' }, { job_name: 'b', scrape_protocols: ['PrometheusProto'], convert_classic_histograms_to_nhcb: false }] }).scrape;
    assert.deepEqual(c.map((j) => [j.scrapeProtocols, j.scrapeNativeHistograms, j.alwaysScrapeClassicHistograms, j.convertClassicHistogramsToNhcb]), [
      [['PrometheusText0.0.4'], true, true, true],
      [['PrometheusProto'], true, true, false],
    ]);
  });

  const bad: { name: string; input: unknown; want: string }[] = [
    { name: 'unknown protocol', input: { scrape_configs: [{ job_name: 'a', scrape_protocols: ['PrometheusText0.0.4', 'Proto'] }] }, want: 'scrape_configs[0].scrape_protocols[1]: unknown scrape protocol "Proto"' },
    { name: 'repeated protocol', input: { scrape_configs: [{ job_name: 'a', scrape_protocols: ['PrometheusProto', 'PrometheusProto'] }] }, want: 'scrape_configs[0].scrape_protocols[1]: duplicated protocol PrometheusProto' },
    { name: 'empty list', input: { global: { scrape_protocols: [] } }, want: 'global.scrape_protocols: must not be empty' },
    { name: 'not a list', input: { scrape_configs: [{ job_name: 'a', scrape_protocols: 'PrometheusProto' }] }, want: 'scrape_configs[0].scrape_protocols' },
    { name: 'non-boolean', input: { scrape_configs: [{ job_name: 'a', scrape_native_histograms: 'yes' }] }, want: 'scrape_configs[0].scrape_native_histograms: must be true or false' },
    { name: 'non-boolean global', input: { global: { convert_classic_histograms_to_nhcb: 1 } }, want: 'global.convert_classic_histograms_to_nhcb: must be true or false' },
    { name: 'typo', input: { scrape_configs: [{ job_name: 'a', scrape_native_histogram: true }] }, want: 'scrape_native_histogram' },
  ];
  for (const t of bad) {
    it(`rejects ${t.name}`, () => {
      const p = problems(t.input);
      assert.ok(p.some((x) => x.includes(t.want)), `${JSON.stringify(p)} should include ${t.want}`);
    });
  }
});

describe('acceptHeader: Prometheus 3 q-values', () => {
  const table: { name: string; input: Parameters<typeof acceptHeader>[0]; want: string }[] = [
    {
      name: 'default',
      input: ['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'],
      want: 'application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=underscores;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
    },
    {
      name: 'proto first',
      input: ['PrometheusProto', 'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'],
      want: 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=underscores;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1',
    },
    { name: 'one', input: ['PrometheusText0.0.4'], want: 'text/plain;version=0.0.4;q=0.6,*/*;q=0.5' },
  ];
  for (const t of table) it(t.name, () => assert.equal(acceptHeader(t.input), t.want));
});

function encode(...families: Record<string, unknown>[]): Buffer {
  return Buffer.concat(families.map((f) => MetricFamilyType.encodeDelimited(MetricFamilyType.fromObject(f)).finish()));
}

const histogramFamily = {
  name: 'lat_seconds',
  type: 'HISTOGRAM',
  metric: [
    {
      histogram: {
        sampleCount: 3,
        sampleSum: 2.5,
        bucket: [{ cumulativeCount: 1, upperBound: 0.5 }, { cumulativeCount: 3, upperBound: 1 }],
        schema: 1,
        zeroThreshold: 1e-128,
        positiveSpan: [{ offset: -2, length: 3 }],
        positiveDelta: [1, -1, 2],
        exemplars: [{ label: [{ name: 'trace_id', value: 'abc' }], value: 0.7, timestamp: { seconds: 1_700_000_000, nanos: 0 } }],
      },
    },
  ],
};
const counterFamily = { name: 'reqs_total', type: 'COUNTER', metric: [{ counter: { value: 9, createdTimestamp: { seconds: 1_690_000_000, nanos: 0 } } }] };

const shown = (series: TimeSeries[]) => series.map((s) => formatSeries(s.labels) + (s.histograms?.length ? ` H${s.histograms[0]!.stale ? ' STALE' : ''}` : '')).sort();

async function protoTarget(bodies: Buffer[]): Promise<TestTarget> {
  const t = await startTestTarget();
  targets.push(t);
  t.respond = (_req, res) => res.writeHead(200, { 'content-type': PROTO }).end(bodies[Math.min(t.requests.length - 1, bodies.length - 1)]);
  return t;
}

describe('scraping PrometheusProto', () => {
  it('native histograms (with exemplars), created timestamps; no classic series without always_scrape_classic_histograms; histogram staleness markers', async () => {
    const t = await protoTarget([encode(histogramFamily, counterFamily), encode(counterFamily)]);
    const h = scrapeHarness({ scrape_configs: [{ job_name: 'j', scrape_interval: '30s', scrape_native_histograms: true, static_configs: [{ targets: [t.host] }] }] }, MINUTE);
    await runScrapeWindow(h.deps, win);
    assert.match(t.requests[0]!.accept!, /^application\/vnd\.google\.protobuf;proto=io\.prometheus\.client\.MetricFamily;encoding=delimited;q=0\.6,/);
    const got = await h.drain();
    const inst = `instance="${t.host}",job="j"`;
    assert.deepEqual(shown(byName(got, 'lat_seconds')), [`lat_seconds{${inst}} H`, `lat_seconds{${inst}} H STALE`]);
    assert.deepEqual(byName(got, 'lat_seconds_bucket'), []);
    const native = byName(got, 'lat_seconds')[0]!;
    assert.deepEqual([native.histograms![0]!.schema, native.histograms![0]!.count, native.histograms![0]!.timestamp], [1, 3, MINUTE]);
    assert.deepEqual(native.exemplars, [{ labels: [{ name: 'trace_id', value: 'abc' }], value: 0.7, timestamp: 1_700_000_000_000 }]);
    const stale = byName(got, 'lat_seconds')[1]!.histograms![0]!;
    assert.deepEqual([stale.stale, stale.timestamp], [true, MINUTE + 30_000]);
    const c = byName(got, 'reqs_total')[0]!;
    assert.equal(c.samples[0]!.startTimestamp, 1_690_000_000_000);
    assert.equal(byName(got, 'scrape_samples_scraped')[0]!.samples[0]!.value, 2);
    h.close();
  });

  it('always_scrape_classic_histograms keeps the classic series too; native histograms off reads the classic part only', async () => {
    const t = await protoTarget([encode(histogramFamily)]);
    const h = scrapeHarness({ scrape_configs: [{ job_name: 'j', scrape_interval: '1m', scrape_native_histograms: true, always_scrape_classic_histograms: true, static_configs: [{ targets: [t.host] }] }] }, MINUTE);
    await runScrapeWindow(h.deps, win);
    const inst = `instance="${t.host}",job="j"`;
    const names = shown((await h.drain()).filter((s) => formatSeries(s.labels).startsWith('lat_seconds')));
    assert.deepEqual(names, [`lat_seconds_bucket{${inst},le="+Inf"}`, `lat_seconds_bucket{${inst},le="0.5"}`, `lat_seconds_bucket{${inst},le="1.0"}`, `lat_seconds_count{${inst}}`, `lat_seconds_sum{${inst}}`, `lat_seconds{${inst}} H`]);
    h.close();

    // Protobuf answered although not asked for first: read by its Content-Type, native part ignored.
    const h2 = scrapeHarness({ scrape_configs: [{ job_name: 'j', scrape_interval: '1m', static_configs: [{ targets: [t.host] }] }] }, MINUTE);
    await runScrapeWindow(h2.deps, win);
    assert.ok(!t.requests[1]!.accept!.includes('protobuf'));
    const got = await h2.drain();
    assert.deepEqual(byName(got, 'lat_seconds'), []);
    assert.equal(byName(got, 'lat_seconds_bucket').length, 3);
    h2.close();
  });

  it('convert_classic_histograms_to_nhcb on a protobuf classic histogram', async () => {
    const classic = { name: 'c_seconds', type: 'HISTOGRAM', metric: [{ histogram: { sampleCount: 4, sampleSum: 3, bucket: [{ cumulativeCount: 1, upperBound: 0.5 }, { cumulativeCount: 1, upperBound: 1 }, { cumulativeCount: 3, upperBound: 2 }] } }] };
    const t = await protoTarget([encode(classic)]);
    const h = scrapeHarness({ scrape_configs: [{ job_name: 'j', scrape_interval: '1m', scrape_protocols: ['PrometheusProto'], convert_classic_histograms_to_nhcb: true, static_configs: [{ targets: [t.host] }] }] }, MINUTE);
    await runScrapeWindow(h.deps, win);
    const got = (await h.drain()).filter((s) => formatSeries(s.labels).startsWith('c_seconds'));
    assert.equal(got.length, 1);
    const x = got[0]!.histograms![0]!;
    assert.deepEqual([x.schema, x.customValues, x.positiveSpans, x.positiveBuckets, x.count, x.sum], [-53, [0.5, 1, 2], [{ offset: 0, length: 1 }, { offset: 1, length: 2 }], [1, 1, -1], 4, 3]);
    h.close();
  });

  it('a bad protobuf body fails the scrape (up 0), nothing partial', async () => {
    const t = await protoTarget([Buffer.from([0x05, 0x0a, 0xff])]);
    const h = scrapeHarness({ scrape_configs: [{ job_name: 'j', scrape_interval: '1m', static_configs: [{ targets: [t.host] }] }] }, MINUTE);
    await runScrapeWindow(h.deps, win);
    const got = await h.drain();
    assert.deepEqual(byName(got, 'up').map((s) => s.samples[0]!.value), [0]);
    assert.match(h.logger.lines.map((e) => JSON.stringify(e)).join('\n'), /invalid protobuf body/);
    h.close();
  });
});

describe('scraping text: OpenMetrics exemplars and classic histograms to NHCB', () => {
  const om = '# TYPE h histogram\nh_bucket{le="1"} 2 # {trace_id="t1"} 0.5 1700000000.5\nh_bucket{le="2.5"} 2\nh_bucket{le="+Inf"} 5\nh_count 5\nh_sum 9.5\n# TYPE c counter\nc_total 3 # {trace_id="t2"} 1\n# EOF\n';
  async function omTarget(): Promise<TestTarget> {
    const t = await startTestTarget();
    targets.push(t);
    t.respond = (_req, res) => res.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0' }).end(om);
    return t;
  }

  it('OpenMetrics exemplars are carried (without a timestamp: the scrape time)', async () => {
    const t = await omTarget();
    const h = scrapeHarness({ scrape_configs: [{ job_name: 'j', scrape_interval: '1m', static_configs: [{ targets: [t.host] }] }] }, MINUTE);
    await runScrapeWindow(h.deps, win);
    const got = await h.drain();
    assert.deepEqual(byName(got, 'c_total')[0]!.exemplars, [{ labels: [{ name: 'trace_id', value: 't2' }], value: 1, timestamp: MINUTE }]);
    const b = byName(got, 'h_bucket').find((s) => s.labels.some((l) => l.name === 'le' && l.value === '1.0'))!;
    assert.deepEqual(b.exemplars, [{ labels: [{ name: 'trace_id', value: 't1' }], value: 0.5, timestamp: 1_700_000_000_500 }]);
    h.close();
  });

  it('convert_classic_histograms_to_nhcb: schema -53, the exemplar moves to the native series; always_scrape_classic_histograms keeps the classic series', async () => {
    const t = await omTarget();
    for (const keep of [false, true]) {
      const h = scrapeHarness({ scrape_configs: [{ job_name: 'j', scrape_interval: '1m', convert_classic_histograms_to_nhcb: true, always_scrape_classic_histograms: keep, static_configs: [{ targets: [t.host] }] }] }, MINUTE);
      await runScrapeWindow(h.deps, win);
      const got = await h.drain();
      const native = byName(got, 'h');
      assert.equal(native.length, 1);
      const x = native[0]!.histograms![0]!;
      assert.deepEqual({ schema: x.schema, float: x.float, customValues: x.customValues, spans: x.positiveSpans, buckets: x.positiveBuckets, count: x.count, sum: x.sum, ts: x.timestamp }, { schema: -53, float: false, customValues: [1, 2.5], spans: [{ offset: 0, length: 1 }, { offset: 1, length: 1 }], buckets: [2, 1], count: 5, sum: 9.5, ts: MINUTE });
      assert.equal(native[0]!.exemplars?.length, 1);
      assert.equal(byName(got, 'h_bucket').length, keep ? 3 : 0);
      assert.equal(byName(got, 'h_count').length, keep ? 1 : 0);
      assert.ok(byName(got, 'h_bucket').every((s) => !s.exemplars));
      assert.equal(byName(got, 'c_total').length, 1);
      h.close();
    }
  });
});

describe('convertClassicToNhcb table', () => {
  const s = (name: string, value: number, le?: string): TimeSeries => ({ labels: [{ name: '__name__', value: name }, ...(le ? [{ name: 'le', value: le }] : [])].sort((a, b) => (a.name < b.name ? -1 : 1)), samples: [{ value, timestamp: 1 }] });
  const table: { name: string; input: TimeSeries[]; want: string }[] = [
    { name: 'float counts', input: [s('f_bucket', 0.5, '1'), s('f_bucket', 1.5, '+Inf'), s('f_count', 1.5), s('f_sum', 2)], want: 'float [0.5,1] spans [{"offset":0,"length":2}]' },
    { name: 'no +Inf bucket: _count closes it', input: [s('f_bucket', 1, '1'), s('f_count', 4)], want: 'int [1,2] spans [{"offset":0,"length":2}]' },
    { name: 'decreasing counts stay classic', input: [s('f_bucket', 3, '1'), s('f_bucket', 2, '+Inf')], want: 'classic' },
    { name: 'all empty', input: [s('f_bucket', 0, '1'), s('f_bucket', 0, '+Inf'), s('f_count', 0), s('f_sum', 0)], want: 'int [] spans []' },
  ];
  for (const t of table) {
    it(t.name, () => {
      const out = convertClassicToNhcb(t.input, new Set(['f']), false);
      const h = out.find((x) => x.histograms)?.histograms?.[0];
      assert.equal(h ? `${h.float ? 'float' : 'int'} ${JSON.stringify(h.positiveBuckets)} spans ${JSON.stringify(h.positiveSpans)}` : 'classic', t.want);
    });
  }
  it('a family not typed histogram is left alone', () => {
    const input = [s('g_bucket', 1, '1'), s('g_count', 1)];
    assert.equal(convertClassicToNhcb(input, new Set(['f']), false), input);
  });
});

describe('le and quantile normalised as Prometheus 3 does', () => {
  it('text and protobuf: integral bounds and quantiles get ".0"; other labels and families are left alone', async () => {
    const body = '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="0.005"} 0\nh_bucket{le="1e+06"} 1\nh_bucket{le="+Inf"} 1\n# TYPE s summary\ns{quantile="0"} 1\ns{quantile="0.5"} 1\n# TYPE g gauge\ng{le="1",quantile="1"} 1\nuntyped_bucket{le="1"} 1\n';
    const t = await startTestTarget(body);
    targets.push(t);
    const h = scrapeHarness({ scrape_configs: [{ job_name: 'j', scrape_interval: '1m', static_configs: [{ targets: [t.host] }] }] }, MINUTE);
    await runScrapeWindow(h.deps, win);
    const got = await h.drain();
    const lv = (name: string, label: string) => byName(got, name).map((s) => s.labels.find((l) => l.name === label)!.value).sort();
    assert.deepEqual(lv('h_bucket', 'le'), ['+Inf', '0.005', '1.0', '1e+06']);
    assert.deepEqual(lv('s', 'quantile'), ['0.0', '0.5']);
    assert.deepEqual([...lv('g', 'le'), ...lv('g', 'quantile'), ...lv('untyped_bucket', 'le')], ['1', '1', '1']);
    h.close();

    const p = await protoTarget([encode({ name: 'q', type: 'SUMMARY', metric: [{ summary: { sampleCount: 1, sampleSum: 1, quantile: [{ quantile: 1, value: 2 }] } }] })]);
    const h2 = scrapeHarness({ scrape_configs: [{ job_name: 'j', scrape_interval: '1m', static_configs: [{ targets: [p.host] }] }] }, MINUTE);
    await runScrapeWindow(h2.deps, win);
    assert.deepEqual(byName(await h2.drain(), 'q').map((s) => s.labels.find((l) => l.name === 'quantile')!.value), ['1.0']);
    h2.close();
  });
});
