import type { FastNode, FastPlan } from './regex-fast.ts';

/**
 * Runs a plan from regex-fast.ts: full-match semantics of `^(?s:...)$` with Go's leftmost-first submatches.
 * Every function here does a bounded number of startsWith/endsWith/indexOf calls per node: linear in s.
 */

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
