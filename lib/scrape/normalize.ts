import { formatGoFloat } from '../ingest/prometheus/go-float.ts';
import { parseGoFloat } from '../ingest/prometheus/go-float.ts';
import { METRIC_NAME_LABEL } from '../model/labels.ts';
import type { TimeSeries } from '../model/types.ts';

/**
 * Prometheus 3 normalises the `le` of classic histogram buckets and the `quantile` of summaries on ingestion
 * (its 3.0 migration guide: "le and quantile label values"), so that a series is named alike whatever format
 * it was scraped in: the value is written as OpenMetrics floats are, Go's shortest form plus `.0` when it
 * has neither a `.` nor an exponent (`1` -> `1.0`, `0.005` stays, `1e+06` stays, `+Inf`). `types` maps a
 * family name to its type; `le` is normalised on `<family>_bucket` of the histogram types given, `quantile`
 * on `<family>` of a summary. Values that do not parse as floats are left as written. Mutates the labels.
 */
export function normalizeBucketLabels(series: readonly TimeSeries[], types: ReadonlyMap<string, string>, histogramTypes: readonly string[]): void {
  if (!types.size) return;
  for (const s of series) {
    let name: string | undefined;
    for (const l of s.labels) {
      if (l.name === METRIC_NAME_LABEL) name = l.value;
      else if (l.name === 'le' || l.name === 'quantile') {
        name ??= s.labels.find((x) => x.name === METRIC_NAME_LABEL)?.value ?? '';
        const applies = l.name === 'le' ? name.endsWith('_bucket') && histogramTypes.includes(types.get(name.slice(0, -7)) ?? '') : types.get(name) === 'SUMMARY';
        if (!applies) continue;
        const f = parseGoFloat(l.value, 0, l.value.length);
        if (f !== undefined) l.value = formatOpenMetricsFloat(f);
      }
    }
  }
}

/** Prometheus' formatOpenMetricsFloat: Go's shortest 'g' form, `.0` appended to integral values. */
export function formatOpenMetricsFloat(f: number): string {
  const s = formatGoFloat(f);
  return Number.isFinite(f) && !s.includes('.') && !s.includes('e') ? `${s}.0` : s;
}
