import { isValidLabelName } from '../model/labels.ts';
import { compilePromRegex, type PromRegex } from './regex.ts';
import type { RuleSpec } from './types.ts';

/**
 * Per-action checks. A rule is rejected when Prometheus or vmagent rejects it (each names the source), so a
 * config accepted here behaves the same in both; see docs/relabel.md for the few places that go further.
 * Every problem is pushed as `<path>.<key>: <reason>`.
 */

// Prometheus's relabelTarget: a label name with `$1`/`${name}` references (run on RE2: it nests quantifiers).
// Compiled on first use: it needs RE2, which only configs with templated targets or labelmap rules load.
let targetTemplate: PromRegex | undefined;
const TARGET_TEMPLATE = { matches: (s: string): boolean => (targetTemplate ??= compilePromRegex('(?:(?:[a-zA-Z_]|\\$(?:\\{\\w+\\}|\\w+))+\\w*)+')).matches(s) };

export function validateRuleSpec(s: RuleSpec, problems: string[]): void {
  if (s.bad.has('action')) return; // already reported; other checks depend on the action
  const p = s.path;
  const a = s.action;
  const fail = (key: string, reason: string): void => {
    if (!s.bad.has(key)) problems.push(`${p}.${key}: ${reason}`);
  };
  const required = (key: string, present: boolean, extra = ''): void => {
    if (!present) fail(key, `required for action=${a}${extra}`);
  };
  const notAllowed = (key: string, present: boolean): void => {
    if (present) fail(key, `not allowed for action=${a}`);
  };
  const hasSource = (s.sourceLabels?.length ?? 0) > 0;
  const hasTarget = s.targetLabel !== undefined && s.targetLabel !== '';
  const hasIf = s.ifSelectors !== undefined && s.ifSelectors.length > 0;
  const nonDefaultSeparator = s.separator !== undefined && s.separator !== ';';
  const nonDefaultReplacement = s.replacement !== undefined && s.replacement !== '$1';
  const nonZeroModulus = s.modulus !== undefined && s.modulus !== 0n;
  const checkTargetName = (): void => {
    if (hasTarget && !isValidLabelName(s.targetLabel!)) {
      fail('target_label', `${JSON.stringify(s.targetLabel)} is not a valid label name`);
    }
  };

  if (a !== 'graphite') {
    notAllowed('match', s.match !== undefined && s.match !== '');
    notAllowed('labels', s.labels !== undefined && s.labels.length > 0);
  }

  switch (a) {
    case 'replace':
      required('target_label', hasTarget);
      if (hasTarget && s.targetLabel!.includes('$')) {
        if (!TARGET_TEMPLATE.matches(s.targetLabel!)) {
          fail('target_label', `${JSON.stringify(s.targetLabel)} is not a valid label name template`);
        }
      } else checkTargetName();
      break;
    case 'keep':
    case 'drop':
      // vmagent: without source_labels or `if`, keep/drop would act on the empty string for every series.
      required('source_labels', hasSource || hasIf, ' (or set if)');
      break;
    case 'keepequal':
    case 'dropequal':
      required('target_label', hasTarget);
      checkTargetName();
      notAllowed('regex', s.regex !== undefined);
      notAllowed('separator', nonDefaultSeparator);
      notAllowed('replacement', nonDefaultReplacement);
      notAllowed('modulus', nonZeroModulus);
      break;
    case 'hashmod':
      required('source_labels', hasSource);
      required('target_label', hasTarget);
      checkTargetName();
      if (s.modulus === undefined) required('modulus', false, ' (a positive integer)');
      else if (s.modulus === 0n) fail('modulus', 'must be greater than 0');
      break;
    case 'labelmap': {
      const r = s.replacement ?? '$1';
      if (!TARGET_TEMPLATE.matches(r)) fail('replacement', `${JSON.stringify(r)} is not a valid label name template`);
      break;
    }
    case 'labeldrop':
    case 'labelkeep':
      notAllowed('source_labels', s.sourceLabels !== undefined);
      notAllowed('target_label', hasTarget);
      notAllowed('separator', nonDefaultSeparator);
      notAllowed('replacement', nonDefaultReplacement);
      notAllowed('modulus', nonZeroModulus);
      break;
    case 'lowercase':
    case 'uppercase':
      required('source_labels', hasSource);
      required('target_label', hasTarget);
      checkTargetName();
      notAllowed('replacement', nonDefaultReplacement);
      break;
    case 'replace_all':
      required('source_labels', hasSource);
      required('target_label', hasTarget);
      checkTargetName();
      break;
    case 'labelmap_all':
      break;
    case 'keep_if_equal':
    case 'drop_if_equal':
      if ((s.sourceLabels?.length ?? 0) < 2) fail('source_labels', `at least two labels required for action=${a}`);
      notAllowed('target_label', hasTarget);
      notAllowed('regex', s.regex !== undefined);
      break;
    case 'keep_if_contains':
    case 'drop_if_contains':
      required('target_label', hasTarget);
      required('source_labels', hasSource);
      notAllowed('regex', s.regex !== undefined);
      break;
    case 'keep_metrics':
    case 'drop_metrics':
      required('regex', (s.regex !== undefined && s.regex !== '') || hasIf, ' (or set if)');
      notAllowed('source_labels', hasSource);
      break;
    case 'graphite':
      required('match', s.match !== undefined && s.match !== '');
      required('labels', s.labels !== undefined && s.labels.length > 0);
      notAllowed('source_labels', hasSource);
      notAllowed('target_label', hasTarget);
      notAllowed('replacement', s.replacement !== undefined);
      notAllowed('regex', s.regex !== undefined);
      break;
  }
}
