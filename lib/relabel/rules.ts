import { isValidLabelName, METRIC_NAME_LABEL } from '../model/labels.ts';
import { BoundedCache } from './bounded-cache.ts';
import type { LabelBuilder } from './builder.ts';
import { goToLower, goToUpper } from './case.ts';
import { compileTemplate, expandTemplate } from './expand.ts';
import { compileGraphiteMatch, compileGraphiteTemplate, expandGraphite, matchGraphite } from './graphite.ts';
import { hashMod } from './hashmod.ts';
import { compilePromRegex, compileUnanchoredRegex, type Groups } from './regex.ts';
import { selectorMatches, type Selector } from './selector.ts';
import type { RuleSpec } from './types.ts';

type Run = (b: LabelBuilder) => boolean;

const DEFAULT_REGEX = '(.*)';
const MAX_HASH_MEMO = 4096;
const MAX_NAME_MEMO = 4096;
/** Joined values longer than this are not memoised (they would pin large strings). */
const MAX_MEMO_KEY = 1024;

/** Joins the source label values with the separator (an absent label contributes ''). */
function joiner(names: readonly string[], sep: string): (b: LabelBuilder) => string {
  if (names.length === 0) return () => '';
  if (names.length === 1) {
    const n = names[0]!;
    return (b) => b.get(n);
  }
  return (b) => {
    let s = b.get(names[0]!);
    for (let i = 1; i < names.length; i++) s += sep + b.get(names[i]!);
    return s;
  };
}

/**
 * Memoises `value -> {name, value: f(value)}` (bounded), so repeated values cost one lookup and no allocation.
 * f must not return '' for a non-empty input.
 */
function labelMemo(name: string, f: (v: string) => string): (v: string) => { name: string; value: string } {
  const memo = new BoundedCache<{ name: string; value: string }>(MAX_HASH_MEMO);
  const make = (v: string): { name: string; value: string } => ({ name, value: f(v) });
  return (v) => memo.getOrMake(v, make);
}

/** Builds the runner for a validated rule. Throws RegexSyntaxError for a bad regex (the caller reports it). */
export function buildRun(s: RuleSpec, selectors: readonly Selector[]): Run {
  const run = buildAction(s);
  if (selectors.length === 0) return run;
  // vmagent: a rule applies only to series matching `if`; for keep, a non-matching series is dropped.
  const dropOnMismatch = s.action === 'keep' || s.action === 'keep_metrics';
  return (b) => {
    for (const sel of selectors) if (selectorMatches(sel, b)) return run(b);
    return !dropOnMismatch;
  };
}

function buildAction(s: RuleSpec): Run {
  const sep = s.separator ?? ';';
  const join = joiner(s.sourceLabels ?? [], sep);
  const target = s.targetLabel ?? '';
  switch (s.action) {
    case 'replace':
      return buildReplace(s, join, target);
    case 'keep':
    case 'drop':
    case 'keep_metrics':
    case 'drop_metrics': {
      const re = compilePromRegex(s.regex ?? DEFAULT_REGEX);
      const keep = s.action === 'keep' || s.action === 'keep_metrics';
      const src = s.action.endsWith('_metrics') ? joiner([METRIC_NAME_LABEL], sep) : join;
      return (b) => re.matches(src(b)) === keep;
    }
    case 'keepequal':
      return (b) => b.get(target) === join(b);
    case 'dropequal':
      return (b) => b.get(target) !== join(b);
    case 'hashmod': {
      const modulus = s.modulus!;
      const hashed = labelMemo(target, (v) => hashMod(v, modulus));
      return (b) => {
        b.setLabel(hashed(join(b)));
        return true;
      };
    }
    case 'labelmap': {
      const re = compilePromRegex(s.regex ?? DEFAULT_REGEX);
      const tpl = compileTemplate(s.replacement ?? '$1', re.groupNames);
      // Label names repeat: remember each name's mapping (null: no match).
      const memo = new BoundedCache<string | null>(MAX_NAME_MEMO);
      const mapName = (name: string): string | null => {
        let to = memo.get(name);
        if (to === undefined) {
          const g = re.groups(name);
          to = g === undefined ? null : expandTemplate(tpl, g);
          memo.set(name, to);
        }
        return to;
      };
      const test = re.fast ? re.test : (n: string) => mapName(n) !== null;
      return (b) => {
        // Prometheus iterates a snapshot in Range order; only the matching labels matter.
        for (const l of b.matching(test)) {
          const to = mapName(l.name);
          if (to !== null) b.set(to, l.value);
        }
        return true;
      };
    }
    case 'labeldrop':
    case 'labelkeep': {
      const re = compilePromRegex(s.regex ?? DEFAULT_REGEX);
      const t = re.test;
      const pred = s.action === 'labeldrop' ? t : (n: string) => !t(n);
      return (b) => {
        b.deleteWhere(pred);
        return true;
      };
    }
    case 'lowercase':
    case 'uppercase': {
      const f = s.action === 'lowercase' ? goToLower : goToUpper;
      const label = labelMemo(target, f);
      return (b) => {
        const v = join(b);
        if (v === '') b.delete(target);
        else b.setLabel(label(v));
        return true;
      };
    }
    case 'replace_all':
    case 'labelmap_all':
      return buildReplaceAll(s, join, target);
    case 'keep_if_equal':
    case 'drop_if_equal': {
      const names = s.sourceLabels!;
      const keep = s.action === 'keep_if_equal';
      return (b) => {
        const first = b.get(names[0]!);
        let equal = true;
        for (let i = 1; i < names.length && equal; i++) equal = b.get(names[i]!) === first;
        return equal === keep;
      };
    }
    case 'keep_if_contains':
    case 'drop_if_contains': {
      const names = s.sourceLabels!;
      const keep = s.action === 'keep_if_contains';
      return (b) => {
        const t = b.get(target);
        let all = true;
        for (let i = 0; i < names.length && all; i++) all = t.includes(b.get(names[i]!));
        return all === keep;
      };
    }
    case 'graphite': {
      const gm = compileGraphiteMatch(s.match!);
      const rules = s.labels!.map(([name, t]) => ({ name, tpl: compileGraphiteTemplate(t) }));
      return (b) => {
        const caps = matchGraphite(gm, b.get(METRIC_NAME_LABEL));
        if (caps === undefined) return true;
        for (const r of rules) b.set(r.name, expandGraphite(r.tpl, caps));
        return true;
      };
    }
  }
}

