import type { RE2JS } from 're2js';
import { BoundedCache } from './bounded-cache.ts';
import { re2 } from './re2-engine.ts';
import { isMatchOnly, planFastRegex, type FastPlan } from './regex-fast.ts';
import { compileFastMatcher, fastMatch } from './regex-fast-match.ts';

/**
 * Regexes with Prometheus semantics on the RE2 engine (re2js: linear time, Go syntax, so a rule written for
 * Prometheus compiles and matches the same strings here, and no label value can make matching slow).
 *
 * Compile once: compiled regexes are cached per source string (at most MAX_COMPILED; the cache is cleared
 * when full). Results of the RE2 path are memoised per input string (values up to MAX_MEMO_KEY chars, at
 * most MAX_MEMO entries per regex, cleared when full), because label values repeat heavily.
 */

/** Capture groups of a match: [0] is the whole match; undefined for a group that did not participate. */
export type Groups = readonly (string | undefined)[];

export class RegexSyntaxError extends Error {
  /** RE2's description, e.g. `missing closing )`. */
  readonly description: string;
  /** The offending part of the pattern as RE2 reports it. */
  readonly fragment: string;
  constructor(description: string, fragment: string) {
    super(description);
    this.name = 'RegexSyntaxError';
    this.description = description;
    this.fragment = fragment;
  }
}

const MAX_COMPILED = 10_000;
const MAX_MEMO = 4096;
const MAX_MEMO_KEY = 1024;
/**
 * Upper bound on the characters RE2 may scan in one replaceAll (the sum over its searches of the text left
 * to search). Each search is linear, but a search per match makes some regex/value pairs quadratic (`b|a.*c`
 * on `abab...`): past the bound the value is left unchanged. ~2M chars is ~30 ms; a 1 KB value with a match
 * every character stays well below it.
 */
const MAX_REPLACE_SCAN = 1 << 21;

function compileRe2(pattern: string, shownAs: string): RE2JS {
  const { RE2JS, RE2JSSyntaxException } = re2();
  try {
    return RE2JS.compile(pattern);
  } catch (e) {
    if (e instanceof RE2JSSyntaxException) {
      throw new RegexSyntaxError(e.getDescription(), e.getPattern() ?? shownAs);
    }
    throw new RegexSyntaxError(e instanceof Error ? e.message : String(e), shownAs);
  }
}

/** Results of the RE2 path per input string: values repeat heavily. */
class Memo<V> extends BoundedCache<V> {
  constructor() {
    super(MAX_MEMO, MAX_MEMO_KEY);
  }
}

/** A relabel regex: fully anchored, `.` matches newlines (Prometheus 3 compiles `^(?s:` + regex + `)$`). */
export class PromRegex {
  readonly source: string;
  readonly groupCount: number;
  /** Named groups: name -> group index. */
  readonly groupNames: ReadonlyMap<string, number>;
  /** True when a string-operation plan replaces the regex engine (see regex-fast.ts). */
  readonly fast: boolean;
  private compiled: RE2JS | undefined;
  private readonly plan: FastPlan | undefined;
  private readonly fastMatches: ((s: string) => boolean) | undefined;
  private readonly matchMemo = new Memo<boolean>();
  private readonly groupsMemo = new Memo<Groups | null>();

