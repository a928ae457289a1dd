import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { formatSeries } from '../../../lib/model/labels.ts';
import { ScrapeError } from '../../../lib/scrape/fetch.ts';
import { mergeTargetLabels, processScrapeBody } from '../../../lib/scrape/samples.ts';
import { buildTargets, shardOf, type Target } from '../../../lib/scrape/targets.ts';

function job(extra: Record<string, unknown> = {}) {
  return parseGatewayConfig({ auth: { mode: 'none' }, scrape_configs: [{ job_name: 'j', ...extra }] }).scrape[0]!;
}
const rec = (labels: { name: string; value: string }[]) => Object.fromEntries(labels.map((l) => [l.name, l.value]));

function target(extra: Record<string, unknown> = {}, addr = 'h:9100'): Target {
  return buildTargets(job(extra), [{ source: '0', targets: [{ __address__: addr }], labels: {} }]).active[0]!;
}

describe('buildTargets (Prometheus 2.42 populateLabels)', () => {
  it('sets job and instance, keeps __ labels out of the target labels, and builds the URL', () => {
    const { active } = buildTargets(job({ params: { module: ['a', 'b'] } }), [{ source: '0', targets: [{ __address__: 'h:9100', __meta_x: 'm' }], labels: { env: 'prod' } }]);
    const t = active[0]!;
    assert.deepEqual(rec(t.labels), { env: 'prod', instance: 'h:9100', job: 'j' });
    assert.equal(t.url, 'http://h:9100/metrics?module=a&module=b');
    assert.deepEqual(rec(t.discoveredLabels), { __address__: 'h:9100', __meta_x: 'm', __metrics_path__: '/metrics', __param_module: 'a', __scheme__: 'http', __scrape_interval__: '1m', __scrape_timeout__: '10s', env: 'prod', job: 'j' });
  });

  it('adds the scheme default port when the address has none (Prometheus 2.x)', () => {
    assert.equal(target({}, 'example.org').url, 'http://example.org:80/metrics');
    assert.equal(target({ scheme: 'https' }, 'example.org').url, 'https://example.org:443/metrics');
    assert.equal(rec(target({}, 'example.org').labels).instance, 'example.org:80');
  });

  it('lets relabel_configs set the address, path, scheme, params and drop targets', () => {
    const j = job({
      relabel_configs: [
        { source_labels: ['__address__'], target_label: '__param_target' },
        { target_label: '__address__', replacement: 'exporter:9115' },
        { target_label: '__metrics_path__', replacement: '/probe' },
        { action: 'drop', source_labels: ['__param_target'], regex: 'skip.*' },
      ],
    });
    const { active, dropped } = buildTargets(j, [{ source: '0', targets: [{ __address__: 'site:80' }, { __address__: 'skip:1' }], labels: {} }]);
    assert.equal(active.length, 1);
    assert.equal(active[0]!.url, 'http://exporter:9115/probe?target=site%3A80');
    assert.deepEqual(dropped.map((d) => [d.reason, rec(d.discoveredLabels).__address__]), [['dropped by relabel_configs', 'skip:1']]);
  });

  it('drops a target whose address holds a slash, and duplicates', () => {
    const { active, dropped } = buildTargets(job(), [{ source: '0', targets: [{ __address__: 'h:1/x' }, { __address__: 'a:1' }, { __address__: 'a:1' }], labels: {} }]);
    assert.equal(active.length, 1);
    assert.match(dropped[0]!.reason, /not a valid hostname/);
  });

  it('shards deterministically and covers every target exactly once', () => {
    const { active } = buildTargets(job(), [{ source: '0', targets: Array.from({ length: 200 }, (_, i) => ({ __address__: `h${i}:1` })), labels: {} }]);
    const counts = [0, 0, 0];
    for (const t of active) counts[shardOf(t.key, 3)]!++;
    assert.equal(counts.reduce((a, b) => a + b), 200);
    assert.ok(counts.every((c) => c > 30), `balanced: ${counts}`);
    const again = buildTargets(job(), [{ source: '0', targets: Array.from({ length: 200 }, (_, i) => ({ __address__: `h${i}:1` })), labels: {} }]).active;
    assert.deepEqual(again.map((t) => shardOf(t.key, 3)), active.map((t) => shardOf(t.key, 3)));
  });
});

