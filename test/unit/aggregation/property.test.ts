import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AggregationEngine, parseAggregationConfigs, SnapshotError } from '../../../lib/aggregation/index.ts';
import type { TimeSeries } from '../../../lib/model/types.ts';
import { engineFor, render, T0, ts } from './helpers.ts';

const ALL_OUTPUTS = [
  'total',
  'total_prometheus',
  'increase',
  'increase_prometheus',
  'sum_samples',
  'sum_samples_total',
  'count_samples',
  'count_series',
  'last',
  'min',
  'max',
  'avg',
  'rate_sum',
  'rate_avg',
  'histogram_bucket',
  'quantiles(0, 0.5, 0.9, 1)',
  'unique_samples',
  'stddev',
  'stdvar',
];

/** A push: seconds after T0 (arrival), then samples as [instance, value, timestamp offset in ms]. */
const pushArb = fc.tuple(fc.integer({ min: 0, max: 400 }), fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: -5000, max: 5000 })), { maxLength: 8 }));

function toSeries(samples: [string, number, number][], sec: number): TimeSeries[] {
  return samples.map(([inst, v, dt]) => ts('m', { instance: inst, job: inst === 'c' ? 'y' : 'x' }, v, T0 + sec * 1000 + dt));
}

const ruleArb = fc.record({
  interval: fc.constantFrom('1m', '30s'),
  staleness_interval: fc.constantFrom('1m', '2m'),
  by: fc.constantFrom(undefined, ['job']),
  dedup_interval: fc.constantFrom(undefined, '10s'),
  ignore_old_samples: fc.boolean(),
  ignore_first_intervals: fc.integer({ min: 0, max: 2 }),
  ignore_first_sample_interval: fc.constantFrom(undefined, '0s', '45s'),
  flush_on_shutdown: fc.boolean(),
});

function clean(rule: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== undefined));
}

