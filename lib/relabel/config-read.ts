import { ALL_ACTIONS, type RelabelAction, type RuleSpec } from './types.ts';

/**
 * Reads one raw rule (a YAML mapping) into a RuleSpec, pushing every problem as `<path>.<key>: <reason>`.
 * Scalars written without quotes are accepted for string fields (YAML gives `regex: 200` as a number);
 * null means "not set", as in Prometheus.
 */
export const RULE_KEYS: readonly string[] = [
  'source_labels',
  'separator',
  'regex',
  'modulus',
  'target_label',
  'replacement',
  'action',
  'if',
  'match',
  'labels',
];

const MAX_UINT64 = (1n << 64n) - 1n;

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map);
}

function scalarString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** undefined only when the rule is not a mapping; keys that could not be read are listed in `bad`. */
export function readRuleSpec(raw: unknown, index: number, path: string, problems: string[]): RuleSpec | undefined {
  const bad = new Set<string>();
  if (!isMapping(raw)) {
    problems.push(`${path}: must be a mapping (a relabel rule), got ${describe(raw)}`);
    return undefined;
  }
  for (const k of Object.keys(raw)) {
    if (!RULE_KEYS.includes(k)) problems.push(`${path}.${k}: unknown field (allowed: ${RULE_KEYS.join(', ')})`);
  }
  const get = (k: string): unknown => (raw[k] === null ? undefined : raw[k]);
  const str = (k: string): string | undefined => {
    const v = get(k);
    if (v === undefined) return undefined;
    const s = scalarString(v);
    if (s === undefined) {
      problems.push(`${path}.${k}: must be a string, got ${describe(v)}`);
      bad.add(k);
    }
    return s;
  };
  const strList = (k: string, what: string): string[] | undefined => {
    const v = get(k);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) {
      problems.push(`${path}.${k}: must be a list of ${what}, got ${describe(v)}`);
      bad.add(k);
      return undefined;
    }
    const out: string[] = [];
    v.forEach((x, i) => {
      const s = scalarString(x);
      if (s === undefined) {
        problems.push(`${path}.${k}[${i}]: must be a string, got ${describe(x)}`);
        bad.add(k);
      } else out.push(s);
    });
    return out;
  };

  let action: RelabelAction = 'replace';
  const actionRaw = str('action');
  if (actionRaw !== undefined) {
    const a = actionRaw.toLowerCase() as RelabelAction; // Prometheus and vmagent accept any case
    if (ALL_ACTIONS.includes(a)) action = a;
    else {
      problems.push(`${path}.action: unknown action ${JSON.stringify(actionRaw)} (one of ${ALL_ACTIONS.join(', ')})`);
      bad.add('action');
    }
  }

  const sourceLabels = strList('source_labels', 'label names');
  sourceLabels?.forEach((l, i) => {
    if (l === '') problems.push(`${path}.source_labels[${i}]: empty label name`);
  });

  let regex: string | undefined;
  const rv = get('regex');
  if (Array.isArray(rv)) regex = strList('regex', 'regexes')?.join('|'); // vmagent: a list is joined with |
  else regex = str('regex');

  let modulus: bigint | undefined;
  const mv = get('modulus');
  if (mv !== undefined) {
    if (typeof mv === 'bigint') modulus = mv;
    else if (typeof mv === 'number' && Number.isSafeInteger(mv)) modulus = BigInt(mv);
    else if (typeof mv === 'string' && /^[0-9]+$/.test(mv)) modulus = BigInt(mv);
    if (modulus === undefined || modulus < 0n || modulus > MAX_UINT64) {
      problems.push(`${path}.modulus: must be an integer from 1 to 2^64-1, got ${describe(mv)}`);
      bad.add('modulus');
      modulus = undefined;
    }
  }

  let ifSelectors: string[] | undefined;
  const iv = get('if');
  if (Array.isArray(iv)) ifSelectors = strList('if', 'series selectors');
  else if (iv !== undefined) {
    const s = str('if');
    if (s !== undefined) ifSelectors = [s];
  }

  let labels: [string, string][] | undefined;
  const lv = get('labels');
  if (lv !== undefined) {
    if (!isMapping(lv)) {
      problems.push(`${path}.labels: must be a mapping of label name to template, got ${describe(lv)}`);
      bad.add('labels');
    } else {
      labels = [];
      for (const [k, v] of Object.entries(lv)) {
        const s = scalarString(v);
        if (s === undefined) problems.push(`${path}.labels.${k}: must be a string, got ${describe(v)}`);
        else labels.push([k, s]);
      }
    }
  }

  const spec: RuleSpec = {
    index,
    path,
    action,
    sourceLabels,
    separator: str('separator'),
    regex,
    modulus,
    targetLabel: str('target_label'),
    replacement: str('replacement'),
    ifSelectors,
    ifIsList: Array.isArray(iv),
    match: str('match'),
    labels,
    bad,
  };
  return spec;
}

export function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? v.slice(0, 60) + '…' : v);
  return `${typeof v} ${String(v)}`;
}
