import { BadRequestError, PayloadTooLargeError } from '../errors.ts';
import { formatSeries, labelSetProblem, labelsKey, normalizeLabels } from '../model/labels.ts';
import { histogramProblem } from '../model/histogram-check.ts';
import type { Label, TimeSeries } from '../model/types.ts';
import type { IngestLimits } from '../config/schema.ts';
import { excerpt } from '../errors.ts';
import type { LineError } from './types.ts';
import { LineErrorCollector } from './common/line-errors.ts';
import { applyRelabel, dropInternalLabels } from '../relabel/apply.ts';
import type { CompiledRelabel } from '../relabel/types.ts';
import type { FloatBatch } from '../model/batch.ts';
import { groupBatch, type BatchSeries } from '../remote-write/encode-batch.ts';

export interface FinalizeOptions {
  /** `extra_label` query arguments: they override labels of the same name. */
  extraLabels: readonly Label[];
  /** Global relabel_configs; a series they drop is counted in `dropped`. */
  relabel: CompiledRelabel;
  /** global.external_labels, sorted: added where the series lacks the label, after relabeling. */
  externalLabels: readonly Label[];
  limits: IngestLimits;
  protocol: string;
  /**
   * The parser proved no two series have equal label sets (RouteOutcome.distinctLabelSets): with no extra
   * labels, relabel rules or external labels, which could make two sets equal, no merge is looked for.
   */
  distinctLabelSets?: boolean;
}

/**
 * Turns parsed series into what the queue carries: `extra_label` arguments applied (they override), labels
 * normalised (empty values dropped, sorted), relabel_configs applied and `__`-prefixed labels removed,
 * external labels added, every limit checked (400/413 naming the limit and its value, nothing queued),
 * series that break the remote_write label rules (duplicate names, no __name__) left out, counted in
 * `invalidCount` and the first MAX_LISTED_LINE_ERRORS reported in `invalid` (the caller answers them as bad
 * lines of a partial write), series with equal label sets merged (samples, histograms and exemplars) so one
 * series never spans two queue messages, and samples, histograms and exemplars each in timestamp order.
 */
export function finalizeSeries(series: TimeSeries[], opts: FinalizeOptions): { series: TimeSeries[]; dropped: number; invalid: LineError[]; invalidCount: number; droppedHistograms: number; droppedExemplars: number } {
  const { extraLabels, limits, protocol } = opts;
  const relabel = opts.relabel.rules.length ? opts.relabel : undefined;
  let dropped = 0;
  let droppedHistograms = 0;
  let droppedExemplars = 0;
  const invalid = new LineErrorCollector();
  if (series.length > limits.maxSeriesPerRequest) {
    throw new PayloadTooLargeError(`${protocol}: request has ${series.length} series, over max_series_per_request=${limits.maxSeriesPerRequest}`, 'limit_series_per_request');
  }
  // Series with equal label sets are found by a 32-bit hash of the label strings (no key string per series);
  // a hash hit is confirmed label by label, and a set whose hash another set holds goes to `collided`.
  const byHash = new Map<number, TimeSeries>();
  let collided: Map<string, TimeSeries> | undefined;
  const out: TimeSeries[] = [];
  const mayMerge = !(opts.distinctLabelSets && !extraLabels.length && !relabel && !opts.externalLabels.length);
  for (let i = 0; i < series.length; i++) {
    const s = series[i]!;
    let labels = s.labels;
    if (extraLabels.length) {
      labels = labels.filter((l) => !extraLabels.some((e) => e.name === l.name));
      for (const e of extraLabels) labels.push(e);
    }
    normalizeLabels(labels);
    if (relabel) {
      const out = applyRelabel(relabel, labels);
      if (out === undefined) {
        dropped++;
        if (s.histograms) droppedHistograms += s.histograms.length;
        if (s.exemplars) droppedExemplars += s.exemplars.length;
        continue;
      }
      labels = dropInternalLabels(out);
    }
    if (opts.externalLabels.length) labels = addMissing(labels, opts.externalLabels);
    checkLimits(labels, limits, protocol, i);
    const problem = labelSetProblem(labels);
    if (problem) {
      // One bad series must not cost the valid ones: senders drop a whole batch answered 4xx.
      invalid.add(() => ({ line: i + 1, reason: `series ${problem}`, excerpt: excerpt(formatSeries(labels)) }));
      continue;
    }
    if (s.histograms?.length && !checkHistograms(s, labels, i, invalid)) continue;
    if (!mayMerge) {
      s.labels = labels;
      out.push(s);
      continue;
    }
    const hash = labelsHash(labels);
    let prev = byHash.get(hash);
    let key: string | undefined;
    if (prev !== undefined && !sameLabels(prev.labels, labels)) {
      key = labelsKey(labels);
      prev = (collided ??= new Map()).get(key);
    }
    if (prev) {
      for (const smp of s.samples) prev.samples.push(smp);
      if (s.withStartTimestamps) prev.withStartTimestamps = true;
      if (s.histograms?.length) (prev.histograms ??= []).push(...s.histograms);
      if (s.exemplars?.length) (prev.exemplars ??= []).push(...s.exemplars);
      continue;
    }
    s.labels = labels;
    if (key === undefined) byHash.set(hash, s);
    else collided!.set(key, s);
    out.push(s);
  }
  for (const s of out) sortSamples(s);
  return { series: out, dropped, invalid: invalid.errors, invalidCount: invalid.count, droppedHistograms, droppedExemplars };
}

