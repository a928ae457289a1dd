import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { passThrough } from '../../../lib/aggregation/index.ts';
import { engineFor, render, run, T0, ts } from './helpers.ts';

const at = (s: number) => T0 + s * 1000;
const g = (labels: Record<string, string>, v: number, s: number, name = 'temp') => ts(name, labels, v, at(s));

interface Case {
  name: string;
  rule: Record<string, unknown>;
  steps: [number, ReturnType<typeof ts>[]][];
  untilSec: number;
  want: string[];
}

const cases: Case[] = [
  {
    name: 'no by/without: one group per input series, name gets :<interval>_<output>',
    rule: { interval: '1m', outputs: ['max'] },
    steps: [[5, [g({ host: 'a' }, 1, 5), g({ host: 'b' }, 2, 5)]]],
    untilSec: 60,
    want: ['temp:1m_max{host="a"} @60s = 1', 'temp:1m_max{host="b"} @60s = 2'],
  },
  {
    name: 'by lists labels in the name, sorted, and keeps only them (plus __name__)',
    rule: { interval: '1m', by: ['zone', 'dc'], outputs: ['sum_samples'] },
    steps: [[5, [g({ dc: '1', zone: 'z', host: 'a' }, 1, 5), g({ dc: '1', zone: 'z', host: 'b' }, 2, 5)]]],
    untilSec: 60,
    want: ['temp:1m_by_dc_zone_sum_samples{dc="1",zone="z"} @60s = 3'],
  },
  {
    name: 'without drops the listed labels',
    rule: { interval: '1m', without: ['host'], outputs: ['sum_samples'] },
    steps: [[5, [g({ dc: '1', host: 'a' }, 1, 5), g({ dc: '1', host: 'b' }, 2, 5)]]],
    untilSec: 60,
    want: ['temp:1m_without_host_sum_samples{dc="1"} @60s = 3'],
  },
  {
    name: 'without: [__name__] merges names; the output name is the suffix alone',
    rule: { interval: '1m', without: ['__name__'], outputs: ['count_samples'] },
    steps: [[5, [g({ dc: '1' }, 1, 5, 'a'), g({ dc: '1' }, 2, 5, 'b')]]],
    untilSec: 60,
    want: [':1m_count_samples{dc="1"} @60s = 2'],
  },
  {
    name: 'keep_metric_names',
    rule: { interval: '1m', by: ['dc'], keep_metric_names: true, outputs: ['avg'] },
    steps: [[5, [g({ dc: '1', host: 'a' }, 1, 5), g({ dc: '1', host: 'b' }, 2, 5)]]],
    untilSec: 60,
    want: ['temp{dc="1"} @60s = 1.5'],
  },
  {
    name: 'drop_input_labels before grouping',
    rule: { interval: '1m', drop_input_labels: ['replica'], outputs: ['count_samples'] },
    steps: [[5, [g({ host: 'a', replica: '1' }, 1, 5), g({ host: 'a', replica: '2' }, 2, 5)]]],
    untilSec: 60,
    want: ['temp:1m_count_samples{host="a"} @60s = 2'],
  },
  {
    name: 'match as a list of selectors; non-matching series are not aggregated',
    rule: { interval: '1m', match: ['temp{host="a"}', '{__name__="other"}'], without: ['host'], outputs: ['count_samples'] },
    steps: [[5, [g({ host: 'a' }, 1, 5), g({ host: 'b' }, 2, 5), g({ host: 'c' }, 2, 5, 'other')]]],
    untilSec: 60,
    want: ['other:1m_without_host_count_samples{} @60s = 1', 'temp:1m_without_host_count_samples{} @60s = 1'],
  },
  {
    name: 'input_relabel_configs can rewrite and drop; output_relabel_configs see the output names',
    rule: {
      interval: '1m',
      by: ['team'],
      outputs: ['count_samples'],
      input_relabel_configs: [
        { source_labels: ['host'], regex: 'db.*', action: 'drop' },
        { source_labels: ['host'], regex: '(.*)-.*', target_label: 'team' },
      ],
      output_relabel_configs: [{ source_labels: ['__name__'], regex: '(.*):1m_by_team_(.*)', target_label: '__name__', replacement: '${1}_${2}' }],
    },
    steps: [[5, [g({ host: 'web-1' }, 1, 5), g({ host: 'web-2' }, 1, 5), g({ host: 'db-1' }, 1, 5)]]],
    untilSec: 60,
    want: ['temp_count_samples{team="web"} @60s = 2'],
  },
  {
    name: 'staleness_interval: a group without samples is forgotten at the first flush past it',
    rule: { interval: '1m', outputs: ['sum_samples'] },
    steps: [[5, [g({ host: 'a' }, 1, 5)]], [65, [g({ host: 'b' }, 1, 65)]]],
    untilSec: 240,
    // a: pushed at 5s, deadline 65s: emitted at 60s, dropped at 120s. b: deadline 125s: 120s only.
    want: ['temp:1m_sum_samples{host="a"} @60s = 1', 'temp:1m_sum_samples{host="b"} @120s = 1'],
  },
  {
    name: 'a longer staleness_interval keeps emitting sum_samples=0 until it passes',
    rule: { interval: '1m', staleness_interval: '2m', outputs: ['sum_samples'] },
    steps: [[5, [g({ host: 'a' }, 1, 5)]]],
    untilSec: 300,
    want: ['temp:1m_sum_samples{host="a"} @120s = 0', 'temp:1m_sum_samples{host="a"} @60s = 1'],
  },
  {
    name: 'ignore_old_samples: timestamps before the current interval are dropped (at start: before the first boundary)',
    rule: { interval: '1m', ignore_old_samples: true, outputs: ['count_samples'] },
    steps: [[5, [g({ host: 'a' }, 1, -1), g({ host: 'a' }, 1, 5)]], [65, [g({ host: 'a' }, 1, 59), g({ host: 'a' }, 1, 60)]]],
    untilSec: 120,
    want: ['temp:1m_count_samples{host="a"} @120s = 1', 'temp:1m_count_samples{host="a"} @60s = 1'],
  },
  {
    name: 'ignore_first_intervals drops the first flushes',
    rule: { interval: '1m', ignore_first_intervals: 1, outputs: ['count_samples'] },
    steps: [[5, [g({ host: 'a' }, 1, 5)]], [65, [g({ host: 'a' }, 1, 65)]]],
    untilSec: 120,
    want: ['temp:1m_count_samples{host="a"} @120s = 1'],
  },
  {
    name: 'dedup_interval keeps the latest sample per series and dedup interval (larger value on equal timestamps)',
    rule: { interval: '1m', dedup_interval: '30s', without: ['host'], outputs: ['sum_samples', 'count_samples'] },
    steps: [[5, [g({ host: 'a' }, 1, 5), g({ host: 'a' }, 3, 6), g({ host: 'b' }, 4, 7), g({ host: 'b' }, 9, 7)]], [35, [g({ host: 'a' }, 10, 35)]]],
    untilSec: 60,
    want: ['temp:1m_without_host_count_samples{} @60s = 3', 'temp:1m_without_host_sum_samples{} @60s = 22'],
  },
  {
    name: 'samples are assigned by arrival time, not timestamp',
    rule: { interval: '1m', outputs: ['count_samples'] },
    steps: [[65, [g({ host: 'a' }, 1, 5)]]],
    untilSec: 120,
    want: ['temp:1m_count_samples{host="a"} @120s = 1'],
  },
  {
    name: 'flushes skipped by the caller still happen, each at its own time',
    rule: { interval: '1m', staleness_interval: '3m', outputs: ['sum_samples'] },
    steps: [[5, [g({ host: 'a' }, 1, 5)]]],
    untilSec: 600,
    want: ['temp:1m_sum_samples{host="a"} @120s = 0', 'temp:1m_sum_samples{host="a"} @180s = 0', 'temp:1m_sum_samples{host="a"} @60s = 1'],
  },
];