  constructor(source: string) {
    this.source = source;
    // A plan covers only patterns that are valid RE2 with the plan's group count (regex-fast.ts;
    // test/unit/relabel/regex.test.ts checks that against RE2), so a planned regex need not load the engine.
    const plan = planFastRegex(source);
    // Plans number groups but do not name them: a pattern with named groups asks RE2 for the names.
    if (plan !== undefined && !/\(\?P?</.test(source)) {
      this.plan = plan;
      this.groupCount = plan.groupCount;
      this.groupNames = new Map();
      // A match-only plan leaves submatches to RE2: compile it now, with the config, not at the first request.
      if (isMatchOnly(plan)) this.compiled = compileRe2('^(?s:' + source + ')$', source);
    } else {
      // Compile the user's text alone first: the error then describes their regex, and a balanced regex
      // cannot break out of the anchoring wrapper (`)|(` tricks).
      const alone = compileRe2(source, source);
      this.compiled = compileRe2('^(?s:' + source + ')$', source);
      this.groupCount = alone.groupCount();
      this.groupNames = new Map(Object.entries(alone.namedGroups()));
      if (plan !== undefined && plan.groupCount === this.groupCount) this.plan = plan;
    }
    this.fast = this.plan !== undefined;
    this.fastMatches = this.plan !== undefined ? compileFastMatcher(this.plan) : undefined;
    this.test = this.fastMatches ?? ((s) => this.matches(s));
  }

  /** The anchored RE2 program; a fully planned regex compiles it only for the test helpers below. */
  private get re(): RE2JS {
    return (this.compiled ??= compileRe2('^(?s:' + this.source + ')$', this.source));
  }

  /** matches() as a standalone function (the fast matcher itself when there is one). */
  readonly test: (s: string) => boolean;

  /** Whether the whole of s matches. */
  matches(s: string): boolean {
    if (this.fastMatches !== undefined) return this.fastMatches(s);
    const hit = this.matchMemo.get(s);
    if (hit !== undefined) return hit;
    const ok = this.re.matches(s);
    this.matchMemo.set(s, ok);
    return ok;
  }

  /** The capture groups of a whole-string match, or undefined when s does not match. */
  groups(s: string): Groups | undefined {
    if (this.plan !== undefined && !isMatchOnly(this.plan)) {
      if (!this.fastMatches!(s)) return undefined; // cheap reject without allocating
      const caps = new Array<number>(2 * (this.groupCount + 1)).fill(-1);
      if (!fastMatch(this.plan, s, caps)) return undefined;
      return capsToGroups(s, caps);
    }
    const hit = this.groupsMemo.get(s);
    if (hit !== undefined) return hit ?? undefined;
    const m = this.re.matcher(s);
    let g: Groups | null = null;
    if (m.matches()) {
      const out: (string | undefined)[] = [];
      for (let i = 0; i <= this.groupCount; i++) {
        const st = m.start(i);
        out.push(st < 0 ? undefined : s.slice(st, m.end(i)));
      }
      g = out;
    }
    this.groupsMemo.set(s, g);
    return g ?? undefined;
  }

  /** RE2 only, no plan, no memo: for tests that compare the two paths. */
  matchesWithRe2(s: string): boolean {
    return this.re.matches(s);
  }
  groupsWithRe2(s: string): Groups | undefined {
    const m = this.re.matcher(s);
    if (!m.matches()) return undefined;
    const out: (string | undefined)[] = [];
    for (let i = 0; i <= this.groupCount; i++) {
      const st = m.start(i);
      out.push(st < 0 ? undefined : s.slice(st, m.end(i)));
    }
    return out;
  }
}

function capsToGroups(s: string, caps: number[]): Groups {
  const out: (string | undefined)[] = [];
  for (let i = 0; i < caps.length; i += 2) out.push(caps[i]! < 0 ? undefined : s.slice(caps[i], caps[i + 1]));
  return out;
}

const promCache = new BoundedCache<PromRegex>(MAX_COMPILED);

/** Compiles (or returns the cached) anchored relabel regex. Throws RegexSyntaxError. */
export function compilePromRegex(source: string): PromRegex {
  return promCache.getOrMake(source, (s) => new PromRegex(s));
}

/**
 * An unanchored regex used as vmagent's `replace_all` and `labelmap_all` use it: Go's ReplaceAllString over
 * every non-overlapping match (no `(?s)`: vmagent compiles the regex as written).
 */
export class UnanchoredRegex {
  readonly source: string;
  readonly groupCount: number;
  readonly groupNames: ReadonlyMap<string, number>;
  /** Set when the pattern is a non-empty plain literal: replaced with split/join. */
  readonly literal: string | undefined;
  private readonly re: RE2JS;
  private readonly memo = new Map<string, Memo<string>>();

  constructor(source: string) {
    this.re = compileRe2(source, source);
    this.source = source;
    this.groupCount = this.re.groupCount();
    this.groupNames = new Map(Object.entries(this.re.namedGroups()));
    const plan = planFastRegex(source);
    const only = plan?.nodes.length === 1 ? plan.nodes[0] : undefined;
    this.literal =
      plan !== undefined && only?.kind === 'lit' && only.cap === -1 && only.text !== '' && !/[\^$]/.test(source)
        ? only.text
        : undefined;
  }

  /**
   * Go's Regexp.ReplaceAllString: matches are non-overlapping, searched left to right; an empty match right
   * after the previous match is not replaced; the search advances at least one character. Returns s unchanged
   * when the search would scan more than MAX_REPLACE_SCAN characters.
   */
  replaceAll(s: string, expand: (groups: Groups) => string, memoKey: string): string {
    if (this.literal !== undefined && !s.includes(this.literal)) return s;
    let memo = this.memo.get(memoKey);
    const hit = memo?.get(s);
    if (hit !== undefined) return hit;
    const out = this.literal !== undefined ? s.split(this.literal).join(expand([this.literal])) : this.replaceAllRe2(s, expand);
    if (memo === undefined) {
      memo = new Memo<string>();
      this.memo.set(memoKey, memo);
    }
    memo.set(s, out);
    return out;
  }

  private replaceAllRe2(s: string, expand: (groups: Groups) => string): string {
    const m = this.re.matcher(s);
    let out = '';
    let lastEnd = 0;
    let searchPos = 0;
    let scanned = 0;
    while (searchPos <= s.length) {
      scanned += s.length - searchPos + 1;
      if (scanned > MAX_REPLACE_SCAN) return s;
      if (!m.find(searchPos)) break;
      const a0 = m.start();
      const a1 = m.end();
      out += s.slice(lastEnd, a0);
      if (a1 > lastEnd || a0 === 0) {
        const g: (string | undefined)[] = [];
        for (let i = 0; i <= this.groupCount; i++) {
          const st = m.start(i);
          g.push(st < 0 ? undefined : s.slice(st, m.end(i)));
        }
        out += expand(g);
      }
      lastEnd = a1;
      const code = s.charCodeAt(searchPos);
      const width = searchPos >= s.length ? 0 : code >= 0xd800 && code <= 0xdbff && searchPos + 1 < s.length ? 2 : 1;
      if (searchPos + width > a1) searchPos += width;
      else if (searchPos + 1 > a1) searchPos++;
      else searchPos = a1;
    }
    out += s.slice(lastEnd);
    return out;
  }
}

const unanchoredCache = new BoundedCache<UnanchoredRegex>(MAX_COMPILED);

export function compileUnanchoredRegex(source: string): UnanchoredRegex {
  return unanchoredCache.getOrMake(source, (s) => new UnanchoredRegex(s));
}
