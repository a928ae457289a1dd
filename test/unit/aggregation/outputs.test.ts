import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { run, T0, ts, type Step } from './helpers.ts';

/**
 * Every output on a small input with a fake clock. The engine starts at T0 (a minute boundary), so the first
 * flush is at T0+60s and the next at T0+120s. `at` values are seconds after T0; sample timestamps follow.
 */
const at = (s: number) => T0 + s * 1000;
const c = (v: number, s: number, inst = 'a') => ts('req_total', { instance: inst, job: 'x' }, v, at(s));

// Two counters over two intervals; instance b resets in the first interval. Staleness 5m keeps every group.
const counterSteps: Step[] = [
  [10, [c(10, 10), c(100, 10, 'b')]],
  [20, [c(15, 20), c(5, 20, 'b')]],
  [70, [c(25, 70), c(7, 70, 'b')]],
];

interface Case {
  name: string;
  output: string;
  rule?: Record<string, unknown>;
  steps: Step[];
  untilSec: number;
  want: string[];
}

const base = { interval: '1m', by: ['job'], staleness_interval: '5m' };

const cases: Case[] = [
  {
    name: 'total: first samples ignored during ignore_first_sample_interval (default: staleness_interval), resets add the new value',
    output: 'total',
    steps: counterSteps,
    untilSec: 120,
    want: ['req_total:1m_by_job_total{job="x"} @120s = 22', 'req_total:1m_by_job_total{job="x"} @60s = 10'],
  },
  {
    name: 'total counts first samples once ignore_first_sample_interval passed',
    output: 'total',
    rule: { ignore_first_sample_interval: '0s' },
    steps: counterSteps,
    untilSec: 120,
    want: ['req_total:1m_by_job_total{job="x"} @120s = 132', 'req_total:1m_by_job_total{job="x"} @60s = 120'],
  },
  {
    name: 'total_prometheus never counts first samples',
    output: 'total_prometheus',
    rule: { ignore_first_sample_interval: '0s' },
    steps: counterSteps,
    untilSec: 120,
    want: ['req_total:1m_by_job_total_prometheus{job="x"} @120s = 22', 'req_total:1m_by_job_total_prometheus{job="x"} @60s = 10'],
  },
  {
    name: 'increase is per interval',
    output: 'increase',
    rule: { ignore_first_sample_interval: '0s' },
    steps: counterSteps,
    untilSec: 120,
    want: ['req_total:1m_by_job_increase{job="x"} @120s = 12', 'req_total:1m_by_job_increase{job="x"} @60s = 120'],
  },
  {
    name: 'increase_prometheus',
    output: 'increase_prometheus',
    steps: counterSteps,
    untilSec: 120,
    want: ['req_total:1m_by_job_increase_prometheus{job="x"} @120s = 12', 'req_total:1m_by_job_increase_prometheus{job="x"} @60s = 10'],
  },
  {
    name: 'rate_sum: increase over the time since the previous interval\'s last sample',
    output: 'rate_sum',
    steps: counterSteps,
    untilSec: 120,
    // 1st interval: a 5/10s + b 5/10s; 2nd: a 10/50s + b 2/50s.
    want: ['req_total:1m_by_job_rate_sum{job="x"} @120s = 0.24', 'req_total:1m_by_job_rate_sum{job="x"} @60s = 1'],
  },
  {
    name: 'rate_avg',
    output: 'rate_avg',
    steps: counterSteps,
    untilSec: 120,
    want: ['req_total:1m_by_job_rate_avg{job="x"} @120s = 0.12', 'req_total:1m_by_job_rate_avg{job="x"} @60s = 0.5'],
  },
  {
    name: 'sum_samples emits 0 for an interval without samples while the group is alive',
    output: 'sum_samples',
    steps: [[10, [c(1, 10), c(2, 10, 'b')]]],
    untilSec: 120,
    want: ['req_total:1m_by_job_sum_samples{job="x"} @120s = 0', 'req_total:1m_by_job_sum_samples{job="x"} @60s = 3'],
  },
  {
    name: 'sum_samples_total keeps the running sum',
    output: 'sum_samples_total',
    steps: [[10, [c(1, 10)]], [70, [c(2, 70)]]],
    untilSec: 120,
    want: ['req_total:1m_by_job_sum_samples_total{job="x"} @120s = 3', 'req_total:1m_by_job_sum_samples_total{job="x"} @60s = 1'],
  },
  {
    name: 'count_samples, only for intervals with samples',
    output: 'count_samples',
    steps: [[10, [c(1, 10), c(1, 11), c(2, 10, 'b')]]],
    untilSec: 120,
    want: ['req_total:1m_by_job_count_samples{job="x"} @60s = 3'],
  },
  {
    name: 'count_series',
    output: 'count_series',
    steps: [[10, [c(1, 10), c(1, 11), c(2, 10, 'b')]]],
    untilSec: 60,
    want: ['req_total:1m_by_job_count_series{job="x"} @60s = 2'],
  },
  {
    name: 'last: the largest timestamp wins, not the last pushed',
    output: 'last',
    steps: [[10, [c(5, 30), c(9, 20, 'b')]]],
    untilSec: 60,
    want: ['req_total:1m_by_job_last{job="x"} @60s = 5'],
  },
  { name: 'min', output: 'min', steps: [[10, [c(5, 10), c(-2, 10, 'b')]]], untilSec: 60, want: ['req_total:1m_by_job_min{job="x"} @60s = -2'] },
  { name: 'max', output: 'max', steps: [[10, [c(-5, 10), c(-2, 10, 'b')]]], untilSec: 60, want: ['req_total:1m_by_job_max{job="x"} @60s = -2'] },
  { name: 'avg', output: 'avg', steps: [[10, [c(1, 10), c(2, 10, 'b'), c(6, 11)]]], untilSec: 60, want: ['req_total:1m_by_job_avg{job="x"} @60s = 3'] },
  {
    name: 'stddev (population)',
    output: 'stddev',
    steps: [[10, [c(2, 10), c(4, 11), c(4, 12), c(4, 13), c(5, 14), c(5, 15), c(7, 16), c(9, 17)]]],
    untilSec: 60,
    want: ['req_total:1m_by_job_stddev{job="x"} @60s = 2'],
  },
  {
    name: 'stdvar',
    output: 'stdvar',
    steps: [[10, [c(2, 10), c(4, 11), c(4, 12), c(4, 13), c(5, 14), c(5, 15), c(7, 16), c(9, 17)]]],
    untilSec: 60,
    want: ['req_total:1m_by_job_stdvar{job="x"} @60s = 4'],
  },
  {
    name: 'unique_samples (+0 and -0 are one value)',
    output: 'unique_samples',
    steps: [[10, [c(1, 10), c(1, 11), c(0, 12), c(-0, 13), c(2, 10, 'b')]]],
    untilSec: 60,
    want: ['req_total:1m_by_job_unique_samples{job="x"} @60s = 3'],
  },
  {
    name: 'quantiles: min at 0, max at 1, nearest rank between',
    output: 'quantiles(0, 0.5, 0.9, 1)',
    steps: [[10, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((v, i) => c(v, 10 + i))]],
    untilSec: 60,
    want: [
      'req_total:1m_by_job_quantiles{job="x",quantile="0"} @60s = 1',
      'req_total:1m_by_job_quantiles{job="x",quantile="0.5"} @60s = 6',
      'req_total:1m_by_job_quantiles{job="x",quantile="0.9"} @60s = 9',
      'req_total:1m_by_job_quantiles{job="x",quantile="1"} @60s = 10',
    ],
  },
  {
    name: 'histogram_bucket: VictoriaMetrics vmrange buckets, cumulative across intervals, negatives ignored',
    output: 'histogram_bucket',
    steps: [[10, [c(0, 10), c(1, 11), c(10, 12), c(-1, 13)]], [70, [c(1, 70)]]],
    untilSec: 120,
    want: [
      'req_total:1m_by_job_histogram_bucket{job="x",vmrange="0...1.000e-09"} @120s = 1',
      'req_total:1m_by_job_histogram_bucket{job="x",vmrange="0...1.000e-09"} @60s = 1',
      'req_total:1m_by_job_histogram_bucket{job="x",vmrange="8.799e+00...1.000e+01"} @120s = 1',
      'req_total:1m_by_job_histogram_bucket{job="x",vmrange="8.799e+00...1.000e+01"} @60s = 1',
      'req_total:1m_by_job_histogram_bucket{job="x",vmrange="8.799e-01...1.000e+00"} @120s = 2',
      'req_total:1m_by_job_histogram_bucket{job="x",vmrange="8.799e-01...1.000e+00"} @60s = 1',
    ],
  },
];