describe('stream aggregation options', () => {
  for (const tc of cases) {
    it(tc.name, () => {
      assert.deepEqual(run([tc.rule], tc.steps, tc.untilSec), [...tc.want].sort());
    });
  }

  it('the first flush is one interval after the first boundary after start', () => {
    // The default staleness (one interval) would forget the group before that first flush, as in vmagent.
    const e = engineFor([{ interval: '1m', staleness_interval: '2m', outputs: ['count_samples'] }], T0 + 10_000);
    e.push([g({ host: 'a' }, 1, 11)], at(11));
    assert.deepEqual(render(e.flush(at(119))), []);
    assert.deepEqual(render(e.flush(at(120))), ['temp:1m_count_samples{host="a"} @120s = 1']);
  });

  it('no_align_flush_to_interval: flushes every interval from start', () => {
    const e = engineFor([{ interval: '1m', no_align_flush_to_interval: true, outputs: ['count_samples'] }], T0 + 10_000);
    e.push([g({ host: 'a' }, 1, 11)], at(11));
    assert.deepEqual(render(e.flush(at(70))), ['temp:1m_count_samples{host="a"} @70s = 1']);
  });

  it('shutdown emits the unfinished interval only with flush_on_shutdown, stamped with its end', () => {
    for (const [flag, want] of [[true, ['temp:1m_count_samples{host="a"} @60s = 1']], [false, []]] as const) {
      const e = engineFor([{ interval: '1m', flush_on_shutdown: flag, outputs: ['count_samples'] }]);
      e.push([g({ host: 'a' }, 1, 5)], at(5));
      assert.deepEqual(render(e.shutdown(at(30))), want);
    }
  });

  it('keep_input: matched series pass through only with keepInput; dropInput drops unmatched ones', () => {
    const e = engineFor([{ interval: '1m', match: 'temp', outputs: ['count_samples'] }]);
    const input = [g({ host: 'a' }, 1, 5), g({ host: 'a' }, 1, 5, 'other')];
    const matched = e.push(input, at(5));
    assert.deepEqual([...matched], [1, 0]);
    assert.deepEqual(passThrough(input, matched), [input[1]]);
    assert.deepEqual(passThrough(input, matched, { keepInput: true }), input);
    assert.deepEqual(passThrough(input, matched, { dropInput: true }), []);
  });

  it('a series dropped by input relabeling still counts as matched (vmagent matches before relabeling)', () => {
    const e = engineFor([{ interval: '1m', outputs: ['count_samples'], input_relabel_configs: [{ action: 'drop', source_labels: ['host'], regex: 'a' }] }]);
    assert.deepEqual([...e.push([g({ host: 'a' }, 1, 5)], at(5))], [1]);
    assert.deepEqual(e.flush(at(60)), []);
  });

  it('global defaults apply when a rule does not set the key', () => {
    const got = run([{ interval: '1m', outputs: ['count_samples'] }, { interval: '1m', outputs: ['count_samples'], drop_input_labels: [] }], [[5, [g({ host: 'a', replica: '1' }, 1, 5)]]], 60, { dropInputLabels: ['replica'] });
    assert.deepEqual(got, ['temp:1m_count_samples{host="a",replica="1"} @60s = 1', 'temp:1m_count_samples{host="a"} @60s = 1']);
  });

  it('does not modify or keep the pushed series', () => {
    const e = engineFor([{ interval: '1m', outputs: ['last'] }]);
    const input = [{ labels: [{ name: 'host', value: 'a' }, { name: '__name__', value: 'temp' }], samples: [{ value: 1, timestamp: at(5) }] }];
    const copy = structuredClone(input);
    e.push(input, at(5));
    assert.deepEqual(input, copy);
    input[0]!.labels[0]!.value = 'changed';
    assert.deepEqual(render(e.flush(at(60))), ['temp:1m_last{host="a"} @60s = 1']);
  });
});

describe('stream aggregation edge cases', () => {
  it('a series left without labels by drop_input_labels is skipped (still counted as matched)', () => {
    const e = engineFor([{ interval: '1m', drop_input_labels: ['__name__', 'host'], outputs: ['count_samples'] }]);
    assert.deepEqual([...e.push([g({ host: 'a' }, 1, 5)], at(5))], [1]);
    assert.deepEqual(e.flush(at(60)), []);
  });
});
