/**
 * A planner for the regexes that most relabel rules use (literals, alternations of literals, one `.*`/`.+`,
 * `prefix(.+)`, `.*foo.*`), matched with plain string operations instead of a regex engine.
 *
 * Contract: a plan exists only for a pattern whose full-match semantics (anchored `^(?s:...)$`, leftmost-first
 * submatches, as Go's regexp computes them) the plan reproduces exactly; anything else returns undefined and
 * the caller uses RE2. Every plan runs in time linear in the input (a bounded number of startsWith/indexOf
 * calls per node), so no label value can make it slow. regex-fast-match.ts runs a plan;
 * test/unit/relabel/regex.test.ts checks that plan and RE2 agree on generated inputs.
 */

export type FastNode =
  | { kind: 'lit'; text: string; cap: number }
  | { kind: 'any'; min: 0 | 1; cap: number; restLens: number[] }
  | { kind: 'alt'; options: string[]; cap: number };

export interface FastPlan {
  /** Full-match nodes in order; `cap` is the capture group index or -1. */
  nodes: FastNode[];
  groupCount: number;
  /** Set when the pattern is `.*lit.*`-shaped: usable for matching only (no submatches). */
  substring?: { text: string; minBefore: number; minAfter: number };
  /** Set for a top-level alternation of planned branches: matching only (any branch matches). */
  branches?: FastPlan[];
}

/** Whether the plan can only answer matches(), not produce submatches. */
export function isMatchOnly(plan: FastPlan): boolean {
  return plan.substring !== undefined || plan.branches !== undefined;
}

const MAX_ALT_PRODUCT = 64;
const QUANTIFIERS = '*+?{';
const META = '\\.+*?()|[]{}^$';

function isAsciiPunct(c: string | undefined): boolean {
  if (c === undefined || c.length !== 1) return false;
  const code = c.charCodeAt(0);
  if (code >= 0x80 || code <= 0x20) return false;
  return !/[0-9A-Za-z]/.test(c);
}

/** Reads literal characters from src[i..end) until a stop char; undefined when something non-literal appears. */
function readLiteral(src: string, i: number, end: number, stops: string): { text: string; next: number } | undefined {
  let text = '';
  while (i < end) {
    const c = src[i]!;
    if (stops.includes(c)) break;
    if (c === '\\') {
      const n = src[i + 1];
      if (!isAsciiPunct(n) || i + 1 >= end) return undefined;
      text += n;
      i += 2;
    } else if (META.includes(c)) {
      return undefined;
    } else {
      // A surrogate pair is one character for the regex: copy both halves together.
      const code = c.charCodeAt(0);
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < end) {
        text += c + src[i + 1];
        i += 2;
      } else {
        text += c;
        i += 1;
      }
    }
    if (i < end && QUANTIFIERS.includes(src[i]!)) return undefined; // quantifier on the last char: not a literal
  }
  return { text, next: i };
}

function readAlternatives(src: string, i: number, end: number, stop: string): { options: string[]; next: number } | undefined {
  const options: string[] = [];
  for (;;) {
    const lit = readLiteral(src, i, end, '|' + stop);
    if (lit === undefined) return undefined;
    options.push(lit.text);
    i = lit.next;
    if (src[i] === '|' && i < end) {
      i++;
      continue;
    }
    return { options, next: i };
  }
}

function readDotQuantifier(src: string, i: number): { min: 0 | 1; next: number } | undefined {
  if (src[i] !== '.') return undefined;
  const q = src[i + 1];
  if (q !== '*' && q !== '+') return undefined;
  const after = src[i + 2];
  if (after !== undefined && QUANTIFIERS.includes(after)) return undefined; // lazy or nested repetition: leave to RE2
  return { min: q === '*' ? 0 : 1, next: i + 2 };
}

