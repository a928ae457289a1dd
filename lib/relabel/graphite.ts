/**
 * vmagent's `action: graphite`: `match` is a Graphite-style template where each `*` matches one dot-free
 * segment part; `labels` values refer to the captures as `$N` or `${N}` ($0 is the whole name).
 * Same algorithm as vmagent (each `*` takes text up to the first occurrence of the next literal part).
 */
export interface GraphiteMatch {
  readonly parts: readonly string[];
}

export function compileGraphiteMatch(s: string): GraphiteMatch {
  const parts: string[] = [];
  for (;;) {
    const n = s.indexOf('*');
    if (n < 0) {
      if (s !== '') parts.push(s);
      break;
    }
    if (n > 0) parts.push(s.slice(0, n));
    parts.push('*');
    s = s.slice(n + 1);
  }
  return { parts };
}

/** The captures ([0] = the whole name) when the name matches, else undefined. */
export function matchGraphite(gm: GraphiteMatch, name: string): string[] | undefined {
  const out = [name];
  const parts = gm.parts;
  const last = parts[parts.length - 1];
  if (last !== undefined && last !== '*' && !name.endsWith(last)) return undefined;
  let s = name;
  let i = 0;
  while (i < parts.length) {
    const p = parts[i]!;
    if (p !== '*') {
      if (!s.startsWith(p)) return undefined;
      s = s.slice(p.length);
      i++;
      continue;
    }
    if (i + 1 >= parts.length) {
      if (s.includes('.')) return undefined;
      out.push(s);
      return out;
    }
    const next = parts[i + 1]!;
    i += 2;
    const n = s.indexOf(next);
    if (n < 0) return undefined;
    const cap = s.slice(0, n);
    if (cap.includes('.')) return undefined;
    out.push(cap);
    s = s.slice(n + next.length);
  }
  return s.length === 0 ? out : undefined;
}

/** A `labels` value template: parts with a capture index (n >= 0) or literal text (n = -1). */
export type GraphiteTemplate = readonly { n: number; s: string }[];

export function compileGraphiteTemplate(s: string): GraphiteTemplate {
  const parts: { n: number; s: string }[] = [];
  const add = (t: string, n: number): void => {
    if (t !== '') parts.push({ n, s: t });
  };
  for (;;) {
    const n = s.indexOf('$');
    if (n < 0) {
      add(s, -1);
      break;
    }
    add(s.slice(0, n), -1);
    s = s.slice(n + 1);
    if (s[0] === '{') {
      const close = s.indexOf('}');
      if (close < 0) {
        add('$' + s, -1);
        break;
      }
      const idx = s.slice(1, close);
      s = s.slice(close + 1);
      add('${' + idx + '}', /^[-+]?[0-9]+$/.test(idx) ? Number(idx) : -1);
    } else {
      const m = /^[0-9]*/.exec(s)![0];
      s = s.slice(m.length);
      add('$' + m, m === '' ? -1 : Number(m));
    }
  }
  return parts;
}

/** Expands a template; an index without a capture keeps its `$N` text (as vmagent does). */
export function expandGraphite(t: GraphiteTemplate, captures: readonly string[]): string {
  let out = '';
  for (const p of t) out += p.n >= 0 && p.n < captures.length ? captures[p.n] : p.s;
  return out;
}
