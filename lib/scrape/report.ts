import type { Label, TimeSeries } from '../model/types.ts';

/** The series Prometheus adds for every scrape of a target (without --enable-feature=extra-scrape-metrics). */
export const REPORT_METRICS = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added'] as const;

export interface ScrapeReport {
  up: boolean;
  durationSeconds: number;
  scraped: number;
  postRelabel: number;
  seriesAdded: number;
}

/** The report series of one scrape: `__name__` plus the target labels (job, instance, ...), sorted. */
export function reportSeries(targetLabels: readonly Label[], timestamp: number, r: ScrapeReport): TimeSeries[] {
  const values = [r.up ? 1 : 0, r.durationSeconds, r.scraped, r.postRelabel, r.seriesAdded];
  return REPORT_METRICS.map((name, i) => ({ labels: withName(targetLabels, name), samples: [{ value: values[i]!, timestamp }] }));
}

/** Staleness markers for the report series of a target that is gone. */
export function staleReportSeries(targetLabels: readonly Label[], timestamp: number): TimeSeries[] {
  return REPORT_METRICS.map((name) => ({ labels: withName(targetLabels, name), samples: [{ value: NaN, timestamp, stale: true }] }));
}

function withName(labels: readonly Label[], name: string): Label[] {
  const out = labels.filter((l) => l.name !== '__name__');
  out.push({ name: '__name__', value: name });
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