describe('stream aggregation properties', () => {
  it('sum_samples over any split of the input into pushes within one interval equals the sum', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 50 }), fc.array(fc.integer({ min: 1, max: 50 })), (values, cuts) => {
        const e = engineFor([{ interval: '1m', outputs: ['sum_samples', 'count_samples'] }]);
        let i = 0;
        let sec = 1;
        for (const cut of cuts) {
          if (i >= values.length) break;
          e.push(values.slice(i, i + cut).map((v) => ts('m', {}, v, T0 + sec * 1000)), T0 + sec * 1000);
          i += cut;
          sec++;
        }
        if (i < values.length) e.push(values.slice(i).map((v) => ts('m', {}, v, T0 + sec * 1000)), T0 + sec * 1000);
        const out = e.flush(T0 + 60_000);
        const get = (suffix: string) => out.find((s) => s.labels[0]!.value === `m:1m_${suffix}`)!.samples[0]!.value;
        assert.equal(get('sum_samples'), values.reduce((a, b) => a + b, 0));
        assert.equal(get('count_samples'), values.length);
      }),
    );
  });

  it('total over counter resets never decreases, and equals the sum of increases', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 100 }), fc.boolean()), { minLength: 1, maxLength: 60 }), (steps) => {
        const e = engineFor([{ interval: '1m', staleness_interval: '1h', ignore_first_sample_interval: '0s', outputs: ['total', 'increase'] }]);
        let v = 0;
        let prev = -1;
        let expected = 0;
        const totals: number[] = [];
        steps.forEach(([inc, reset], k) => {
          const next = reset ? inc : v + inc;
          expected += k === 0 ? next : next >= v ? next - v : next;
          v = next;
          const now = T0 + (k + 1) * 20_000;
          e.push([ts('c_total', {}, v, now)], now);
          for (const s of e.flush(now)) if (s.labels[0]!.value.endsWith('_total')) totals.push(s.samples[0]!.value);
        });
        for (const s of e.flush(T0 + (steps.length + 4) * 20_000)) if (s.labels[0]!.value.endsWith('_total')) totals.push(s.samples[0]!.value);
        for (const t of totals) {
          assert.ok(t >= prev, `total went from ${prev} to ${t}`);
          prev = t;
        }
        assert.equal(totals.at(-1), expected);
      }),
    );
  });

  it('snapshot/restore at any point gives the same output as no restart, for every output and option', () => {
    fc.assert(
      fc.property(ruleArb, fc.array(pushArb, { minLength: 1, maxLength: 12 }), fc.nat(), (rawRule, pushes, cutAt) => {
        const rules = [{ ...clean(rawRule), outputs: ALL_OUTPUTS }];
        const sorted = [...pushes].sort((a, b) => a[0] - b[0]);
        const cut = cutAt % (sorted.length + 1);
        const steps = (e: AggregationEngine, from: number, to: number, out: TimeSeries[]) => {
          for (let k = from; k < to; k++) {
            const [sec, samples] = sorted[k]!;
            e.push(toSeries(samples, sec), T0 + sec * 1000);
            if (k % 2 === 0) out.push(...e.flush(T0 + sec * 1000));
          }
        };
        const end = T0 + 600_000;
        const straight: TimeSeries[] = [];
        const a = engineFor(rules);
        steps(a, 0, sorted.length, straight);
        straight.push(...a.flush(end), ...a.shutdown(end));

        const restarted: TimeSeries[] = [];
        const b1 = engineFor(rules);
        steps(b1, 0, cut, restarted);
        const bytes = b1.snapshot();
        // A new process: a different start time, which the restored state must override.
        const b2 = engineFor(rules, T0 + 987_654);
        assert.deepEqual(b2.restore(bytes), { restored: 1, reset: [] });
        steps(b2, cut, sorted.length, restarted);
        restarted.push(...b2.flush(end), ...b2.shutdown(end));
        assert.deepEqual(render(restarted), render(straight));
      }),
      { numRuns: 150 },
    );
  });

  it('a changed rule starts fresh; rules may be reordered', () => {
    const r1 = { interval: '1m', outputs: ['sum_samples'] };
    const r2 = { interval: '1m', outputs: ['count_samples'] };
    const a = engineFor([r1, r2]);
    a.push([ts('m', {}, 5, T0 + 1000)], T0 + 1000);
    const b = engineFor([r2, { ...r1, by: ['job'] }]);
    assert.deepEqual(b.restore(a.snapshot()), { restored: 1, reset: ['stream_aggregation[1]'] });
    assert.deepEqual(render(b.flush(T0 + 60_000)), ['m:1m_count_samples{} @60s = 1']);
  });

  it('malformed snapshots throw SnapshotError and leave the engine as it was', () => {
    const rules = parseAggregationConfigs([{ interval: '1m', staleness_interval: '5m', outputs: ALL_OUTPUTS }]);
    const a = new AggregationEngine(rules, T0);
    a.push([ts('m', { i: 'x' }, 5, T0 + 1000), ts('m', { i: 'y' }, 7, T0 + 1000)], T0 + 1000);
    const good = a.snapshot();
    fc.assert(
      fc.property(fc.nat({ max: good.length - 1 }), fc.uint8Array({ maxLength: 4 }), (cut, junk) => {
        const b = new AggregationEngine(rules, T0);
        b.push([ts('m', { i: 'z' }, 1, T0 + 1000)], T0 + 1000);
        const bad = new Uint8Array([...good.subarray(0, cut), ...junk]);
        try {
          b.restore(bad);
        } catch (e) {
          assert.ok(e instanceof SnapshotError, String(e));
          const lines = render(b.flush(T0 + 60_000));
          assert.ok(lines.includes('m:1m_count_samples{i="z"} @60s = 1'), lines.join('\n'));
          assert.ok(!lines.some((l) => l.includes('i="x"')), lines.join('\n'));
          return;
        }
        // Bytes appended to a truncated snapshot can happen to parse; a plain truncation never does.
        assert.ok(junk.length > 0, `a snapshot cut at ${cut} of ${good.length} bytes was accepted`);
      }),
    );
  });
});
