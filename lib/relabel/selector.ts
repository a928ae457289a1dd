import type { Label } from '../model/types.ts';
import { METRIC_NAME_LABEL } from '../model/labels.ts';
import { NotationError, Scanner } from './notation.ts';
import { compilePromRegex, type PromRegex } from './regex.ts';

/**
 * vmagent's `if:` series selectors: `name{label op "value", ...}` with op `=`, `!=`, `=~`, `!~`, PromQL
 * strings ('...', "...", `...`), quoted label names, `or` between filter groups inside the braces
 * (`{a="1" or b="2"}`). Regexes are fully anchored like relabel regexes. A missing label has the value "",
 * so `{x=""}` matches series without `x` and `{x=~"a|"}` matches them too.
 */
export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  name: string;
  op: MatchOp;
  value: string;
  re?: PromRegex;
}

export interface Selector {
  readonly text: string;
  /** Alternatives (or): a series matches when every matcher of one group matches. */
  readonly groups: readonly (readonly LabelMatcher[])[];
}

function matchOne(m: LabelMatcher, v: string): boolean {
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return m.re!.matches(v);
    case '!~':
      return !m.re!.matches(v);
  }
}

/** Reads a label's value, '' when absent (LabelBuilder fits). */
export interface LabelSource {
  get(name: string): string;
}

/** A LabelSource over a label list, reused so matching a series allocates nothing. */
class ListSource implements LabelSource {
  labels: readonly Label[] = [];
  get(name: string): string {
    for (const l of this.labels) if (l.name === name) return l.value;
    return '';
  }
}
const listSource = new ListSource();

/** Whether any of the selectors matches the label list (a `match:` list of series selectors). */
export function anySelectorMatches(selectors: readonly Selector[], labels: readonly Label[]): boolean {
  listSource.labels = labels;
  for (const sel of selectors) if (selectorMatches(sel, listSource)) return true;
  return false;
}

/** Whether the label set matches the selector. */
export function selectorMatches(sel: Selector, src: LabelSource): boolean {
  for (const g of sel.groups) {
    let ok = true;
    for (const m of g) {
      if (!matchOne(m, src.get(m.name))) {
        ok = false;
        break;
      }
    }
    if (ok) return true;
  }
  return false;
}

/** Parses a selector. Throws NotationError (syntax) or RegexSyntaxError (a bad `=~` regex). */
export function parseSelector(text: string): Selector {
  const sc = new Scanner(text);
  sc.skipSpace();
  const name = sc.metricName();
  const groups: LabelMatcher[][] = [];
  let current: LabelMatcher[] = [];
  sc.skipSpace();
  if (sc.eat('{')) {
    sc.skipSpace();
    while (!sc.eat('}')) {
      let label: string | undefined;
      const q = sc.peek();
      if (q === '"' || q === "'" || q === '`') {
        const quoted = sc.promqlString();
        sc.skipSpace();
        if (!/^[=!]/.test(sc.peek() ?? '')) {
          current.push({ name: METRIC_NAME_LABEL, op: '=', value: quoted });
        } else label = quoted;
      } else {
        label = sc.labelName();
        if (label === undefined) throw sc.error('expected a label name');
        sc.skipSpace();
      }
      if (label !== undefined) {
        let op: MatchOp;
        if (sc.eat('=~')) op = '=~';
        else if (sc.eat('!~')) op = '!~';
        else if (sc.eat('!=')) op = '!=';
        else if (sc.eat('=')) op = '=';
        else throw sc.error('expected one of =, !=, =~, !~');
        sc.skipSpace();
        const value = sc.promqlString();
        const m: LabelMatcher = { name: label, op, value };
        if (op === '=~' || op === '!~') m.re = compilePromRegex(value);
        current.push(m);
      }
      sc.skipSpace();
      if (sc.eat(',')) {
        sc.skipSpace();
        continue;
      }
      if (/^or[\s"'`]/i.test(text.slice(sc.pos, sc.pos + 3))) {
        sc.pos += 2;
        groups.push(current);
        current = [];
        sc.skipSpace();
        continue;
      }
      if (sc.peek() !== '}') throw sc.error('expected ",", "or" or "}"');
    }
  } else if (name === undefined) {
    throw sc.error('expected a metric name or "{"');
  }
  sc.skipSpace();
  if (!sc.atEnd()) throw sc.error('unexpected text after the selector');
  groups.push(current);
  if (name !== undefined) for (const g of groups) g.unshift({ name: METRIC_NAME_LABEL, op: '=', value: name });
  return { text, groups };
}

export { NotationError };
