import { GatewayError } from '../errors.ts';
import { parseMediaType } from '../ingest/prometheus/media-type.ts';
import { parseExposition } from '../ingest/prometheus/parse.ts';
import { decodeMetricFamilies, METRIC_TYPE, metricFamiliesToSeries } from '../ingest/pushgateway/metric-families.ts';
import { labelsKey, METRIC_NAME_LABEL, sortLabels } from '../model/labels.ts';
import type { Label, TimeSeries } from '../model/types.ts';
import { applyRelabel, dropInternalLabels } from '../relabel/apply.ts';
import { ScrapeError } from './fetch.ts';
import { convertClassicToNhcb } from './nhcb.ts';
import { normalizeBucketLabels } from './normalize.ts';
import type { Target } from './targets.ts';

export interface ScrapedSamples {
  /** One single-sample series per unique label set, labels sorted, target labels applied. */
  series: TimeSeries[];
  /** Samples in the body (`scrape_samples_scraped`). */
  scraped: number;
  /** Samples after metric_relabel_configs (`scrape_samples_post_metric_relabeling`). */
  postRelabel: number;
}

/**
 * The series of a body, chosen by Content-Type as Prometheus 3 does: delimited protobuf MetricFamily
 * (PrometheusProto, read with the Pushgateway's decoder: native histograms when scrape_native_histograms,
 * classic series as always_scrape_classic_histograms says, exemplars, created timestamps), OpenMetrics
 * (exemplars kept), anything else text 0.0.4/1.0.0 (a missing or unknown Content-Type included, as Prometheus
 * 2 did; Prometheus 3 fails such a scrape unless fallback_scrape_protocol is set). Then `le` and
 * `quantile` normalised as Prometheus 3 does (normalize.ts), then convert_classic_histograms_to_nhcb. A histogram sample counts as one scraped sample, as in Prometheus.
 */
export function parseScrapeBody(body: Uint8Array, contentType: string | undefined, target: Target, timestamp: number): TimeSeries[] {
  const job = target.job;
  const mt = parseMediaType(contentType);
  const histogramFamilies = new Set<string>();
  let series: TimeSeries[];
  if (mt?.type === 'application/vnd.google.protobuf') {
    if (mt.params['proto'] !== 'io.prometheus.client.MetricFamily' || mt.params['encoding'] !== 'delimited') {
      throw new ScrapeError(`unsupported protobuf Content-Type ${JSON.stringify((contentType ?? '').slice(0, 120))}`);
    }
    let families;
    try {
      families = decodeMetricFamilies(body);
    } catch (err) {
      if (err instanceof GatewayError) throw new ScrapeError(err.message.replace(/^pushgateway: /, ''));
      throw err;
    }
    const parsed = metricFamiliesToSeries(families, timestamp, { nativeHistograms: job.scrapeNativeHistograms, alwaysClassic: job.alwaysScrapeClassicHistograms });
    if (parsed.errors.length) {
      const e = parsed.errors[0]!;
      const total = parsed.errorCount ?? parsed.errors.length;
      throw new ScrapeError(`${e.reason}${total > 1 ? ` (and ${total - 1} more bad metric families)` : ''}`);
    }
    series = parsed.series;
    if (!job.honorTimestamps) for (const s of series) restamp(s, timestamp);
    const types = new Map<string, string>();
    for (const f of families) {
      if (f.type === METRIC_TYPE.HISTOGRAM) histogramFamilies.add(f.name);
      const t = f.type === METRIC_TYPE.HISTOGRAM ? 'HISTOGRAM' : f.type === METRIC_TYPE.GAUGE_HISTOGRAM ? 'GAUGEHISTOGRAM' : f.type === METRIC_TYPE.SUMMARY ? 'SUMMARY' : undefined;
      if (t) types.set(f.name, t);
    }
    normalizeBucketLabels(series, types, ['HISTOGRAM', 'GAUGEHISTOGRAM']);
  } else {
    const openMetrics = mt?.type === 'application/openmetrics-text';
    // Family types are needed for le/quantile normalisation and the NHCB conversion.
    const parsed = parseExposition(body, { defaultTimestamp: timestamp, openMetrics, honorTimestamps: job.honorTimestamps, collectMetadata: false, collectTypes: true, exemplars: true });
    if (parsed.errors.length) {
      const e = parsed.errors[0]!;
      const total = parsed.errorCount ?? parsed.errors.length;
      const more = total > 1 ? ` (and ${total - 1} more bad lines)` : '';
      throw new ScrapeError(`line ${e.line}: ${e.reason}: ${e.excerpt}${more}`);
    }
    series = parsed.series;
    const types = new Map<string, string>();
    for (const m of parsed.metadata) {
      if (m.type === 'HISTOGRAM') histogramFamilies.add(m.metricFamilyName);
      if (m.type !== 'UNKNOWN') types.set(m.metricFamilyName, m.type);
    }
    normalizeBucketLabels(series, types, ['HISTOGRAM']);
  }
  if (job.convertClassicHistogramsToNhcb) series = convertClassicToNhcb(series, histogramFamilies, job.alwaysScrapeClassicHistograms);
  return series;
}