/**
 * finalizeSeries for a FloatBatch when it would change nothing but the grouping: the caller has no extra
 * labels, relabel rules, external labels or shards (`unchanged`), every label set keeps the remote_write
 * rules as written (`canonical`) and every limit holds. Then the entries are grouped into series (merged
 * only when the parser could not prove the sets distinct) and returned; otherwise undefined, and the caller
 * takes the object path (batchToSeries, finalizeSeries), which gives the same errors as before.
 */
export function finalizeBatch(batch: FloatBatch, unchanged: boolean, limits: IngestLimits, protocol: string): BatchSeries | undefined {
  if (!unchanged || !batch.canonical) return undefined;
  if (batch.maxLabels > limits.maxLabelsPerSeries || batch.maxNameLength > limits.maxLabelNameLength || batch.maxValueLength > limits.maxLabelValueLength) return undefined;
  if (batch.length > limits.maxSeriesPerRequest) {
    throw new PayloadTooLargeError(`${protocol}: request has ${batch.length} series, over max_series_per_request=${limits.maxSeriesPerRequest}`, 'limit_series_per_request');
  }
  return groupBatch(batch);
}

/** FNV-1a over the UTF-16 code units of names and values, with separators (a collision only costs a compare). */
function labelsHash(labels: readonly Label[]): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    const n = l.name;
    for (let k = 0; k < n.length; k++) h = Math.imul(h ^ n.charCodeAt(k), 0x01000193);
    h = Math.imul(h ^ 0xfffe, 0x01000193);
    const v = l.value;
    for (let k = 0; k < v.length; k++) h = Math.imul(h ^ v.charCodeAt(k), 0x01000193);
    h = Math.imul(h ^ 0xffff, 0x01000193);
  }
  return h & 0x3fffffff; // a small integer: no heap number per Map key
}

function sameLabels(a: readonly Label[], b: readonly Label[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.name !== b[i]!.name || a[i]!.value !== b[i]!.value) return false;
  return true;
}

/**
 * Leaves out the native histograms Prometheus would refuse (histogram-check.ts), reporting the first one's
 * problem as a bad line; false when the series is left with nothing to carry.
 */
function checkHistograms(s: TimeSeries, labels: readonly Label[], i: number, invalid: LineErrorCollector): boolean {
  let problem: string | undefined;
  const kept = s.histograms!.filter((h) => {
    const p = histogramProblem(h);
    problem ??= p;
    return p === undefined;
  });
  if (problem === undefined) return true;
  invalid.add(() => ({ line: i + 1, reason: `invalid native histogram: ${problem}`, excerpt: excerpt(formatSeries(labels)) }));
  s.histograms = kept;
  return kept.length > 0 || s.samples.length > 0 || !!s.exemplars?.length;
}

/** Adds each of `extra` (sorted) whose name `labels` (sorted) lacks; keeps the result sorted. */
function addMissing(labels: Label[], extra: readonly Label[]): Label[] {
  let out: Label[] | undefined;
  for (const e of extra) {
    if (labels.some((l) => l.name === e.name)) continue;
    (out ??= [...labels]).push(e);
  }
  return out ? out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) : labels;
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
  sortByTimestamp(s.samples);
  if (s.histograms) sortByTimestamp(s.histograms);
  if (s.exemplars) sortByTimestamp(s.exemplars);
}

function sortByTimestamp(a: { timestamp: number }[]): void {
  for (let i = 1; i < a.length; i++) {
    if (a[i]!.timestamp < a[i - 1]!.timestamp) {
      a.sort((x, y) => x.timestamp - y.timestamp);
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
