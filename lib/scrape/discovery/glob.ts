/**
 * File SD patterns, as Prometheus expands them with Go's filepath.Glob: in the last path element `*` matches
 * any run of characters except `/`, `?` one such character, `[abc]` / `[a-z]` / `[^a-z]` a class, and `\`
 * escapes the next character. Leading dots are not special. The directory part is taken literally (Prometheus
 * allows `*` only in the last element; the gateway also keeps `?` and `[` out of directories).
 */
export interface GlobPattern {
  /** The directory part, up to and including the last `/` ('' for a bare name). */
  dir: string;
  /** Undefined when the last element has no wildcard: the pattern names one file. */
  match: RegExp | undefined;
  /** For listing a key-value store: the literal start of the last element (before any wildcard). */
  literalPrefix: string;
}

/** Why a pattern cannot be used, or undefined. */
export function globProblem(pattern: string): string | undefined {
  const slash = pattern.lastIndexOf('/');
  if (/[*?[]/.test(pattern.slice(0, slash + 1))) return `only the last path element may contain wildcards, got ${JSON.stringify(pattern)}`;
  try {
    compileGlob(pattern);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Compiles a pattern; throws an Error ("syntax error in pattern", as Go's ErrBadPattern) when malformed. */
export function compileGlob(pattern: string): GlobPattern {
  const slash = pattern.lastIndexOf('/');
  const dir = pattern.slice(0, slash + 1);
  const last = pattern.slice(slash + 1);
  if (!/[*?[\\]/.test(last)) return { dir, match: undefined, literalPrefix: last };
  let re = '^';
  let literalPrefix = '';
  let literal = true;
  const bad = (): Error => new Error(`syntax error in pattern ${JSON.stringify(pattern)}`);
  for (let i = 0; i < last.length; i++) {
    const ch = last[i]!;
    if (ch === '*') {
      re += '[^/]*';
      literal = false;
    } else if (ch === '?') {
      re += '[^/]';
      literal = false;
    } else if (ch === '\\') {
      const next = last[++i];
      if (next === undefined) throw bad();
      re += escapeRe(next);
      if (literal) literalPrefix += next;
    } else if (ch === '[') {
      literal = false;
      let j = i + 1;
      let cls = '[';
      if (last[j] === '^') {
        cls += '^';
        j++;
      }
      let count = 0;
      for (;;) {
        if (j >= last.length) throw bad();
        if (last[j] === ']' && count > 0) break;
        let lo = last[j]!;
        if (lo === '\\') lo = last[++j] ?? '';
        if (lo === '' || lo === '-' || lo === '/' || (lo === ']' && last[j] === ']')) throw bad();
        j++;
        let hi = lo;
        if (last[j] === '-' && last[j + 1] !== ']') {
          hi = last[j + 1] === '\\' ? (last[j + 2] ?? '') : (last[j + 1] ?? '');
          j += last[j + 1] === '\\' ? 3 : 2;
          if (hi === '' || hi < lo) throw bad();
        }
        cls += lo === hi ? escapeRe(lo, true) : `${escapeRe(lo, true)}-${escapeRe(hi, true)}`;
        count++;
      }
      // Go's character classes never match the separator.
      re += cls.startsWith('[^') ? `${cls}/]` : `(?!/)${cls}]`;
      i = j;
    } else {
      re += escapeRe(ch);
      if (literal) literalPrefix += ch;
    }
  }
  return { dir, match: new RegExp(re + '$', 'u'), literalPrefix };
}

/** Escapes a character for a `u` regex, inside or outside a class (`-` is escaped only inside). */
function escapeRe(ch: string, inClass = false): string {
  return ch.replace(inClass ? /[\\^$.*+?()[\]{}|/-]/g : /[\\^$.*+?()[\]{}|/]/g, '\\$&');
}
