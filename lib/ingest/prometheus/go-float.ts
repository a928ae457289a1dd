/**
 * Float syntax of Go's strconv.ParseFloat / FormatFloat(f, 'g', -1, 64), which the Prometheus exposition formats
 * use for sample values and for `le` / `quantile` label values.
 */
import { ASCII_LOWER_BIT, CH_DOT, CH_LOWER_A, CH_LOWER_E, CH_LOWER_F, CH_LOWER_I, CH_LOWER_N, CH_LOWER_P, CH_LOWER_X, CH_MINUS, CH_NINE, CH_PLUS, CH_UPPER_A, CH_UPPER_F, CH_ZERO } from './chars.ts';

/** Digits after which an integer accumulated in a double could lose precision (2^53 has 16 digits). */
export const MAX_EXACT_DIGITS = 15;

/** 10^k for k <= 15, each exact. */
export const POW10 = Array.from({ length: MAX_EXACT_DIGITS + 1 }, (_, k) => 10 ** k);

function isDigit(c: number): boolean {
  return c >= CH_ZERO && c <= CH_NINE;
}

function isHexDigit(c: number): boolean {
  return (c >= CH_ZERO && c <= CH_NINE) || (c >= CH_LOWER_A && c <= CH_LOWER_F) || (c >= CH_UPPER_A && c <= CH_UPPER_F);
}

function hexValue(c: number): number {
  return c <= CH_NINE ? c - CH_ZERO : (c | ASCII_LOWER_BIT) - CH_LOWER_A + 10;
}

/** Length of the case-insensitive common prefix of s[start, end) and the lower-case word. */
function commonPrefixIgnoreCase(s: string, start: number, end: number, word: string): number {
  let n = 0;
  while (n < word.length && start + n < end && (s.charCodeAt(start + n) | ASCII_LOWER_BIT) === word.charCodeAt(n)) n++;
  return n;
}

/**
 * Parses s[start, end) with the syntax Go's strconv.ParseFloat accepts: decimal floats with an optional sign and
 * exponent (`1`, `-1.5e-3`, `.5`, `1.`), hexadecimal floats with a `p` exponent (`0x1.8p1`), `NaN`, and `Inf` /
 * `Infinity` with an optional sign, all case-insensitive. Returns undefined when the token is not such a number
 * (never throws). Digit separators (`_`) are not accepted.
 */
export function parseGoFloat(s: string, start: number, end: number): number | undefined {
  if (start >= end) return undefined;
  let p = start;
  let c = s.charCodeAt(p);
  let neg = false;
  if (c === CH_PLUS || c === CH_MINUS) {
    neg = c === CH_MINUS;
    p++;
    if (p === end) return undefined;
    c = s.charCodeAt(p);
  }
  // Fast path: a plain integer that a double holds exactly.
  if (isDigit(c)) {
    let v = 0;
    const digitsStart = p;
    while (p < end && isDigit((c = s.charCodeAt(p)))) {
      v = v * 10 + (c - CH_ZERO);
      p++;
    }
    if (p === end && p - digitsStart <= MAX_EXACT_DIGITS) return neg ? -v : v;
    // A plain decimal (`124.875`): digits / 10^k is one correctly rounded division when both are exact
    // (at most 15 digits, k <= 22), so it is the double Go's ParseFloat and Number() give.
    if (c === CH_DOT && p + 1 < end) {
      const dot = p++;
      while (p < end && isDigit((c = s.charCodeAt(p)))) {
        v = v * 10 + (c - CH_ZERO);
        p++;
      }
      if (p === end && p - digitsStart - 1 <= MAX_EXACT_DIGITS) {
        const q = v / POW10[end - dot - 1]!;
        return neg ? -q : q;
      }
    }
    p = digitsStart;
    c = s.charCodeAt(p);
  }
  const lc = c | ASCII_LOWER_BIT;
  if (lc === CH_LOWER_I) {
    let n = commonPrefixIgnoreCase(s, p, end, 'infinity');
    if (n > 3 && n < 8) n = 3;
    if ((n === 3 || n === 8) && p + n === end) return neg ? -Infinity : Infinity;
    return undefined;
  }
  if (lc === CH_LOWER_N) {
    // Go accepts no sign before NaN.
    if (p === start && end - p === 3 && commonPrefixIgnoreCase(s, p, end, 'nan') === 3) return NaN;
    return undefined;
  }
  if (c === CH_ZERO && p + 1 < end && (s.charCodeAt(p + 1) | ASCII_LOWER_BIT) === CH_LOWER_X) {
    const v = parseHexFloat(s, p + 2, end);
    return v === undefined ? undefined : neg ? -v : v;
  }
  // Decimal: digits [. digits] with at least one digit, then an optional exponent.
  let digits = 0;
  while (p < end && isDigit(s.charCodeAt(p))) {
    p++;
    digits++;
  }
  if (p < end && s.charCodeAt(p) === CH_DOT) {
    p++;
    while (p < end && isDigit(s.charCodeAt(p))) {
      p++;
      digits++;
    }
  }
  if (digits === 0) return undefined;
  if (p < end && (s.charCodeAt(p) | ASCII_LOWER_BIT) === CH_LOWER_E) {
    p++;
    if (p < end && (s.charCodeAt(p) === CH_PLUS || s.charCodeAt(p) === CH_MINUS)) p++;
    const expStart = p;
    while (p < end && isDigit(s.charCodeAt(p))) p++;
    if (p === expStart) return undefined;
  }
  if (p !== end) return undefined;
  return Number(s.slice(start, end));
}

