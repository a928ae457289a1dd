/** Influx precisions, field values and timestamps (parse.ts, direct.ts). */

export type InfluxPrecision = 'ns' | 'us' | 'ms' | 's' | 'm' | 'h';

const PRECISIONS: Record<string, InfluxPrecision> = {
  '': 'ns', n: 'ns', ns: 'ns', u: 'us', us: 'us', 'µ': 'us', 'µs': 'us', ms: 'ms', s: 's', m: 'm', h: 'h',
};

/** Maps a v1 or v2 `precision` argument to its unit, or undefined when it is not one InfluxDB accepts. */
export function parseInfluxPrecision(p: string | null): InfluxPrecision | undefined {
  return PRECISIONS[p ?? ''];
}

const LOWER_I = 105;
const LOWER_U = 117;

const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Float, `12i`, `12u`, or a boolean (t, T, true, True, TRUE, f, F, false, False, FALSE) as 1/0. */
export function parseFieldValue(raw: string): number | undefined {
  const last = raw.charCodeAt(raw.length - 1);
  if (last === LOWER_I || last === LOWER_U) {
    const digits = raw.slice(0, -1);
    if (!/^[+-]?\d+$/.test(digits) || (last === LOWER_U && digits[0] === '-')) return undefined;
    if (digits.length >= 19 && !integerInRange(digits, last === LOWER_U)) return undefined;
    return Number(digits);
  }
  switch (raw) {
    case 't': case 'T': case 'true': case 'True': case 'TRUE':
      return 1;
    case 'f': case 'F': case 'false': case 'False': case 'FALSE':
      return 0;
  }
  if (!FLOAT_RE.test(raw)) return undefined;
  return Number(raw);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** `12i` is an int64 and `12u` a uint64, as InfluxDB parses them (strconv.ParseInt / ParseUint): out of range is an error. */
function integerInRange(digits: string, unsigned: boolean): boolean {
  const v = BigInt(digits);
  return unsigned ? v <= UINT64_MAX : v >= INT64_MIN && v <= INT64_MAX;
}

/**
 * Converts an integer timestamp in `precision` units to milliseconds, truncating toward zero as Go's
 * integer division does (VictoriaMetrics compatibility). Works on the digits so nanosecond values past
 * 2^53 keep their millisecond part exact.
 */
export function timestampToMs(raw: string, precision: InfluxPrecision): number | undefined {
  if (!/^-?\d{1,19}$/.test(raw)) return undefined;
  const neg = raw[0] === '-';
  const digits = neg ? raw.slice(1) : raw;
  let ms: number;
  switch (precision) {
    case 'ns':
      ms = digits.length > 6 ? Number(digits.slice(0, -6)) : 0;
      break;
    case 'us':
      ms = digits.length > 3 ? Number(digits.slice(0, -3)) : 0;
      break;
    case 'ms':
      ms = Number(digits);
      break;
    case 's':
      ms = Number(digits) * 1000;
      break;
    case 'm':
      ms = Number(digits) * 60_000;
      break;
    case 'h':
      ms = Number(digits) * 3_600_000;
      break;
  }
  if (!Number.isSafeInteger(ms)) return undefined;
  return neg && ms !== 0 ? -ms : ms;
}