describe('stream aggregation outputs', () => {
  for (const tc of cases) {
    it(tc.name, () => {
      const got = run([{ ...base, ...tc.rule, outputs: [tc.output] }], tc.steps, tc.untilSec);
      assert.deepEqual(got, [...tc.want].sort());
    });
  }

  it('quantiles beyond 1000 values: reservoir sampling with vmagent\'s generator (seeded per interval)', () => {
    // 3000 increasing values: an exact median would be 1500; the reservoir keeps a sample biased the same way as vmagent's.
    const series = Array.from({ length: 3000 }, (_, i) => c(i + 1, 10 + i / 1000));
    const first = run([{ ...base, outputs: ['quantiles(0.5)'] }], [[10, series]], 60);
    const again = run([{ ...base, outputs: ['quantiles(0.5)'] }], [[10, series]], 60);
    assert.deepEqual(first, again);
    const v = Number(first[0]!.split(' = ')[1]);
    assert.ok(v > 1000 && v < 2500, first[0]);
  });

  it('NaN values and staleness markers are skipped', () => {
    const got = run([{ ...base, outputs: ['count_samples', 'sum_samples'] }], [[10, [c(1, 10), c(NaN, 11), ts('req_total', { instance: 'a', job: 'x' }, 0, at(12), true)]]], 60);
    assert.deepEqual(got, ['req_total:1m_by_job_count_samples{job="x"} @60s = 1', 'req_total:1m_by_job_sum_samples{job="x"} @60s = 1']);
  });

  it('total skips an out-of-order sample; increase still reports the interval', () => {
    const got = run([{ ...base, ignore_first_sample_interval: '0s', outputs: ['total', 'increase'] }], [[10, [c(10, 20)]], [70, [c(5, 15)]]], 120);
    assert.deepEqual(got, [
      'req_total:1m_by_job_increase{job="x"} @120s = 0',
      'req_total:1m_by_job_increase{job="x"} @60s = 10',
      'req_total:1m_by_job_total{job="x"} @120s = 10',
      'req_total:1m_by_job_total{job="x"} @60s = 10',
    ]);
  });
});