/** Hex mantissa `h[.h]` (s[p, end) after `0x`) followed by a mandatory binary exponent `p[+-]d`. */
function parseHexFloat(s: string, p: number, end: number): number | undefined {
  let mantissa = 0;
  let digits = 0;
  let fracDigits = 0;
  while (p < end && isHexDigit(s.charCodeAt(p))) {
    mantissa = mantissa * 16 + hexValue(s.charCodeAt(p));
    p++;
    digits++;
  }
  if (p < end && s.charCodeAt(p) === CH_DOT) {
    p++;
    while (p < end && isHexDigit(s.charCodeAt(p))) {
      mantissa = mantissa * 16 + hexValue(s.charCodeAt(p));
      p++;
      digits++;
      fracDigits++;
    }
  }
  if (digits === 0 || p >= end || (s.charCodeAt(p) | ASCII_LOWER_BIT) !== CH_LOWER_P) return undefined;
  p++;
  let expNeg = false;
  if (p < end && (s.charCodeAt(p) === CH_PLUS || s.charCodeAt(p) === CH_MINUS)) {
    expNeg = s.charCodeAt(p) === CH_MINUS;
    p++;
  }
  const expStart = p;
  let exp = 0;
  while (p < end && isDigit(s.charCodeAt(p))) {
    if (exp < 100000) exp = exp * 10 + (s.charCodeAt(p) - CH_ZERO);
    p++;
  }
  if (p === expStart || p !== end) return undefined;
  return mantissa * Math.pow(2, (expNeg ? -exp : exp) - 4 * fracDigits);
}

/**
 * Formats like Go's strconv.FormatFloat(f, 'g', -1, 64) with the exposition format's spellings of the special
 * values (`+Inf`, `-Inf`, `NaN`): the shortest digits that round-trip, exponent form when the decimal exponent is
 * below -4 or at least 6 (`1e+06`, `1e-05`, two exponent digits at least).
 */
export function formatGoFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const sign = f < 0 ? '-' : '';
  const e = Math.abs(f).toExponential(); // shortest round-trip digits: "d.ddde+x"
  const ePos = e.indexOf('e');
  const mantissa = e.slice(0, ePos);
  const exp = Number(e.slice(ePos + 1));
  if (exp < -4 || exp >= 6) {
    const a = Math.abs(exp);
    return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${a < 10 ? '0' : ''}${a}`;
  }
  const digits = mantissa.replace('.', '');
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return sign + digits + '0'.repeat(exp + 1 - digits.length);
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}
