/**
 * One rule for every protocol's bad lines and items (issue 12): a reply lists the first
 * MAX_LISTED_LINE_ERRORS errors with their line (or item) numbers, then `... and M more`. Parsers keep only
 * those first errors as LineError objects and count the rest, so a body of bad lines costs about what a body
 * of good lines costs, in CPU and in memory, and the reply stays small whatever the body holds.
 */
import type { LineError } from '../types.ts';

/** How many bad lines or items a reply (and a ParseResult) lists; the rest are only counted. */
export const MAX_LISTED_LINE_ERRORS = 10;

/**
 * Collects a parser's bad lines: keeps the first `cap` LineErrors and counts all of them. Build a LineError
 * (its excerpt, in particular) only when `wants()` says it will be kept, or pass a thunk to `add`.
 */
export class LineErrorCollector {
  readonly errors: LineError[] = [];
  /** Every bad line seen, listed or not. */
  count = 0;
  readonly cap: number;

  constructor(cap = MAX_LISTED_LINE_ERRORS) {
    this.cap = cap;
  }

  /** Whether the next error would be kept (else it is only counted). */
  wants(): boolean {
    return this.errors.length < this.cap;
  }

  /** Records a bad line; `make` runs only when the error is kept. */
  add(make: LineError | (() => LineError)): void {
    this.count++;
    if (this.errors.length < this.cap) this.errors.push(typeof make === 'function' ? make() : make);
  }

  /** Counts `n` bad lines that are not listed (already summarised elsewhere). */
  addUnlisted(n = 1): void {
    this.count += n;
  }

  /** The ParseResult fields: the listed errors and the total count. */
  result(): { errors: LineError[]; errorCount: number } {
    return { errors: this.errors, errorCount: this.count };
  }
}

/** Keeps the first MAX_LISTED_LINE_ERRORS of an array that was built in full (small inputs only). */
export function capLineErrors(errors: readonly LineError[]): { errors: LineError[]; errorCount: number } {
  return { errors: errors.slice(0, MAX_LISTED_LINE_ERRORS), errorCount: errors.length };
}

/**
 * The listed part of a reply: the first MAX_LISTED_LINE_ERRORS of `errors` through `describe`, then
 * `more(M)` when `total` (every bad line, listed or not) exceeds what was listed.
 */
export function listLineErrors(
  errors: readonly LineError[],
  total: number,
  describe: (e: LineError) => string,
  more: (m: number) => string = (m) => `... and ${m} more`,
): string[] {
  const out = errors.slice(0, MAX_LISTED_LINE_ERRORS).map(describe);
  const rest = Math.max(total, errors.length) - out.length;
  if (rest > 0) out.push(more(rest));
  return out;
}

/** `prometheus: line 7: invalid value "abc": "foo abc"`: protocol, unit and number, reason, quoted excerpt. */
export function formatLineError(protocol: string, e: LineError, unit = 'line'): string {
  return `${protocol}: ${unit} ${e.line}: ${e.reason}: ${e.excerpt}`;
}

/**
 * A rejection message: `<protocol>: <total> invalid <unit>s; <what>`, then the first MAX_LISTED_LINE_ERRORS
 * errors one per line, then `<protocol>: ... and M more`.
 */
export function describeLineErrors(protocol: string, errors: readonly LineError[], what: string, unit = 'line', total = errors.length): string {
  const n = Math.max(total, errors.length);
  const head = `${protocol}: ${n} invalid ${unit}${n === 1 ? '' : 's'}; ${what}`;
  return [head, ...listLineErrors(errors, n, (e) => formatLineError(protocol, e, unit), (m) => `${protocol}: ... and ${m} more`)].join('\n');
}
