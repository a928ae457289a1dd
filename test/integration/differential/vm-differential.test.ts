import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeWriteRequest } from '../../../lib/remote-write/encode.ts';
import { snappyCompress } from '../../../lib/remote-write/snappy.ts';
import { haveBinary } from '../../helpers/services.ts';
import { diffSeries, exportSeries, postBoth, sendGraphiteTcp, startDifferential, waitForSeries, type Differential, type Series } from './harness.ts';

/**
 * Differential test against VictoriaMetrics 1.79.5 for every push protocol it accepts over HTTP (and Graphite,
 * which it takes over TCP only): the same payload goes to VictoriaMetrics directly and through the gateway's
 * local runner into a second VictoriaMetrics; the exports must match series by series. Where the gateway
 * differs on purpose (docs/), the difference is asserted explicitly.
 */
const available = haveBinary('victoria-metrics');
if (!available && process.env.CI === 'true') throw new Error('victoria-metrics is required under CI=true (apt-get install victoria-metrics)');

const T = 1_700_000_000_000;
const RW_HEADERS = { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf', 'x-prometheus-remote-write-version': '0.1.0' };

describe('differential: VictoriaMetrics directly vs through the gateway', { skip: !available && 'victoria-metrics not installed' }, () => {
  let d: Differential;
  before(async () => {
    d = await startDifferential();
  });
  after(async () => {
    await d?.close();
  });

  /** Both exports for `match` once the gateway's queue is drained. */
  async function both(match: string): Promise<{ direct: Series[]; gateway: Series[] }> {
    assert.ok(await d.runner.drained(20_000), 'gateway queue drained');
    return { direct: await exportSeries(d.direct, match), gateway: await exportSeries(d.viaGateway, match) };
  }

  async function assertSame(match: string, minSeries: number): Promise<Series[]> {
    const { direct, gateway } = await both(match);
    assert.ok(direct.length >= minSeries, `direct has ${direct.length} series for ${match}, want at least ${minSeries}`);
    assert.deepEqual(diffSeries(direct, gateway), []);
    return direct;
  }

  it('Influx line protocol v1 /write: escapes, integer, unsigned and boolean fields, string fields dropped, db label', async () => {
    const body = [
      '# a comment line',
      'diff_influx_cpu,host=web\\ 01,region=eu\\,west,path=/a\\=b usage_idle=97.5,procs=12i,up=t,note="x \\"y\\" z" 1700000000000000000',
      'diff_influx_cpu,host=web\\ 01,region=eu\\,west,path=/a\\=b usage_idle=96.25,procs=13i,up=false 1700000010000000000',
      'diff_influx_cpu,host=web02 usage_idle=-1.5e3,procs=-7i,up=T 1700000000000000000',
      'diff_influx_cpu,host=web02 usage_idle=0.001 1700000020000000000',
      'diff\\ influx\\,mem,host=web01 used=18446744073709551615u,free=1u 1700000000000000000\r',
      '',
      'diff_influx_disk,host=a,db=tagdb free=2.5 1700000000123456789',
    ].join('\n');
    const r = await postBoth(`${d.direct.url}/write?db=diffdb`, `${d.runner.url}/write?db=diffdb`, body);
    assert.deepEqual([r.direct, r.gateway], [204, 204], r.gatewayBody);
    const { direct, gateway } = await both('{__name__=~"diff.influx.*"}');
    assert.equal(direct.length, 10);
    // Deviation: VictoriaMetrics 1.79.5 stores a string field as its best-effort number (0 for "x \"y\" z");
    // the gateway drops string fields (they carry no sample in InfluxDB's data model).
    const stringField = direct.filter((s) => s.metric.__name__ === 'diff_influx_cpu_note');
    assert.deepEqual(stringField.map((s) => s.values), [[0]]);
    assert.deepEqual(diffSeries(direct.filter((s) => !stringField.includes(s)), gateway), []);
  });

  it('Influx: an integer outside int64 skips the line on both sides (the gateway says so with a 400)', async () => {
    const body = 'diff_influx_range,h=a v=9223372036854775808i 1700000000000000000\ndiff_influx_range,h=b v=9223372036854775807i,w=18446744073709551615u 1700000000000000000\n';
    const r = await postBoth(`${d.direct.url}/write`, `${d.runner.url}/write`, body);
    assert.deepEqual([r.direct, r.gateway], [204, 400]);
    assert.match(r.gatewayBody, /partial write: unable to parse line 1 .*invalid field value \\"9223372036854775808i\\"/);
    const got = await assertSame('{__name__=~"diff_influx_range.*"}', 2);
    assert.deepEqual(got.map((s) => s.metric.h), ['b', 'b']);
  });

  it('Influx v2 /api/v2/write with bucket and precision=s', async () => {
    const body = 'diff_influx2,host=h1 value=1,other=2 1700000000\ndiff_influx2,host=h1 value=3 1700000060\n';
    const r = await postBoth(`${d.direct.url}/api/v2/write?org=o&bucket=b1&precision=s`, `${d.runner.url}/api/v2/write?org=o&bucket=b1&precision=s`, body);
    assert.deepEqual([r.direct, r.gateway], [204, 204], r.gatewayBody);
    const { direct, gateway } = await both('{__name__=~"diff_influx2.*"}');
    assert.equal(direct.length, 2);
    // Deviation: the gateway labels v2 writes with db=<bucket> (as v1 writes get db=<db>, so a client moving
    // from v1 to v2 keeps its series); VictoriaMetrics 1.79.5 ignores `bucket`.
    assert.deepEqual(diffSeries(direct.map((s) => ({ ...s, metric: { ...s.metric, db: 'b1' } })), gateway), []);
  });

  it('remote_write: ±Inf, staleness markers, many samples per series, UTF-8 and odd characters in labels', async () => {
    const timeseries = [
      { labels: [{ name: '__name__', value: 'diff_rw_a' }, { name: 'path', value: '/api/v1/"q"\\x' }, { name: 'zone', value: 'Zürich ☃' }], samples: Array.from({ length: 50 }, (_, i) => ({ value: i * 1.5 - 10, timestamp: T + i * 15_000 })) },
      { labels: [{ name: '__name__', value: 'diff_rw_b' }, { name: 'job', value: 'x' }], samples: [{ value: Infinity, timestamp: T }, { value: -Infinity, timestamp: T + 1000 }, { value: 0, timestamp: T + 2000 }, { value: NaN, timestamp: T + 3000, stale: true }, { value: 1e-300, timestamp: T + 4000 }] },
      { labels: [{ name: '__name__', value: 'diff_rw_c' }], samples: [{ value: 42, timestamp: T + 1 }] },
    ];
    const body = snappyCompress(encodeWriteRequest({ timeseries, metadata: [] }));
    const r = await postBoth(`${d.direct.url}/api/v1/write`, `${d.runner.url}/api/v1/write`, body, RW_HEADERS);
    assert.deepEqual([r.direct, r.gateway], [204, 204], r.gatewayBody);
    await assertSame('{__name__=~"diff_rw_.*"}', 3);
  });

  it('remote_write: unsorted labels, empty label values, out-of-order samples and a series split over two entries', async () => {
    const L = (...kv: string[]) => kv.flatMap((_, i) => (i % 2 ? [] : [{ name: kv[i]!, value: kv[i + 1]! }]));
    const timeseries = [
      { labels: L('zz', '1', '__name__', 'diff_rw_edge_unsorted', 'aa', '2'), samples: [{ value: 1, timestamp: T }] },
      { labels: L('__name__', 'diff_rw_edge_empty', 'a', '', 'b', 'x'), samples: [{ value: 1, timestamp: T }] },
      { labels: L('__name__', 'diff_rw_edge_order'), samples: [{ value: 2, timestamp: T + 1000 }, { value: 1, timestamp: T }] },
      { labels: L('__name__', 'diff_rw_edge_split'), samples: [{ value: 1, timestamp: T }] },
      { labels: L('__name__', 'diff_rw_edge_split'), samples: [{ value: 2, timestamp: T + 1000 }] },
      { labels: L('__name__', 'diff_rw_edge_nosamples'), samples: [] },
    ];
    const body = snappyCompress(encodeWriteRequest({ timeseries, metadata: [] }));
    const r = await postBoth(`${d.direct.url}/api/v1/write`, `${d.runner.url}/api/v1/write`, body, RW_HEADERS);
    assert.deepEqual([r.direct, r.gateway], [204, 204], r.gatewayBody);
    await assertSame('{__name__=~"diff_rw_edge_.*"}', 4);
  });

  it('remote_write: one invalid series in a batch does not lose the valid ones', async () => {
    const timeseries = [
      { labels: [{ name: '__name__', value: 'diff_rw_invalid' }, { name: 'a', value: '1' }, { name: 'a', value: '2' }], samples: [{ value: 1, timestamp: T }] },
      { labels: [{ name: '__name__', value: 'diff_rw_valid_neighbour' }], samples: [{ value: 1, timestamp: T }] },
    ];
    const body = snappyCompress(encodeWriteRequest({ timeseries, metadata: [] }));
    await postBoth(`${d.direct.url}/api/v1/write`, `${d.runner.url}/api/v1/write`, body, RW_HEADERS);
    const { direct, gateway } = await both('{__name__="diff_rw_valid_neighbour"}');
    assert.equal(direct.length, 1);
    assert.deepEqual(diffSeries(direct, gateway), []);
  });

  it('JSON lines /api/v1/import: bare Inf and NaN values, escaped label values, several lines per series', async () => {
    const body = [
      JSON.stringify({ metric: { __name__: 'diff_jsonl_a', job: 'a"b', path: 'C:\\tmp\n', empty: '' }, values: [1, 2.5, -3e10], timestamps: [T, T + 1000, T + 2000] }),
      '{"metric":{"__name__":"diff_jsonl_b","instance":"h:9100"},"values":[Inf,-Inf,NaN,4,+Inf,inf],"timestamps":[1700000000000,1700000001000,1700000002000,1700000003000,1700000005000,1700000006000]}',
      JSON.stringify({ metric: { __name__: 'diff_jsonl_b', instance: 'h:9100' }, values: [5], timestamps: [T + 4000] }),
      JSON.stringify({ metric: { __name__: 'diff_jsonl_c', 'label.with.dots': 'v' }, values: [0], timestamps: [T] }),
    ].join('\n');
    const r = await postBoth(`${d.direct.url}/api/v1/import`, `${d.runner.url}/api/v1/import`, body);
    assert.deepEqual([r.direct, r.gateway], [204, 204], r.gatewayBody);
    const got = await assertSame('{__name__=~"diff_jsonl_.*"}', 3);
    // VictoriaMetrics drops plain NaN samples on both sides (only staleness markers are stored).
    assert.deepEqual(got.find((s) => s.metric.__name__ === 'diff_jsonl_b')?.values, [Infinity, -Infinity, 4, 5, Infinity, Infinity]);
  });

  it('JSON lines: null and quoted "Inf"/"NaN" values are accepted as later VictoriaMetrics versions do; 1.79.5 skips those lines', async () => {
    const body = [
      '{"metric":{"__name__":"diff_jsonl_newer","v":"null"},"values":[null,1],"timestamps":[1700000000000,1700000001000]}',
      '{"metric":{"__name__":"diff_jsonl_newer","v":"strings"},"values":["Inf","-Inf","NaN",2],"timestamps":[1700000000000,1700000001000,1700000002000,1700000003000]}',
      '{"metric":{"__name__":"diff_jsonl_newer","v":"plain"},"values":[3],"timestamps":[1700000000000]}',
    ].join('\n');
    const r = await postBoth(`${d.direct.url}/api/v1/import`, `${d.runner.url}/api/v1/import`, body);
    assert.deepEqual([r.direct, r.gateway], [204, 204], r.gatewayBody);
    const { direct, gateway } = await both('{__name__="diff_jsonl_newer"}');
    assert.deepEqual(direct.map((s) => s.metric.v), ['plain']);
    assert.deepEqual(
      gateway.map((s) => [s.metric.v, s.values]),
      [['null', [1]], ['plain', [3]], ['strings', [Infinity, -Infinity, 2]]],
    );
  });

  it('CSV /api/v1/import/csv: quoted fields, two metrics per row, unix_ms and rfc3339 times', async () => {
    const q1 = '?format=1:label:host,2:label:dc,3:metric:diff_csv_cpu,4:metric:diff_csv_mem,5:time:unix_ms';
    const b1 = `web01,"eu, ""west""",12.5,1024,${T}\nweb01,"eu, ""west""",13,1025,${T + 60_000}\nweb03,us,Inf,-Inf,${T}\n`;
    let r = await postBoth(`${d.direct.url}/api/v1/import/csv${q1}`, `${d.runner.url}/api/v1/import/csv${q1}`, b1);
    assert.deepEqual([r.direct, r.gateway], [204, 204], r.gatewayBody);
    const q2 = '?format=2:metric:diff_csv_rfc,1:time:rfc3339,3:label:tz';
    const b2 = '2023-11-14T22:13:20Z,1,utc\n2023-11-14T23:13:20.5+01:00,2,cet\n';
    r = await postBoth(`${d.direct.url}/api/v1/import/csv${q2}`, `${d.runner.url}/api/v1/import/csv${q2}`, b2);
    assert.deepEqual([r.direct, r.gateway], [204, 204], r.gatewayBody);
    await assertSame('{__name__=~"diff_csv_.*"}', 6);
  });

  it('CSV: an empty metric value skips that metric only (later VictoriaMetrics, PR 3565); 1.79.5 skips the line', async () => {
    const q = '?format=1:label:host,2:metric:diff_csv_empty_a,3:metric:diff_csv_empty_b,4:time:unix_ms';
    const r = await postBoth(`${d.direct.url}/api/v1/import/csv${q}`, `${d.runner.url}/api/v1/import/csv${q}`, `h1,1,2,${T}\nh2,,4,${T}\n`);
    assert.deepEqual([r.direct, r.gateway], [204, 204], r.gatewayBody);
    const { direct, gateway } = await both('{__name__=~"diff_csv_empty_.*"}');
    assert.deepEqual(direct.map((s) => `${s.metric.__name__}/${s.metric.host}`), ['diff_csv_empty_a/h1', 'diff_csv_empty_b/h1']);
    assert.deepEqual(gateway.map((s) => `${s.metric.__name__}/${s.metric.host}=${s.values.join()}`), ['diff_csv_empty_a/h1=1', 'diff_csv_empty_b/h1=2', 'diff_csv_empty_b/h2=4']);
  });

  it('Prometheus text /api/v1/import/prometheus: HELP/TYPE, histogram, summary, escapes, ±Inf, default ?timestamp=', async () => {
    const body = [
      '# HELP diff_prom_requests_total Requests "served".',
      '# TYPE diff_prom_requests_total counter',
      `diff_prom_requests_total{code="200",path="/a\\"b\\\\c\\n"} 1027 ${T}`,
      `diff_prom_requests_total{code="200",path="/a\\"b\\\\c\\n"} 1030 ${T + 15_000}`,
      `diff_prom_requests_total{code="500",path="/"} 3e0 ${T}`,
      '# TYPE diff_prom_latency histogram',
      `diff_prom_latency_bucket{le="0.05"} 24054 ${T}`,
      `diff_prom_latency_bucket{le="0.1"} 33444 ${T}`,
      `diff_prom_latency_bucket{le="+Inf"} 144320 ${T}`,
      `diff_prom_latency_sum 53423 ${T}`,
      `diff_prom_latency_count 144320 ${T}`,
      '# TYPE diff_prom_rpc summary',
      `diff_prom_rpc{quantile="0.99"} +Inf ${T}`,
      `diff_prom_rpc{quantile="0.5"} -Inf ${T}`,
      'diff_prom_no_ts{a="1"} 17.25',
      'diff_prom_no_labels 1.5e-7',
      `diff_prom_nan NaN ${T}`,
      '',
    ].join('\n');
    const q = `?timestamp=${T + 500}`;
    const r = await postBoth(`${d.direct.url}/api/v1/import/prometheus${q}`, `${d.runner.url}/api/v1/import/prometheus${q}`, body);
    assert.deepEqual([r.direct, r.gateway], [204, 204], r.gatewayBody);
    await assertSame('{__name__=~"diff_prom_.*"}', 9);
  });

  it('Pushgateway paths: the grouping key matches VictoriaMetrics extra_label, plus the documented push_time_seconds', async () => {
    // VictoriaMetrics 1.79.5 has no /api/v1/import/prometheus/metrics/job/... route (later versions map the
    // grouping key to extra_label), so the direct side gets the grouping key as extra_label args.
    const body = [
      '# TYPE diff_pg_rows gauge',
      `diff_pg_rows{table="users",instance="body"} 1200 ${T}`,
      `diff_pg_rows{table="orders"} 77 ${T}`,
      `diff_pg_duration_seconds 12.5 ${T}`,
      '',
    ].join('\n');
    const before = Date.now();
    const r = await postBoth(
      `${d.direct.url}/api/v1/import/prometheus?extra_label=job=diff_pg&extra_label=instance=db/1`,
      `${d.runner.url}/api/v1/import/prometheus/metrics/job/diff_pg/instance@base64/ZGIvMQ`,
      body,
    );
    const afterMs = Date.now();
    assert.deepEqual([r.direct, r.gateway], [204, 200], r.gatewayBody);
    const direct = await exportSeries(d.direct, '{job="diff_pg"}');
    // push_time_seconds carries the current time: a series new today can take a moment to become searchable.
    assert.ok(await d.runner.drained(20_000));
    const gateway = await waitForSeries(d.viaGateway, '{job="diff_pg"}', 4);
    assert.equal(direct.length, 3);
    assert.ok(direct.every((s) => s.metric.instance === 'db/1'), 'grouping key overrides the body label on both sides');
    // Deviation (docs/pushgateway.md): every push also yields push_time_seconds{<grouping key>} at request time.
    const push = gateway.filter((s) => s.metric.__name__ === 'push_time_seconds');
    assert.equal(push.length, 1);
    assert.deepEqual(push[0]!.metric, { __name__: 'push_time_seconds', instance: 'db/1', job: 'diff_pg' });
    const [ts] = push[0]!.timestamps;
    assert.ok(ts! >= before - 1000 && ts! <= afterMs + 1000, `push_time_seconds timestamp ${ts}`);
    assert.equal(push[0]!.values[0], Math.round(ts!) / 1000);
    assert.deepEqual(diffSeries(direct, gateway.filter((s) => s.metric.__name__ !== 'push_time_seconds')), []);
  });

  it('DataDog /datadog/api/v1/series: host, device, tags, float-second timestamps; names sanitised (documented)', async () => {
    const body = JSON.stringify({
      series: [
        { metric: 'diff.dd.load.1', points: [[1700000000, 0.7], [1700000010.5679, 0.9]], tags: ['env:prod', 'url:http://x:80/', 'bare'], host: 'web01', device: 'sda', type: 'gauge' },
        { metric: 'diff.dd.requests', points: [[1700000000, 12]], tags: ['host:h9', 'env:prod'], host: 'web02', type: 'count', interval: 10 },
        { metric: 'diff.dd.odd name-1!', points: [[1700000000, 1]], tags: [] },
      ],
    });
    const headers = { 'content-type': 'application/json' };
    const r = await postBoth(`${d.direct.url}/datadog/api/v1/series`, `${d.runner.url}/datadog/api/v1/series`, body, headers);
    assert.deepEqual([r.direct, r.gateway], [202, 202], r.gatewayBody);
    const { direct, gateway } = await both('{__name__=~"diff.dd.*"}');
    assert.equal(direct.length, 3);
    // Deviations, both following later VictoriaMetrics versions: 1.79.5 keeps the name as sent, the gateway
    // applies DataDog's naming rules (-datadog.sanitizeMetricName, on by default since); 1.79.5 drops v1
    // `device`, the gateway keeps it as a label.
    const later = direct.map((s) => {
      if (s.metric.__name__ === 'diff.dd.odd name-1!') return { ...s, metric: { ...s.metric, __name__: 'diff.dd.odd_name_1_' } };
      if (s.metric.__name__ === 'diff.dd.load.1') return { ...s, metric: { ...s.metric, device: 'sda' } };
      return s;
    });
    assert.deepEqual(diffSeries(later, gateway), []);
  });

  it('OpenTSDB HTTP /api/put: array, seconds and milliseconds, numeric strings, tags', async () => {
    const body = JSON.stringify([
      { metric: 'diff.tsdb.cpu', timestamp: 1700000000, value: 18, tags: { host: 'web01', dc: 'lga' } },
      { metric: 'diff.tsdb.cpu', timestamp: 1700000010123, value: '18.5', tags: { host: 'web01', dc: 'lga' } },
      { metric: 'diff.tsdb.cpu', timestamp: 1700000020, value: -0.25, tags: { host: 'web02', dc: 'lga' } },
      { metric: 'diff.tsdb.mem', timestamp: '1700000000', value: 1e21, tags: { host: 'web01' } },
    ]);
    const r = await postBoth(`${d.opentsdbUrl}/api/put`, `${d.runner.url}/api/put`, body, { 'content-type': 'application/json' });
    assert.deepEqual([r.direct, r.gateway], [204, 204], r.gatewayBody);
    await waitForSeries(d.direct, '{__name__=~"diff.tsdb.*"}', 3);
    await assertSame('{__name__=~"diff.tsdb.*"}', 3);
  });

  it('Graphite plaintext: TCP to VictoriaMetrics, HTTP /graphite to the gateway, tags and several samples per series', async () => {
    const body = [
      'diff.graphite.web01.cpu 42.5 1700000000',
      'diff.graphite.web01.cpu 43 1700000060',
      'diff.graphite.tagged;dc=lga;env=prod 1 1700000000',
      'diff.graphite.tagged;env=prod;dc=lga 2 1700000060',
      'diff.graphite.tabs\t-7.5\t1700000000',
      'diff.graphite.frac 3 1700000000.9',
      '',
    ].join('\n');
    await sendGraphiteTcp(d.graphitePort, body);
    const g = await fetch(`${d.runner.url}/graphite`, { method: 'POST', body });
    assert.equal(g.status, 204, await g.text());
    await waitForSeries(d.direct, '{__name__=~"diff.graphite.*"}', 4, 15_000, 6);
    await assertSame('{__name__=~"diff.graphite.*"}', 4);
  });
});
