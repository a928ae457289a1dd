/**
 * Number syntax shared by the VictoriaMetrics-style import formats (JSON lines, CSV, OpenTSDB, Graphite).
 * Compatibility: mirrors valyala/fastjson `fastfloat.Parse`, which VictoriaMetrics uses for these formats:
 * decimal with optional leading `-` (a leading `+` is refused), elided integer or fraction part (`.5`, `1.`),
 * optional exponent, and case-insensitive `inf`, `infinity`, `nan` with an optional sign. No hex, no `_`,
 * no surrounding spaces.
 */
const DECIMAL_RE = /^-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/** The value of `s`, or undefined when `s` is not a number in the syntax above. */
export function parseVmFloat(s: string): number | undefined {
  const c = s.charCodeAt(0);
  // Fast path: plain integers and decimals, the common case.
  if ((c >= 48 && c <= 57) || c === 45 || c === 46) {
    if (DECIMAL_RE.test(s)) return Number(s);
  }
  return parseSpecialFloat(s);
}

function parseSpecialFloat(s: string): number | undefined {
  let minus = false;
  let t = s;
  if (t.charCodeAt(0) === 45) {
    minus = true;
    t = t.slice(1);
  }
  if (t.charCodeAt(0) === 43) t = t.slice(1);
  if (t.length < 3 || t.length > 8) return undefined;
  const l = t.toLowerCase();
  if (l === 'inf' || l === 'infinity') return minus ? -Infinity : Infinity;
  if (l === 'nan') return NaN;
  return undefined;
}

const INT_RE = /^-?[0-9]+$/;

/**
 * A decimal integer (optional leading `-`), or undefined. Like fastfloat.ParseInt64 it refuses fractions,
 * exponents and `+`; values beyond ±2^53 are refused too because a JavaScript number cannot hold them exactly.
 */
export function parseVmInt(s: string): number | undefined {
  if (!INT_RE.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}
