/**
 * A planner for the regexes that most relabel rules use (literals, alternations of literals, one `.*`/`.+`,
 * `prefix(.+)`, `.*foo.*`), matched with plain string operations instead of a regex engine.
 *
 * Contract: a plan exists only for a pattern whose full-match semantics (anchored `^(?s:...)$`, leftmost-first
 * submatches, as Go's regexp computes them) the plan reproduces exactly; anything else returns undefined and
 * the caller uses RE2. Every plan runs in time linear in the input (a bounded number of startsWith/indexOf
 * calls per node), so no label value can make it slow. test/unit/relabel/regex.test.ts checks plan and RE2
 * agree on generated inputs.
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

/** Full match; fills `caps` (2 slots per group, group 0 included) when given. Linear in s. */
export function fastMatch(plan: FastPlan, s: string, caps: number[] | null): boolean {
  if (plan.branches !== undefined) {
    if (caps !== null) return false; // callers check isMatchOnly before asking for groups
    for (const b of plan.branches) if (fastMatch(b, s, null)) return true;
    return false;
  }
  if (plan.substring !== undefined && caps === null) {
    const { text, minBefore, minAfter } = plan.substring;
    const at = s.indexOf(text, minBefore);
    return at >= 0 && at + text.length + minAfter <= s.length;
  }
  if (plan.substring !== undefined) return false; // callers check `substring` before asking for groups
  const ok = matchFrom(plan.nodes, 0, s, 0, caps);
  if (ok && caps !== null) {
    caps[0] = 0;
    caps[1] = s.length;
  }
  return ok;
}

function setCap(caps: number[] | null, cap: number, from: number, to: number): void {
  if (caps !== null && cap >= 0) {
    caps[2 * cap] = from;
    caps[2 * cap + 1] = to;
  }
}

function matchFrom(nodes: FastNode[], i: number, s: string, pos: number, caps: number[] | null): boolean {
  if (i === nodes.length) return pos === s.length;
  const n = nodes[i]!;
  switch (n.kind) {
    case 'lit':
      if (!s.startsWith(n.text, pos)) return false;
      if (!matchFrom(nodes, i + 1, s, pos + n.text.length, caps)) return false;
      setCap(caps, n.cap, pos, pos + n.text.length);
      return true;
    case 'alt':
      // Leftmost-first: the first alternative that lets the rest match wins.
      for (const o of n.options) {
        if (s.startsWith(o, pos) && matchFrom(nodes, i + 1, s, pos + o.length, caps)) {
          setCap(caps, n.cap, pos, pos + o.length);
          return true;
        }
      }
      return false;
    case 'any':
      // Greedy: the longest span first, i.e. the shortest possible rest.
      for (const l of n.restLens) {
        const restAt = s.length - l;
        if (restAt - pos < n.min) break;
        if (matchFrom(nodes, i + 1, s, restAt, caps)) {
          setCap(caps, n.cap, pos, restAt);
          return true;
        }
      }
      return false;
  }
}

/**
 * A specialised full-match function for a plan (same answers as fastMatch(plan, s, null)): the common
 * shapes become one or two string comparisons instead of walking the nodes.
 */
export function compileFastMatcher(plan: FastPlan): (s: string) => boolean {
  if (plan.branches !== undefined) {
    const fs = plan.branches.map(compileFastMatcher);
    if (fs.length === 2) {
      const [f0, f1] = fs as [(s: string) => boolean, (s: string) => boolean];
      return (s) => f0(s) || f1(s);
    }
    return (s) => {
      for (const f of fs) if (f(s)) return true;
      return false;
    };
  }
  if (plan.substring !== undefined) return (s) => fastMatch(plan, s, null);
  // Merge adjacent literals (captures do not matter for matching).
  const nodes: FastNode[] = [];
  for (const n of plan.nodes) {
    const last = nodes[nodes.length - 1];
    if (n.kind === 'lit' && last?.kind === 'lit') nodes[nodes.length - 1] = { kind: 'lit', text: last.text + n.text, cap: -1 };
    else nodes.push(n);
  }
  const [a, b, c] = nodes;
  if (nodes.length === 0) return (s) => s === '';
  if (nodes.length === 1 && a?.kind === 'lit') {
    const t = a.text;
    return (s) => s === t;
  }
  if (nodes.length === 1 && a?.kind === 'alt') {
    const set = new Set(a.options);
    return (s) => set.has(s);
  }
  if (nodes.length === 1 && a?.kind === 'any') {
    const min = a.min;
    return (s) => s.length >= min;
  }
  if (nodes.length === 2 && a?.kind === 'lit' && b?.kind === 'any') {
    const t = a.text;
    const need = t.length + b.min;
    return (s) => s.length >= need && s.startsWith(t);
  }
  if (nodes.length === 2 && a?.kind === 'any' && b?.kind === 'lit') {
    const t = b.text;
    const need = t.length + a.min;
    return (s) => s.length >= need && s.endsWith(t);
  }
  if (nodes.length === 3 && a?.kind === 'lit' && b?.kind === 'any' && c?.kind === 'lit') {
    const p = a.text;
    const q = c.text;
    const need = p.length + q.length + b.min;
    return (s) => s.length >= need && s.startsWith(p) && s.endsWith(q);
  }
  // Literals and alternations around at most one `.*`/`.+`: expand both sides into candidate strings.
  const anyAt = nodes.findIndex((n) => n.kind === 'any');
  const expand = (ns: FastNode[]): string[] => {
    let out = [''];
    for (const n of ns) {
      const opts = n.kind === 'lit' ? [n.text] : n.kind === 'alt' ? n.options : [];
      const next: string[] = [];
      for (const o of out) for (const x of opts) next.push(o + x);
      out = next;
    }
    return out;
  };
  if (anyAt < 0) {
    const set = new Set(expand(nodes));
    return (s) => set.has(s);
  }
  const any = nodes[anyAt] as Extract<FastNode, { kind: 'any' }>;
  const prefixes = expand(nodes.slice(0, anyAt));
  const suffixes = expand(nodes.slice(anyAt + 1));
  const min = any.min;
  return (s) => {
    for (const p of prefixes) {
      if (!s.startsWith(p)) continue;
      for (const q of suffixes) if (s.length >= p.length + q.length + min && s.endsWith(q)) return true;
    }
    return false;
  };
}
