import type { LabelBuilder } from './builder.ts';

export const PROMETHEUS_ACTIONS = [
  'replace',
  'keep',
  'drop',
  'keepequal',
  'dropequal',
  'hashmod',
  'labelmap',
  'labeldrop',
  'labelkeep',
  'lowercase',
  'uppercase',
] as const;

export const VM_ACTIONS = [
  'replace_all',
  'labelmap_all',
  'keep_if_equal',
  'drop_if_equal',
  'keep_if_contains',
  'drop_if_contains',
  'keep_metrics',
  'drop_metrics',
  'graphite',
] as const;

export type RelabelAction = (typeof PROMETHEUS_ACTIONS)[number] | (typeof VM_ACTIONS)[number];

export const ALL_ACTIONS: readonly RelabelAction[] = [...PROMETHEUS_ACTIONS, ...VM_ACTIONS];

/** One relabel rule as parsed from YAML (Prometheus's keys plus vmagent's `if`, `match`, `labels`). */
export interface RelabelConfig {
  source_labels?: string[];
  separator?: string;
  /** A string, or a list joined with `|` (vmagent). */
  regex?: string | string[];
  /** 1 .. 2^64-1; a bigint keeps precision above 2^53. */
  modulus?: number | bigint;
  target_label?: string;
  replacement?: string;
  action?: string;
  /** A series selector or a list of them (any may match). */
  if?: string | string[];
  /** graphite only. */
  match?: string;
  /** graphite only: target label -> template. */
  labels?: Record<string, string>;
}

/** A rule after validation, with defaults applied. */
export interface RuleSpec {
  index: number;
  path: string;
  action: RelabelAction;
  /** undefined when the key was not set. */
  sourceLabels: string[] | undefined;
  separator: string | undefined;
  regex: string | undefined;
  modulus: bigint | undefined;
  targetLabel: string | undefined;
  replacement: string | undefined;
  ifSelectors: string[] | undefined;
  /** Whether `if` was written as a list (error paths then carry the item index). */
  ifIsList: boolean;
  match: string | undefined;
  labels: [string, string][] | undefined;
  /** Keys whose value could not be read (already reported). */
  bad: Set<string>;
}

export interface CompiledRule {
  readonly index: number;
  readonly action: RelabelAction;
  /** Applies the rule; false means the series is dropped. */
  readonly run: (b: LabelBuilder) => boolean;
}

/** Relabel rules compiled once (regexes, templates, selectors); apply with applyRelabel(). */
export interface CompiledRelabel {
  readonly rules: readonly CompiledRule[];
  /** The rule list as written and where (set when there are rules): what a prepared config carries. */
  readonly source?: { readonly raw: unknown; readonly path: string };
}
