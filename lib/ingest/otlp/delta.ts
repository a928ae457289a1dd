import { excerpt } from '../../errors.ts';
import { formatSeries, labelsKey } from '../../model/labels.ts';
import type { Histogram, Label, TimeSeries } from '../../model/types.ts';
import type { LineErrorCollector } from '../common/line-errors.ts';
import { SeriesSet, type PointLabels } from './series-set.ts';

/**
 * The series of delta-temporality metrics (`otlp.delta_to_cumulative` on), kept apart from the cumulative
 * ones so the ingest hook (lib/aggregation/delta/ingest.ts) can tell them apart by object: each remembers
 * the request position (`line`) of the metric that first wrote it, for error messages.
 */
export class DeltaSeriesSet extends SeriesSet {
  /** The 1-based position of the metric being translated. */
  line = 0;
  private readonly lines = new Map<TimeSeries, number>();

  override add(point: PointLabels, name: Label, extra: Label | undefined, value: number, timestamp: number, stale: boolean, start = 0): TimeSeries {
    return this.mark(super.add(point, name, extra, value, timestamp, stale, start));
  }

  override addHistogram(point: PointLabels, name: Label, h: Histogram): TimeSeries {
    return this.mark(super.addHistogram(point, name, h));
  }

  private mark(ts: TimeSeries): TimeSeries {
    if (!this.lines.has(ts)) this.lines.set(ts, this.line);
    return ts;
  }

  /**
   * The delta series, less those whose label set a cumulative series of the request also has (two metrics
   * of one name and attributes, one delta and one cumulative: one series cannot be both). Their points are
   * rejected, reported as bad items and counted; returns how many points that was.
   */
  seriesApartFrom(cumulative: readonly TimeSeries[], errors: LineErrorCollector): { series: TimeSeries[]; rejectedPoints: number } {
    const all = this.series();
    if (all.length === 0) return { series: all, rejectedPoints: 0 };
    const taken = new Set<string>();
    for (const ts of cumulative) taken.add(labelsKey(ts.labels));
    const series: TimeSeries[] = [];
    let rejectedPoints = 0;
    for (const ts of all) {
      if (!taken.has(labelsKey(ts.labels))) {
        series.push(ts);
        continue;
      }
      const n = ts.samples.length + (ts.histograms?.length ?? 0);
      rejectedPoints += n;
      const line = this.lines.get(ts) ?? 0;
      errors.add(() => ({ line, reason: `delta series is also written by a cumulative metric of this request; ${n} delta data points dropped`, excerpt: excerpt(formatSeries(ts.labels)) }));
    }
    return { series, rejectedPoints };
  }
}