function buildReplace(s: RuleSpec, join: (b: LabelBuilder) => string, target: string): Run {
  const re = compilePromRegex(s.regex ?? DEFAULT_REGEX);
  const value = compileTemplate(s.replacement ?? '$1', re.groupNames, true);
  const targetTpl = target.includes('$') ? compileTemplate(target, re.groupNames) : undefined;
  if (targetTpl === undefined && value.constant) {
    const text = value.text;
    const label = { name: target, value: text };
    return (b) => {
      if (re.matches(join(b))) {
        if (text === '') b.delete(target);
        else b.setLabel(label);
      }
      return true;
    };
  }
  const only = value.parts.length === 1 && typeof value.parts[0] === 'number' ? value.parts[0] : undefined;
  if (targetTpl === undefined && only !== undefined) {
    // The common `replacement: $N`: the result depends on the joined value only, so memoise the label to set
    // (null: no match; a label with an empty value: delete).
    return setMemoisedLabel(join, target, (v) => {
      const g = re.groups(v);
      return g === undefined ? null : only >= 0 ? (g[only] ?? '') : '';
    });
  }
  return (b) => {
    const g: Groups | undefined = re.groups(join(b));
    if (g === undefined) return true; // no match, no change
    let name = target;
    if (targetTpl !== undefined) {
      name = expandTemplate(targetTpl, g);
      if (!isValidLabelName(name)) return true; // Prometheus skips an invalid expanded name
    }
    b.set(name, expandTemplate(value, g, b));
    return true;
  };
}

/**
 * A rule whose result depends on the joined source value only: `value(joined)` is the target's new value
 * (null: leave the series unchanged; '': delete the target), memoised per joined value as the label to set.
 */
function setMemoisedLabel(join: (b: LabelBuilder) => string, target: string, value: (joined: string) => string | null): Run {
  const memo = new BoundedCache<{ name: string; value: string } | null>(MAX_HASH_MEMO, MAX_MEMO_KEY);
  return (b) => {
    const v = join(b);
    let l = memo.get(v);
    if (l === undefined) {
      const out = value(v);
      l = out === null ? null : { name: target, value: out };
      memo.set(v, l);
    }
    if (l !== null) {
      if (l.value === '') b.delete(target);
      else b.setLabel(l);
    }
    return true;
  };
}

function buildReplaceAll(s: RuleSpec, join: (b: LabelBuilder) => string, target: string): Run {
  // vmagent compiles these regexes as written: unanchored, `.` not matching newline; default `.*`.
  const re = compileUnanchoredRegex(s.regex ?? '.*');
  const replacement = s.replacement ?? '$1';
  const tpl = compileTemplate(replacement, re.groupNames);
  const expand = (g: Groups): string => expandTemplate(tpl, g);
  if (s.action === 'replace_all') {
    // value -> the label to set, or null when nothing changes (bounded memo; values repeat).
    return setMemoisedLabel(join, target, (v) => {
      const out = re.replaceAll(v, expand, replacement);
      return out === v ? null : out;
    });
  }
  return (b) => {
    const renames: { from: string; to: string; value: string }[] = [];
    for (const l of b.range()) {
      const to = re.replaceAll(l.name, expand, replacement);
      if (to !== l.name) renames.push({ from: l.name, to, value: l.value });
    }
    // All names change at once (vmagent renames in place); a renamed label replaces one of the same name.
    for (const r of renames) b.delete(r.from);
    for (const r of renames) b.set(r.to, r.value);
    return true;
  };
}
