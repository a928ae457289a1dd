/**
 * Token readers over a request's bytes for byte-lines.ts: a sample value and a timestamp read as the ordinary
 * scanner reads them from the decoded string (parseGoFloat, parseMillisTimestamp), and the byte comparisons
 * of label names.
 */
import { CH_DOT, CH_MINUS, CH_PLUS, CH_UNDERSCORE, CH_ZERO } from './chars.ts';
import { MAX_EXACT_DIGITS, parseGoFloat, POW10 } from './go-float.ts';

/** What a reader read besides its result: the value (readValue), the timestamp and the position after its token (readMillis). */
export class TokenOut {
  value = 0;
  millis = 0;
  end = 0;
}

/** `__name__`'s bytes: label names are compared with it to place it among them. */
export const NAME_LABEL = Uint8Array.from('__name__', (ch) => ch.charCodeAt(0));

/** parseGoFloat of the ASCII token b[start, end) (no blank or line end in it) into out.value; false when it is no number. */
export function readValue(b: Uint8Array, start: number, end: number, out: TokenOut): boolean {
  let p = start;
  let c = b[p]!;
  let neg = false;
  if (c === CH_PLUS || c === CH_MINUS) {
    neg = c === CH_MINUS;
    if (++p === end) return false;
    c = b[p]!;
  }
  // parseGoFloat's own fast path, on the same conditions, so the same double.
  let d = c - CH_ZERO;
  if (d >= 0 && d <= 9) {
    const digitsStart = p;
    let v = 0;
    while (p < end && (d = b[p]! - CH_ZERO) >= 0 && d <= 9) {
      v = v * 10 + d;
      p++;
    }
    if (p === end && p - digitsStart <= MAX_EXACT_DIGITS) {
      out.value = neg ? -v : v;
      return true;
    }
    if (b[p] === CH_DOT && p + 1 < end) {
      const dot = p++;
      while (p < end && (d = b[p]! - CH_ZERO) >= 0 && d <= 9) {
        v = v * 10 + d;
        p++;
      }
      if (p === end && p - digitsStart - 1 <= MAX_EXACT_DIGITS) {
        const q = v / POW10[end - dot - 1]!;
        out.value = neg ? -q : q;
        return true;
      }
    }
  }
  let token = '';
  for (let k = start; k < end; k++) {
    if (b[k]! >= 0x80) return false;
    token += String.fromCharCode(b[k]!);
  }
  const v = parseGoFloat(token, 0, token.length);
  if (v === undefined) return false;
  out.value = v;
  return true;
}

/**
 * The value token from `start` in b[0, n), found and read in one pass when it is a plain decimal (`[+-]digits`
 * or `[+-]digits.digits`, at most 15 digits, parseGoFloat's own fast path, so the same double): returns the
 * position after the token (a blank, carriage return, line feed or n) with the value in out.value, or -1 when
 * the token is no number. Any other token is found by `isEnd` (FLAGS of byte-lines.ts) and read by readValue.
 */
export function readValueToken(b: Uint8Array, n: number, start: number, out: TokenOut, flags: Uint8Array, ends: number): number {
  let p = start;
  let c = p < n ? b[p]! : 0;
  let neg = false;
  if (c === CH_MINUS || c === CH_PLUS) {
    neg = c === CH_MINUS;
    c = ++p < n ? b[p]! : 0;
  }
  let d = c - CH_ZERO;
  if (d >= 0 && d <= 9) {
    const digitsStart = p;
    let v = d;
    while (++p < n && (d = b[p]! - CH_ZERO) >= 0 && d <= 9) v = v * 10 + d;
    if (p === n || flags[b[p]!]! & ends) {
      if (p - digitsStart <= MAX_EXACT_DIGITS) {
        out.value = neg ? -v : v;
        return p;
      }
    } else if (b[p] === CH_DOT) {
      const dot = p;
      while (++p < n && (d = b[p]! - CH_ZERO) >= 0 && d <= 9) v = v * 10 + d;
      if (p > dot + 1 && p - digitsStart - 1 <= MAX_EXACT_DIGITS && (p === n || flags[b[p]!]! & ends)) {
        const q = v / POW10[p - dot - 1]!;
        out.value = neg ? -q : q;
        return p;
      }
    }
  }
  p = start;
  while (p < n && !(flags[b[p]!]! & ends)) p++;
  return p !== start && readValue(b, start, p, out) ? p : -1;
}

/**
 * parseMillisTimestamp of the sign and digits from `start` in b[0, n) into out.millis, read as they are scanned,
 * nine digits at a time in integers, the same safe integer: returns the position after the digits (also in
 * out.end), or -1 when there is no such integer. (The value is not returned: a double returned by a call that is
 * not inlined is boxed into a new heap number.)
 */
export function readMillis(b: Uint8Array, n: number, start: number, out: TokenOut): number {
  let p = start;
  const c = b[p]!;
  const neg = c === CH_MINUS;
  if (c === CH_PLUS || c === CH_MINUS) p++;
  const digits = p;
  let v = 0;
  let d = 0;
  let stop = p + 9 < n ? p + 9 : n;
  while (p < stop && (d = b[p]! - CH_ZERO) >= 0 && d <= 9) {
    v = v * 10 + d;
    p++;
  }
  if (p === stop && p < n && (d = b[p]! - CH_ZERO) >= 0 && d <= 9) {
    // Exact while the whole is a safe integer (every part is then below it); at or past 2^53 in both ways.
    let low = 0;
    let scale = 1;
    stop = p + 9 < n ? p + 9 : n;
    while (p < stop && (d = b[p]! - CH_ZERO) >= 0 && d <= 9) {
      low = low * 10 + d;
      scale *= 10;
      p++;
    }
    v = v * scale + low;
    while (p < n && (d = b[p]! - CH_ZERO) >= 0 && d <= 9) {
      v = v * 10 + d;
      p++;
    }
  }
  // The token must be the digits and nothing else: the caller's check of the line's end (byte-lines.ts) refuses
  // anything after them.
  if (p === digits) return -1;
  out.end = p;
  if (!Number.isSafeInteger(v)) return -1;
  out.millis = neg ? -v : v;
  return p;
}

/** b[a, ae) < b[c, ce) by bytes. */
export function ascending(b: Uint8Array, a: number, ae: number, c: number, ce: number): boolean {
  const n = Math.min(ae - a, ce - c);
  for (let k = 0; k < n; k++) {
    const d = b[a + k]! - b[c + k]!;
    if (d !== 0) return d < 0;
  }
  return ae - a < ce - c;
}

/** b[a, ae) against `__name__`: negative, 0 or positive. */
export function compareToNameLabel(b: Uint8Array, a: number, ae: number): number {
  const first = b[a]! - CH_UNDERSCORE;
  if (first !== 0) return first;
  const n = Math.min(ae - a, NAME_LABEL.length);
  for (let k = 1; k < n; k++) {
    const d = b[a + k]! - NAME_LABEL[k]!;
    if (d !== 0) return d;
  }
  return ae - a - NAME_LABEL.length;
}
