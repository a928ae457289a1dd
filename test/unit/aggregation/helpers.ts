import { formatSeries } from '../../../lib/model/labels.ts';
import type { Label, TimeSeries } from '../../../lib/model/types.ts';
import { AggregationEngine, parseAggregationConfigs, type AggregationDefaults } from '../../../lib/aggregation/index.ts';

/** A minute boundary (also one from Go's zero time): an engine started here flushes first at T0 + 60s. */
export const T0 = 1_699_999_980_000;

export function ts(name: string, labels: Record<string, string>, value: number, timestamp: number, stale = false): TimeSeries {
  const ls: Label[] = [{ name: '__name__', value: name }, ...Object.entries(labels).map(([n, v]) => ({ name: n, value: v }))];
  ls.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { labels: ls, samples: [stale ? { value: NaN, timestamp, stale: true } : { value, timestamp }] };
}

export function engineFor(rules: unknown[], start = T0, defaults: AggregationDefaults = {}): AggregationEngine {
  return new AggregationEngine(parseAggregationConfigs(rules, 'stream_aggregation', defaults), start);
}

/** Output series as `name{labels} @ts = value` lines, sorted: easy to read in a failed assertion. */
export function render(out: readonly TimeSeries[]): string[] {
  return out.map((s) => `${formatSeries(s.labels)} @${(s.samples[0]!.timestamp - T0) / 1000}s = ${round(s.samples[0]!.value)}`).sort();
}

function round(v: number): number {
  return Math.round(v * 1e9) / 1e9;
}

/** A fake clock step list: [seconds after T0, series pushed then]. */
export type Step = [number, TimeSeries[]];

export function run(rules: unknown[], steps: Step[], untilSec: number, defaults: AggregationDefaults = {}): string[] {
  const e = engineFor(rules, T0, defaults);
  const out: TimeSeries[] = [];
  for (const [sec, series] of steps) {
    e.push(series, T0 + sec * 1000);
    out.push(...e.flush(T0 + sec * 1000));
  }
  out.push(...e.flush(T0 + untilSec * 1000));
  return render(out);
}
