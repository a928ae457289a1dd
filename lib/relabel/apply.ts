import type { Label } from '../model/types.ts';
import { METRIC_NAME_LABEL } from '../model/labels.ts';
import { LabelBuilder } from './builder.ts';
import type { CompiledRelabel, RelabelAction } from './types.ts';

const shared = new LabelBuilder();

/**
 * Applies compiled rules to a label set (sorted by name). Returns a new sorted array with unique names and
 * no empty names or values, or undefined when a rule dropped the series. The input is not modified (label
 * objects may be shared with the result). Never throws for any label content.
 */
export function applyRelabel(compiled: CompiledRelabel, labels: readonly Label[]): Label[] | undefined {
  const b = shared.reset(labels);
  const rules = compiled.rules;
  try {
    for (let i = 0; i < rules.length; i++) if (!rules[i]!.run(b)) return undefined;
    return b.labels(true);
  } finally {
    b.reset([]);
  }
}

export interface TraceStep {
  index: number;
  action: RelabelAction;
  /** The labels after the rule (sorted, as applyRelabel would return them), or undefined when dropped. */
  labels: Label[] | undefined;
  /** Whether the rule changed the label set. */
  changed: boolean;
}

/** applyRelabel with the label set after each rule, for debugging (`gateway relabel --trace`). */
export function applyRelabelTrace(
  compiled: CompiledRelabel,
  labels: readonly Label[],
): { result: Label[] | undefined; steps: TraceStep[] } {
  const b = new LabelBuilder().reset(labels);
  const steps: TraceStep[] = [];
  let before = b.labels();
  for (const r of compiled.rules) {
    if (!r.run(b)) {
      steps.push({ index: r.index, action: r.action, labels: undefined, changed: true });
      return { result: undefined, steps };
    }
    const after = b.labels();
    const changed = after.length !== before.length || after.some((l, i) => l.name !== before[i]!.name || l.value !== before[i]!.value);
    steps.push({ index: r.index, action: r.action, labels: after, changed });
    before = after;
  }
  return { result: b.labels(), steps };
}

/**
 * Removes labels whose names start with `__`, except `__name__` (Prometheus drops them after relabeling;
 * they carry values for the rules only). Returns the same array when there is nothing to remove.
 */
export function dropInternalLabels(labels: Label[]): Label[] {
  let found = false;
  for (const l of labels) {
    if (l.name.startsWith('__') && l.name !== METRIC_NAME_LABEL) {
      found = true;
      break;
    }
  }
  if (!found) return labels;
  return labels.filter((l) => !l.name.startsWith('__') || l.name === METRIC_NAME_LABEL);
}
