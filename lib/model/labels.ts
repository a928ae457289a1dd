import type { Label, TimeSeries } from './types.ts';

export const METRIC_NAME_LABEL = '__name__';

function compareLabels(a: Label, b: Label): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Sorts labels by name in place and returns the same array. Cheap when already sorted. */
export function sortLabels(labels: Label[]): Label[] {
  for (let i = 1; i < labels.length; i++) {
    if (labels[i - 1]!.name > labels[i]!.name) {
      labels.sort(compareLabels);
      break;
    }
  }
  return labels;
}

/** Why a label set breaks the remote_write 1.0 rules, or undefined when it keeps them. Expects sorted labels. */
export function labelSetProblem(labels: readonly Label[]): string | undefined {
  let hasName = false;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l.name === '') return 'empty label name';
    if (l.value === '') return `empty value for label "${l.name}"`;
    if (i > 0 && labels[i - 1]!.name === l.name) return `duplicate label name "${l.name}"`;
    if (l.name === METRIC_NAME_LABEL) hasName = true;
  }
  return hasName ? undefined : 'missing metric name (__name__)';
}

/**
 * Drops labels with empty values (Prometheus treats an empty value as an absent label) and sorts the rest.
 * Returns the same array, mutated.
 */
export function normalizeLabels(labels: Label[]): Label[] {
  let w = 0;
  for (let r = 0; r < labels.length; r++) {
    const l = labels[r]!;
    if (l.value !== '') labels[w++] = l;
  }
  labels.length = w;
  return sortLabels(labels);
}

export function getLabel(labels: readonly Label[], name: string): string | undefined {
  for (const l of labels) if (l.name === name) return l.value;
  return undefined;
}

/** Sets or replaces a label; an empty value removes it. Keeps the array sorted if it was. */
export function setLabel(labels: Label[], name: string, value: string): void {
  const i = labels.findIndex((l) => l.name >= name);
  if (i >= 0 && labels[i]!.name === name) {
    if (value === '') labels.splice(i, 1);
    else labels[i] = { name, value };
    return;
  }
  if (value === '') return;
  if (i < 0) labels.push({ name, value });
  else labels.splice(i, 0, { name, value });
}

/** 30 bits of a two-chain FNV-1a over s[start, end) (UTF-16 code units): equal text, equal hash; different text usually differs. */
export function hashText(s: string, start: number, end: number): number {
  // Two interleaved chains (even and odd positions) halve the multiply latency chain of plain FNV.
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  let k = start;
  for (; k + 1 < end; k += 2) {
    a = Math.imul(a ^ s.charCodeAt(k), 0x01000193);
    b = Math.imul(b ^ s.charCodeAt(k + 1), 0x01000193);
  }
  if (k < end) a = Math.imul(a ^ s.charCodeAt(k), 0x01000193);
  return (a ^ Math.imul(b ^ (end - start), 0x9e3779b1)) & 0x3fffffff; // a small integer: no heap number per key
}

/** A string that identifies a label set; equal for equal sorted sets. */
export function labelsKey(labels: readonly Label[]): string {
  let s = '';
  for (const l of labels) s += l.name + '\u0000' + l.value + '\u0001';
  return s;
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function isValidMetricName(name: string): boolean {
  return NAME_RE.test(name);
}

export function isValidLabelName(name: string): boolean {
  return LABEL_NAME_RE.test(name);
}

/** Escapes a label value as the Prometheus text format does (backslash, double quote, newline). */
export function escapeLabelValue(v: string): string {
  return v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : '\\' + c));
}

/** `name{a="1",b="2"}` in the Prometheus notation, labels in the given order; `{__name__=...}` form when the name is not a valid metric name. */
export function formatSeries(labels: readonly Label[]): string {
  const name = labels.find((l) => l.name === METRIC_NAME_LABEL)?.value;
  const rest = labels.filter((l) => l.name !== METRIC_NAME_LABEL);
  const body = rest.map((l) => `${l.name}="${escapeLabelValue(l.value)}"`).join(',');
  if (name !== undefined && isValidMetricName(name)) return `${name}{${body}}`;
  const all = labels.map((l) => `${l.name}="${escapeLabelValue(l.value)}"`).join(',');
  return `{${all}}`;
}

export function seriesName(series: TimeSeries): string | undefined {
  return getLabel(series.labels, METRIC_NAME_LABEL);
}
