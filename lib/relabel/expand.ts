import type { Groups } from './regex.ts';

/**
 * Replacement templates with Go's Regexp.Expand semantics (Prometheus and vmagent use it):
 *   `$$` is a `$`; `$name` and `${name}` take the longest run of letters, digits and `_` as the name, so `$1x`
 *   is the group named `1x` (usually absent, hence empty); an all-digit name without a leading zero (below
 *   1e8) is a group number; an unknown group or one that did not participate expands to nothing; a `$` not
 *   followed by a valid name is kept as is.
 * Plus vmagent's `{{label}}` references (only when `labelRefs` is set): replaced by the label's current value,
 * inserted literally (a `$` inside the value is not expanded; vmagent would expand it, see docs/relabel.md).
 */
export type TemplatePart = string | number | { label: string };

export interface Template {
  readonly parts: readonly TemplatePart[];
  /** True when the template has no group or label reference. */
  readonly constant: boolean;
  /** The expansion when constant. */
  readonly text: string;
}

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

function parseGoTemplate(t: string, names: ReadonlyMap<string, number>, out: TemplatePart[]): void {
  let lit = '';
  let i = 0;
  while (i < t.length) {
    const d = t.indexOf('$', i);
    if (d < 0) {
      lit += t.slice(i);
      break;
    }
    lit += t.slice(i, d);
    i = d + 1;
    if (t[i] === '$') {
      lit += '$';
      i++;
      continue;
    }
    const brace = t[i] === '{';
    let j = brace ? i + 1 : i;
    const nameStart = j;
    while (j < t.length) {
      const cp = t.codePointAt(j)!;
      const ch = String.fromCodePoint(cp);
      if (!NAME_CHAR.test(ch)) break;
      j += ch.length;
    }
    const name = t.slice(nameStart, j);
    if (name === '' || (brace && t[j] !== '}')) {
      lit += '$'; // malformed: the `$` is kept and the rest is read as text
      continue;
    }
    if (brace) j++;
    i = j;
    let num = -1;
    if (/^[0-9]+$/.test(name) && !(name.length > 1 && name[0] === '0')) {
      num = 0;
      for (let k = 0; k < name.length; k++) {
        if (num >= 1e8) {
          num = -1;
          break;
        }
        num = num * 10 + (name.charCodeAt(k) - 48);
      }
    }
    const idx = num >= 0 ? num : (names.get(name) ?? -1);
    if (lit !== '') {
      out.push(lit);
      lit = '';
    }
    out.push(idx); // -1 (no such group) expands to nothing
  }
  if (lit !== '') out.push(lit);
}

/** Compiles a replacement for a regex with the given named groups. */
export function compileTemplate(t: string, names: ReadonlyMap<string, number>, labelRefs = false): Template {
  const parts: TemplatePart[] = [];
  if (labelRefs && t.includes('{{')) {
    let s = t;
    for (;;) {
      const open = s.indexOf('{{');
      if (open < 0) {
        parseGoTemplate(s, names, parts);
        break;
      }
      const close = s.indexOf('}}', open + 2);
      if (close < 0) {
        parseGoTemplate(s, names, parts);
        break;
      }
      parseGoTemplate(s.slice(0, open), names, parts);
      parts.push({ label: s.slice(open + 2, close) });
      s = s.slice(close + 2);
    }
  } else {
    parseGoTemplate(t, names, parts);
  }
  const merged: TemplatePart[] = [];
  for (const p of parts) {
    const last = merged[merged.length - 1];
    if (typeof p === 'string' && typeof last === 'string') merged[merged.length - 1] = last + p;
    else merged.push(p);
  }
  const constant = merged.every((p) => typeof p === 'string');
  return { parts: merged, constant, text: constant ? merged.join('') : '' };
}

/** Expands a template against match groups; `labels` resolves `{{name}}` references. */
export function expandTemplate(tpl: Template, groups: Groups, labels?: { get(name: string): string }): string {
  if (tpl.constant) return tpl.text;
  let out = '';
  for (const p of tpl.parts) {
    if (typeof p === 'string') out += p;
    else if (typeof p === 'number') {
      if (p >= 0) out += groups[p] ?? '';
    } else if (labels !== undefined) out += labels.get(p.label);
  }
  return out;
}
