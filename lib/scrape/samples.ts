import { isOpenMetricsContentType } from '../ingest/prometheus/media-type.ts';
import { parseExposition } from '../ingest/prometheus/parse.ts';
import { labelsKey, METRIC_NAME_LABEL, sortLabels } from '../model/labels.ts';
import type { Label, TimeSeries } from '../model/types.ts';
import { applyRelabel, dropInternalLabels } from '../relabel/apply.ts';
import { ScrapeError } from './fetch.ts';
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
 * Parses a scraped body and applies what Prometheus applies between parsing and the TSDB: target labels
 * (honor_labels, else conflicting exposed labels renamed `exported_<name>`), metric_relabel_configs,
 * `__`-prefixed labels dropped, then sample_limit, label_limit, label_name_length_limit and
 * label_value_length_limit. Any bad line (an unparsable sample, a repeated label name, an OpenMetrics body
 * without `# EOF`) or any limit passed fails the whole scrape: a ScrapeError and nothing partial.
 * A repeated series (same labels after relabeling) keeps its first sample, as Prometheus' appender does.
 */
export function processScrapeBody(body: Uint8Array, contentType: string | undefined, target: Target, timestamp: number): ScrapedSamples {
  const job = target.job;
  // An unknown or missing Content-Type is read as text 0.0.4, as Prometheus does.
  const parsed = parseExposition(body, { defaultTimestamp: timestamp, openMetrics: isOpenMetricsContentType(contentType), honorTimestamps: job.honorTimestamps, collectMetadata: false });
  if (parsed.errors.length) {
    const e = parsed.errors[0]!;
    const total = parsed.errorCount ?? parsed.errors.length;
    const more = total > 1 ? ` (and ${total - 1} more bad lines)` : '';
    throw new ScrapeError(`line ${e.line}: ${e.reason}: ${e.excerpt}${more}`);
  }
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
