import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../../lib/errors.ts';
import { formatPhi, parseAggregationConfigs, parseGoDuration } from '../../../lib/aggregation/index.ts';

function problems(raw: unknown, defaults = {}): string[] {
  try {
    parseAggregationConfigs(raw, 'stream_aggregation', defaults);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems;
  }
  return [];
}

const ok = { interval: '1m', outputs: ['total'] };

describe('stream aggregation config', () => {
  const errors: { name: string; raw: unknown; want: string; defaults?: object }[] = [
    { name: 'not a list', raw: { interval: '1m' }, want: 'stream_aggregation: must be a list of stream aggregation rules, got a mapping' },
    { name: 'rule not a mapping', raw: ['x'], want: 'stream_aggregation[0]: must be a mapping' },
    { name: 'unknown output, with its path', raw: [ok, ok, { interval: '1m', outputs: ['sum_samples', 'foo'] }], want: 'stream_aggregation[2].outputs[1]: unknown output "foo"' },
    { name: 'unknown key', raw: [{ ...ok, intervl: '1m' }], want: 'stream_aggregation[0].intervl: unknown field' },
    { name: 'missing interval', raw: [{ outputs: ['total'] }], want: 'stream_aggregation[0].interval: required' },
    { name: 'bad duration', raw: [{ ...ok, interval: '1d' }], want: 'stream_aggregation[0].interval: cannot parse duration "1d"' },
    { name: 'unitless duration (Go needs a unit)', raw: [{ ...ok, interval: 60 }], want: 'stream_aggregation[0].interval: cannot parse duration "60"' },
    { name: 'interval below 1s', raw: [{ ...ok, interval: '500ms' }], want: 'stream_aggregation[0].interval: must be at least 1s' },
    { name: 'no outputs', raw: [{ interval: '1m' }], want: 'stream_aggregation[0].outputs: must list at least one output' },
    { name: 'duplicate output', raw: [{ interval: '1m', outputs: ['max', 'max'] }], want: 'stream_aggregation[0].outputs[1]: duplicate output "max"' },
    { name: 'two quantiles outputs', raw: [{ interval: '1m', outputs: ['quantiles(0.5)', 'quantiles(0.9)'] }], want: 'stream_aggregation[0].outputs[1]: only one quantiles(...) output per rule' },
    { name: 'phi out of range', raw: [{ interval: '1m', outputs: ['quantiles(0.5, 1.5)'] }], want: 'stream_aggregation[0].outputs[0]: phi must be in [0..1], got 1.5' },
    { name: 'bad phi', raw: [{ interval: '1m', outputs: ['quantiles(x)'] }], want: 'cannot parse phi "x"' },
    { name: 'empty quantiles', raw: [{ interval: '1m', outputs: ['quantiles()'] }], want: 'needs at least one phi' },
    { name: 'unclosed quantiles', raw: [{ interval: '1m', outputs: ['quantiles(0.5'] }], want: 'missing closing ")"' },
    { name: 'dedup above interval', raw: [{ ...ok, dedup_interval: '2m' }], want: 'stream_aggregation[0].dedup_interval: 2m cannot exceed interval=1m' },
    { name: 'interval not a multiple of dedup', raw: [{ ...ok, dedup_interval: '25s' }], want: 'interval=1m must be a multiple of dedup_interval=25s' },
    { name: 'staleness below interval', raw: [{ ...ok, staleness_interval: '30s' }], want: 'stream_aggregation[0].staleness_interval: 30s cannot be smaller than interval=1m' },
    { name: 'by and without', raw: [{ ...ok, by: ['a'], without: ['b'] }], want: 'stream_aggregation[0].by: `by` and `without` cannot both be set' },
    { name: 'keep_metric_names with two outputs', raw: [{ interval: '1m', outputs: ['min', 'max'], keep_metric_names: true }], want: 'keep_metric_names: needs exactly one output, got 2' },
    { name: 'keep_metric_names with histogram_bucket', raw: [{ interval: '1m', outputs: ['histogram_bucket'], keep_metric_names: true }], want: 'cannot be used with "histogram_bucket"' },
    { name: 'keep_metric_names with keep_input', raw: [{ ...ok, keep_metric_names: true }], defaults: { keepInput: true }, want: 'cannot be combined with keep_input' },
    { name: 'bad match selector', raw: [{ ...ok, match: ['up', 'foo{'] }], want: 'stream_aggregation[0].match[1]: cannot parse series selector "foo{"' },
    { name: 'bad match regex', raw: [{ ...ok, match: 'foo{a=~"("}' }], want: 'stream_aggregation[0].match: bad regex' },
    { name: 'relabel errors keep their path', raw: [{ ...ok, input_relabel_configs: [{ action: 'replace', regex: '(' }] }], want: 'stream_aggregation[0].input_relabel_configs[0].regex' },
    { name: 'enable_windows is not supported', raw: [{ ...ok, enable_windows: true }], want: 'stream_aggregation[0].enable_windows: aggregation windows are not supported' },
    { name: 'ignore_first_intervals must be an integer', raw: [{ ...ok, ignore_first_intervals: '2' }], want: 'ignore_first_intervals: must be an integer' },
    { name: 'bool keys', raw: [{ ...ok, keep_metric_names: 'yes' }], want: 'keep_metric_names: must be true or false' },
  ];
  for (const tc of errors) {
    it(`rejects: ${tc.name}`, () => {
      const got = problems(tc.raw, tc.defaults);
      assert.ok(got.some((p) => p.includes(tc.want)), `want ${JSON.stringify(tc.want)} in ${JSON.stringify(got)}`);
    });
  }

  it('reports every problem at once', () => {
    assert.equal(problems([{ interval: 'x', outputs: ['foo'] }, { outputs: [] }]).length, 4);
  });

  it('reads a vmagent file as is: every key and output, and the output name suffix', () => {
    const yaml = `
- name: all
  match: 'http_requests_total{env=~"prod|staging"}'
  interval: 1m
  no_align_flush_to_interval: false
  flush_on_shutdown: true
  dedup_interval: 30s
  staleness_interval: 2m
  ignore_first_sample_interval: 1m30s
  by: [job, instance, job]
  outputs: [total, total_prometheus, increase, increase_prometheus, sum_samples, sum_samples_total, count_samples, count_series, last, min, max, avg, rate_sum, rate_avg, histogram_bucket, 'quantiles(0.5, 0.99)', unique_samples, stddev, stdvar]
  keep_metric_names: false
  ignore_old_samples: true
  ignore_first_intervals: 2
  drop_input_labels: [replica]
  input_relabel_configs: [{action: drop, source_labels: [x], regex: y}]
  output_relabel_configs: [{target_label: agg, replacement: "1"}]
  enable_windows: false
- interval: 5m
  without: [pod]
  outputs: [max]
`;
    const [a, b] = parseAggregationConfigs(parseYaml(yaml));
    assert.equal(a!.suffix, ':1m_by_instance_job_');
    assert.deepEqual(a!.by, ['__name__', 'instance', 'job']);
    assert.equal(a!.dedupIntervalMs, 30_000);
    assert.equal(a!.stalenessIntervalMs, 120_000);
    assert.equal(a!.ignoreFirstSampleIntervalMs, 90_000);
    assert.equal(a!.outputs.length, 19);
    assert.deepEqual(a!.outputs.find((o) => o.kind === 'quantiles')!.phis, [0.5, 0.99]);
    assert.equal(b!.suffix, ':5m_without_pod_');
    assert.equal(b!.stalenessIntervalMs, 300_000);
    assert.equal(b!.ignoreFirstSampleIntervalMs, 300_000);
    assert.equal(b!.alignFlushToInterval, true);
    assert.equal(b!.flushOnShutdown, false);
  });

  it('null or missing section means no rules', () => {
    assert.deepEqual(parseAggregationConfigs(undefined), []);
    assert.deepEqual(parseAggregationConfigs(null), []);
  });

  it('Go durations', () => {
    const table: [string, number | undefined][] = [
      ['1m', 60_000],
      ['30s', 30_000],
      ['1h30m', 5_400_000],
      ['1.5h', 5_400_000],
      ['500ms', 500],
      ['0', 0],
      ['1d', undefined],
      ['', undefined],
      ['m', undefined],
      ['1', undefined],
    ];
    for (const [text, want] of table) assert.equal(parseGoDuration(text), want, text);
  });

  it('quantile label values as Go formats them', () => {
    assert.deepEqual([0, 0.5, 0.99, 1, 0.00001, 0.0001].map(formatPhi), ['0', '0.5', '0.99', '1', '1e-05', '0.0001']);
  });
});