describe('histogram_bucket matches Go bit for bit', () => {
  it('log10 as Go computes it (math.Log10 on amd64), which Math.log10 does not for some values', async () => {
    const { goLog10 } = await import('../../../lib/aggregation/outputs/histogram.ts');
    // [value, bits of Go's math.Log10(value)], printed by Go 1.26 on amd64.
    const table: [number, bigint][] = [
      [1e-9, 13844628204490326016n],
      [1e-8, 13844065254536904704n],
      [0.001, 13837309855095848960n],
      [0.1, 13830554455654793215n],
      [0.5, 13822466531077880319n],
      [1, 0n],
      [2, 4599094494223104511n],
      [3, 4602266672337769980n],
      [10, 4607182418800017408n],
      [100, 4611686018427387904n],
      [1000, 4613937818241073152n],
      [1e6, 4618441417868443648n],
      [1e9, 4621256167635550208n],
      [12345.678, 4616292654723381917n],
      [0.3, 13826256929444861186n],
      [7, 4605787185981475903n],
      [1e17, 4625478292286210048n],
      [99.99, 4611685822828761122n],
    ];
    for (const [v, bits] of table) {
      const got = new BigUint64Array(new Float64Array([goLog10(v)]).buffer)[0];
      assert.equal(got, bits, String(v));
    }
  });
});