describe('mergeTargetLabels (honor_labels)', () => {
  const exposed = [{ name: '__name__', value: 'm' }, { name: 'exported_job', value: 'x' }, { name: 'instance', value: 'i0' }, { name: 'job', value: 'pushed' }];
  const tl = [{ name: 'instance', value: 'h:1' }, { name: 'job', value: 'j' }];
  it('renames conflicts to exported_<name>, and exported_exported_<name> when taken', () => {
    assert.equal(formatSeries(mergeTargetLabels(exposed.map((l) => ({ ...l })), tl, false)), 'm{exported_exported_job="pushed",exported_instance="i0",exported_job="x",instance="h:1",job="j"}');
  });
  it('keeps the exposed values with honor_labels: true', () => {
    assert.equal(formatSeries(mergeTargetLabels(exposed.map((l) => ({ ...l })), tl, true)), 'm{exported_job="x",instance="i0",job="pushed"}');
  });
});

describe('processScrapeBody', () => {
  const T = 1_700_000_000_000;
  const body = (s: string) => Buffer.from(s);
  it('sorts labels, adds target labels, counts samples and drops by metric_relabel_configs', () => {
    const t = target({ metric_relabel_configs: [{ action: 'drop', source_labels: ['__name__'], regex: 'drop_.*' }] });
    const r = processScrapeBody(body('b{z="1",a="2"} 1\ndrop_me 2\nc 3 1600000000000\n'), 'text/plain', t, T);
    assert.deepEqual(r.series.map((s) => formatSeries(s.labels)), ['b{a="2",instance="h:9100",job="j",z="1"}', 'c{instance="h:9100",job="j"}']);
    assert.deepEqual([r.scraped, r.postRelabel], [3, 2]);
    assert.equal(r.series[1]!.samples[0]!.timestamp, 1600000000000);
  });
  it('stamps every sample with the scrape time when honor_timestamps is false', () => {
    const r = processScrapeBody(body('c 3 1600000000000\n'), undefined, target({ honor_timestamps: false }), T);
    assert.equal(r.series[0]!.samples[0]!.timestamp, T);
  });
  it('reads OpenMetrics by Content-Type (seconds timestamps, # EOF) and unknown types as text', () => {
    const om = processScrapeBody(body('c_total 3 1600000000.5\n# EOF\n'), 'application/openmetrics-text; version=1.0.0; charset=utf-8', target(), T);
    assert.equal(om.series[0]!.samples[0]!.timestamp, 1600000000500);
    const txt = processScrapeBody(body('c 3 1600000000000\n'), 'application/x-whatever', target(), T);
    assert.equal(txt.series[0]!.samples[0]!.timestamp, 1600000000000);
  });
  const failing: { name: string; body: string; ct?: string; extra?: Record<string, unknown>; want: string }[] = [
    { name: 'an unparsable line', body: 'a 1\nb{ 2\n', want: 'line 2:' },
    { name: 'a repeated label name', body: 'a{x="1",x="2"} 1\n', want: 'duplicate label name "x"' },
    { name: 'an OpenMetrics body without # EOF', body: 'a 1\n', ct: 'application/openmetrics-text', want: 'missing "# EOF"' },
    { name: 'one sample past sample_limit', body: 'a 1\nb 1\nc 1\n', extra: { sample_limit: 2 }, want: 'sample limit exceeded' },
    { name: 'label_limit', body: 'a{x="1",y="2"} 1\n', extra: { label_limit: 4 }, want: 'label_limit exceeded (metric: a, number of labels: 5, limit: 4)' },
    { name: 'label_value_length_limit', body: 'a{x="123456"} 1\n', extra: { label_value_length_limit: 5 }, want: 'label_value_length_limit exceeded' },
  ];
  for (const f of failing) {
    it(`fails the whole scrape for ${f.name}`, () => {
      assert.throws(() => processScrapeBody(body(f.body), f.ct, target(f.extra), T), (e: Error) => e instanceof ScrapeError && e.message.includes(f.want));
    });
  }
  it('accepts exactly sample_limit samples (limit counted after metric relabeling)', () => {
    const t = target({ sample_limit: 2, metric_relabel_configs: [{ action: 'drop', source_labels: ['__name__'], regex: 'c' }] });
    assert.equal(processScrapeBody(body('a 1\nb 1\nc 1\n'), undefined, t, T).series.length, 2);
  });
  it('keeps the first sample of a repeated series', () => {
    const r = processScrapeBody(body('a 1\na 2\n'), undefined, target(), T);
    assert.deepEqual(r.series.map((s) => s.samples[0]!.value), [1]);
  });
  it('throws nothing but ScrapeError for arbitrary bodies', () => {
    const t = target({ sample_limit: 5, label_limit: 5 });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 300 }).map((s) => Buffer.from(`a{b="1"} 1\n${s}\n`))), fc.boolean(), (b, om) => {
        try {
          processScrapeBody(b, om ? 'application/openmetrics-text' : 'text/plain', t, T);
        } catch (e) {
          if (!(e instanceof ScrapeError)) throw e;
        }
      }),
      { numRuns: 500 },
    );
  });
});
