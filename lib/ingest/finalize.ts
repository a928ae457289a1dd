import { BadRequestError, PayloadTooLargeError } from '../errors.ts';
import { formatSeries, labelSetProblem, labelsKey, normalizeLabels } from '../model/labels.ts';
import type { Label, TimeSeries } from '../model/types.ts';
import type { IngestLimits } from '../config/schema.ts';
import { excerpt } from '../errors.ts';

/**
 * Turns parsed series into what the queue carries: `extra_label` arguments applied (they override), labels
 * normalised (empty values dropped, sorted), every limit checked (400/413 naming the limit and its value,
 * nothing queued), series with equal label sets merged so one series never spans two queue messages, and
 * samples in timestamp order.
 */
export function finalizeSeries(series: TimeSeries[], extraLabels: readonly Label[], limits: IngestLimits, protocol: string): TimeSeries[] {
  if (series.length > limits.maxSeriesPerRequest) {
    throw new PayloadTooLargeError(`${protocol}: request has ${series.length} series, over max_series_per_request=${limits.maxSeriesPerRequest}`, 'limit_series_per_request');
  }
  const merged = new Map<string, TimeSeries>();
  const out: TimeSeries[] = [];
  for (let i = 0; i < series.length; i++) {
    const s = series[i]!;
    let labels = s.labels;
    if (extraLabels.length) {
      labels = labels.filter((l) => !extraLabels.some((e) => e.name === l.name));
      for (const e of extraLabels) labels.push(e);
    }
    normalizeLabels(labels);
    checkLimits(labels, limits, protocol, i);
    const problem = labelSetProblem(labels);
    if (problem) throw new BadRequestError(`${protocol}: series ${i + 1} ${excerpt(formatSeries(labels))}: ${problem}`, 'invalid_series');
    const key = labelsKey(labels);
    const prev = merged.get(key);
    if (prev) {
      for (const smp of s.samples) prev.samples.push(smp);
      continue;
    }
    const fresh: TimeSeries = { labels, samples: s.samples };
    merged.set(key, fresh);
    out.push(fresh);
  }
  for (const s of out) sortSamples(s);
  return out;
}

function checkLimits(labels: readonly Label[], limits: IngestLimits, protocol: string, i: number): void {
  if (labels.length > limits.maxLabelsPerSeries) {
    throw new BadRequestError(`${protocol}: series ${i + 1} ${excerpt(formatSeries(labels))} has ${labels.length} labels, over max_labels_per_series=${limits.maxLabelsPerSeries}`, 'limit_labels_per_series');
  }
  for (const l of labels) {
    if (l.name.length > limits.maxLabelNameLength) {
      throw new BadRequestError(`${protocol}: series ${i + 1}: label name ${excerpt(l.name)} of ${l.name.length} characters is over max_label_name_length=${limits.maxLabelNameLength}`, 'limit_label_name_length');
    }
    if (l.value.length > limits.maxLabelValueLength) {
      throw new BadRequestError(`${protocol}: series ${i + 1}: value of label "${l.name}" has ${l.value.length} characters, over max_label_value_length=${limits.maxLabelValueLength}`, 'limit_label_value_length');
    }
  }
}

function sortSamples(s: TimeSeries): void {
  const smp = s.samples;
  for (let i = 1; i < smp.length; i++) {
    if (smp[i]!.timestamp < smp[i - 1]!.timestamp) {
      smp.sort((a, b) => a.timestamp - b.timestamp);
      return;
    }
  }
}

/** Parses `extra_label=name=value` query arguments (vmagent); 400 for a malformed one. */
export function parseExtraLabels(query: URLSearchParams, protocol: string): Label[] {
  const out: Label[] = [];
  for (const v of query.getAll('extra_label')) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new BadRequestError(`${protocol}: extra_label ${excerpt(v)} must be name=value`);
    out.push({ name: v.slice(0, eq), value: v.slice(eq + 1) });
  }
  return out;
}
