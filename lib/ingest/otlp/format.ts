import { BadRequestError } from '../../errors.ts';

/**
 * Number formatting that must match the Go code Prometheus uses, so that label values (`le`, `quantile`,
 * attribute values) are byte-identical to what Prometheus' OTLP receiver writes.
 */

/** Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never an exponent; `+Inf`, `-Inf`, `NaN`. */
export function formatFloatPlain(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const neg = s[0] === '-';
  const mantissa = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const intLen = (dot < 0 ? mantissa.length : dot) + exp;
  let out: string;
  if (intLen <= 0) out = '0.' + '0'.repeat(-intLen) + digits;
  else if (intLen >= digits.length) out = digits + '0'.repeat(intLen - digits.length);
  else out = digits.slice(0, intLen) + '.' + digits.slice(intLen);
  return neg ? '-' + out : out;
}

/**
 * pdata's Value.AsString() for doubles: ES6 number-to-string (what JavaScript's String() does), with Go's
 * JSON wording for the non-finite values it cannot encode.
 */
export function formatAttributeDouble(v: number): string {
  if (Number.isFinite(v)) return String(v);
  return `json: unsupported value: ${Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf'}`;
}

/** Milliseconds from unsigned 64-bit nanoseconds given as two unsigned 32-bit halves, exact (no float rounding). */
export function nanosHalvesToMillis(high: number, low: number): number {
  // high * 2^32 = high * 4294 * 1e6 + high * 967296; every term stays below 2^53.
  return high * 4294 + Math.floor((high * 967296 + low) / 1e6);
}

const UINT64_DECIMAL = /^[0-9]{1,20}$/;

/** Milliseconds from a decimal nanosecond string (OTLP/JSON int64 mapping), or undefined when it is not one. */
export function nanosStringToMillis(s: string): number | undefined {
  if (!UINT64_DECIMAL.test(s)) return undefined;
  if (s.length > 20 || (s.length === 20 && s > '18446744073709551615')) return undefined;
  return s.length <= 6 ? 0 : Number(s.slice(0, s.length - 6));
}

const GO_JSON_ESCAPES: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** A JSON string literal as Go's encoding/json writes it (HTML-safe: `<`, `>`, `&`, U+2028/9 escaped). */
export function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => GO_JSON_ESCAPES[c]!);
}

/**
 * A trace or span id as Prometheus writes it on an exemplar: lowercase hex; '' when absent or all zero
 * (pdata's IsEmpty). Throws BadRequestError for any length but 0 or `size` bytes, as pdata refuses to
 * unmarshal such a request.
 */
export function exemplarIdHex(id: Uint8Array | undefined, size: number, what: string): string {
  if (id === undefined || id.length === 0) return '';
  if (id.length !== size) throw new BadRequestError(`otlp: exemplar ${what} must be ${size} bytes, got ${id.length}`);
  let zero = true;
  for (let i = 0; i < id.length; i++) {
    if (id[i] !== 0) {
      zero = false;
      break;
    }
  }
  return zero ? '' : Buffer.from(id.buffer, id.byteOffset, id.length).toString('hex');
}