/** honor_timestamps: false for protobuf bodies: every sample, histogram and exemplar-less point at the scrape time. */
function restamp(s: TimeSeries, timestamp: number): void {
  for (const smp of s.samples) smp.timestamp = timestamp;
  if (s.histograms) for (const h of s.histograms) h.timestamp = timestamp;
}

/**
 * Parses a scraped body (parseScrapeBody) and applies what Prometheus applies between parsing and the TSDB:
 * target labels (honor_labels, else conflicting exposed labels renamed `exported_<name>`),
 * metric_relabel_configs, `__`-prefixed labels dropped, then sample_limit, label_limit,
 * label_name_length_limit and label_value_length_limit. Any bad line (an unparsable sample, a repeated label
 * name, an OpenMetrics body without `# EOF`, a bad protobuf message) or any limit passed fails the whole
 * scrape: a ScrapeError and nothing partial. A repeated series (same labels after relabeling) keeps its first
 * sample, as Prometheus' appender does.
 */
export function processScrapeBody(body: Uint8Array, contentType: string | undefined, target: Target, timestamp: number): ScrapedSamples {
  const job = target.job;
  const parsed = { series: parseScrapeBody(body, contentType, target, timestamp) };
  const out: TimeSeries[] = [];
  const seen = new Set<string>();
  const relabel = job.metricRelabel.rules.length ? job.metricRelabel : undefined;
  for (const s of parsed.series) {
    let labels = mergeTargetLabels(s.labels, target.labels, job.honorLabels);
    if (relabel) {
      const r = applyRelabel(relabel, labels);
      if (r === undefined) continue;
      labels = dropInternalLabels(r);
    }
    const key = labelsKey(labels);
    if (seen.has(key)) continue;
    seen.add(key);
    if (job.labelLimit > 0 && labels.length > job.labelLimit) {
      throw new ScrapeError(`label_limit exceeded (metric: ${metricName(labels)}, number of labels: ${labels.length}, limit: ${job.labelLimit})`);
    }
    for (const l of labels) {
      if (job.labelNameLengthLimit > 0 && l.name.length > job.labelNameLengthLimit) {
        throw new ScrapeError(`label_name_length_limit exceeded (metric: ${metricName(labels)}, label name: ${l.name.slice(0, 100)}, limit: ${job.labelNameLengthLimit})`);
      }
      if (job.labelValueLengthLimit > 0 && l.value.length > job.labelValueLengthLimit) {
        throw new ScrapeError(`label_value_length_limit exceeded (metric: ${metricName(labels)}, label name: ${l.name}, limit: ${job.labelValueLengthLimit})`);
      }
    }
    s.labels = labels;
    out.push(s);
    if (job.sampleLimit > 0 && out.length > job.sampleLimit) throw new ScrapeError(`sample limit exceeded (sample_limit: ${job.sampleLimit})`, parsed.series.length);
  }
  return { series: out, scraped: parsed.series.length, postRelabel: out.length };
}

/**
 * Prometheus' mutateSampleLabels: with honor_labels a label the body sets wins; otherwise the target's wins
 * and the body's value moves to `exported_<name>` (`exported_exported_<name>` when that is taken, ...).
 * `exposed` is sorted and unique (the parser's output); the result is sorted.
 */
export function mergeTargetLabels(exposed: Label[], targetLabels: readonly Label[], honorLabels: boolean): Label[] {
  if (targetLabels.length === 0) return exposed;
  const merged = mergeDisjoint(exposed, targetLabels);
  if (merged) return merged;
  const m = new Map<string, string>();
  for (const l of exposed) m.set(l.name, l.value);
  if (honorLabels) {
    for (const t of targetLabels) if (!m.has(t.name)) m.set(t.name, t.value);
  } else {
    const conflicts: Label[] = [];
    for (const t of targetLabels) {
      const v = m.get(t.name);
      if (v !== undefined) conflicts.push({ name: t.name, value: v });
      m.set(t.name, t.value);
    }
    for (const c of conflicts) {
      let name = `exported_${c.name}`;
      while (m.has(name)) name = `exported_${name}`;
      m.set(name, c.value);
    }
  }
  const out: Label[] = [];
  for (const [name, value] of m) out.push({ name, value });
  return sortLabels(out);
}

/** Both sorted: their merge, or undefined when a name is in both (the common case is no clash). */
function mergeDisjoint(a: readonly Label[], b: readonly Label[]): Label[] | undefined {
  const out: Label[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x.name === y.name) return undefined;
    if (x.name < y.name) {
      out[k++] = x;
      i++;
    } else {
      out[k++] = y;
      j++;
    }
  }
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

function metricName(labels: readonly Label[]): string {
  return labels.find((l) => l.name === METRIC_NAME_LABEL)?.value ?? '';
}