/** Plans a fast matcher for a Prometheus relabel regex (the user's text, before anchoring), or undefined. */
export function planFastRegex(src: string): FastPlan | undefined {
  let start = 0;
  let end = src.length;
  if (src[0] === '^') start = 1;
  if (end > start && src[end - 1] === '$') {
    let slashes = 0;
    for (let k = end - 2; k >= start && src[k] === '\\'; k--) slashes++;
    if (slashes % 2 === 0) end--; // an unescaped trailing `$` is a no-op inside the full anchor
  }
  // Top-level alternation: only literal alternatives qualify.
  if (hasTopLevelBar(src, start, end)) {
    const alts = readAlternatives(src, start, end, '');
    if (alts !== undefined && alts.next === end) {
      return { nodes: [{ kind: 'alt', options: alts.options, cap: -1 }], groupCount: 0 };
    }
    // Branches with their own shapes (`a.*|.*b`): each is anchored on its own, so any may match.
    const branches: FastPlan[] = [];
    let groupCount = 0;
    for (const b of splitTopLevel(src, start, end)) {
      const plan = planFastRegex(b);
      if (plan === undefined || plan.branches !== undefined) return undefined;
      branches.push(plan);
      groupCount += plan.groupCount;
    }
    return { nodes: [], groupCount, branches };
  }
  const nodes: FastNode[] = [];
  let groupCount = 0;
  let i = start;
  while (i < end) {
    const c = src[i]!;
    if (c === '.') {
      const dq = readDotQuantifier(src, i);
      if (dq === undefined || dq.next > end) return undefined;
      nodes.push({ kind: 'any', min: dq.min, cap: -1, restLens: [] });
      i = dq.next;
      continue;
    }
    if (c === '(') {
      let j = i + 1;
      let cap = -1;
      if (src.startsWith('?:', j)) j += 2;
      else if (src.startsWith('?P<', j) || src.startsWith('?<', j)) {
        j += src[j + 1] === 'P' ? 3 : 2;
        const m = /^[A-Za-z0-9_]+>/.exec(src.slice(j, Math.min(end, j + 64)));
        if (m === null) return undefined;
        j += m[0].length;
        cap = ++groupCount;
      } else if (src[j] === '?') return undefined;
      else cap = ++groupCount;
      const dq = readDotQuantifier(src, j);
      if (dq !== undefined && src[dq.next] === ')' && dq.next < end) {
        nodes.push({ kind: 'any', min: dq.min, cap, restLens: [] });
        i = dq.next + 1;
      } else {
        const alts = readAlternatives(src, j, end, ')');
        if (alts === undefined || src[alts.next] !== ')' || alts.next >= end) return undefined;
        if (alts.options.length === 1) nodes.push({ kind: 'lit', text: alts.options[0]!, cap });
        else nodes.push({ kind: 'alt', options: alts.options, cap });
        i = alts.next + 1;
      }
      if (i < end && QUANTIFIERS.includes(src[i]!)) return undefined; // quantified group
      continue;
    }
    const lit = readLiteral(src, i, end, '.(');
    if (lit === undefined || lit.next === i) return undefined;
    nodes.push({ kind: 'lit', text: lit.text, cap: -1 });
    i = lit.next;
  }
  return finishPlan(nodes, groupCount);
}

function splitTopLevel(src: string, start: number, end: number): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = start;
  for (let i = start; i < end; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      out.push(src.slice(from, i));
      from = i + 1;
    }
  }
  out.push(src.slice(from, end));
  return out;
}

function hasTopLevelBar(src: string, start: number, end: number): boolean {
  let depth = 0;
  for (let i = start; i < end; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return true;
  }
  return false;
}

function finishPlan(nodes: FastNode[], groupCount: number): FastPlan | undefined {
  const anyIdx: number[] = [];
  let product = 1;
  nodes.forEach((n, idx) => {
    if (n.kind === 'any') anyIdx.push(idx);
    if (n.kind === 'alt') product *= n.options.length;
  });
  if (product > MAX_ALT_PRODUCT) return undefined;
  if (anyIdx.length === 2) {
    // `.*lit.*`-shaped: matching only.
    const [a, l, b] = nodes;
    if (nodes.length === 3 && a?.kind === 'any' && l?.kind === 'lit' && b?.kind === 'any') {
      return {
        nodes,
        groupCount,
        substring: { text: l.text, minBefore: a.min, minAfter: b.min },
      };
    }
    return undefined;
  }
  if (anyIdx.length > 2) return undefined;
  if (anyIdx.length === 1) {
    const idx = anyIdx[0]!;
    const any = nodes[idx] as Extract<FastNode, { kind: 'any' }>;
    let lens = [0];
    for (const n of nodes.slice(idx + 1)) {
      const add = n.kind === 'lit' ? [n.text.length] : n.kind === 'alt' ? n.options.map((o) => o.length) : [0];
      const next = new Set<number>();
      for (const a of lens) for (const b of add) next.add(a + b);
      lens = [...next];
    }
    any.restLens = lens.sort((x, y) => x - y);
  }
  return { nodes, groupCount };
}
