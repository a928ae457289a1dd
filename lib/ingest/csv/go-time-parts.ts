/** Field readers, calendar arithmetic and zone offsets for parseGoTime (go-time.ts), following Go's time package. */
import type { Std } from './go-layout.ts';

/** Go's skip(): a space in the layout matches a run of spaces in the value. Returns the rest, or undefined. */
export function skipLiteral(value: string, prefix: string): string | undefined {
  let v = value;
  let p = prefix;
  while (p.length > 0) {
    if (p[0] === ' ') {
      if (v.length > 0 && v[0] !== ' ') return undefined;
      p = p.replace(/^ +/, '');
      v = v.replace(/^ +/, '');
      continue;
    }
    if (v.length === 0 || v[0] !== p[0]) return undefined;
    p = p.slice(1);
    v = v.slice(1);
  }
  return v;
}

export function isDigit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

/** Go getnum / getnum3: 1..max digits (exactly max when fixed). */
export function getNum(v: string, maxDigits: number, fixed: boolean): [number, string] | undefined {
  let n = 0;
  let i = 0;
  while (i < maxDigits && isDigit(v, i)) {
    n = n * 10 + (v.charCodeAt(i) - 48);
    i++;
  }
  if (i === 0 || (fixed && i < maxDigits)) return undefined;
  return [n, v.slice(i)];
}

export function lookupName(v: string, names: readonly string[], short: boolean): [number, string] | undefined {
  const lv = v.toLowerCase();
  for (let i = 0; i < names.length; i++) {
    const n = short ? names[i]!.slice(0, 3) : names[i]!;
    if (lv.startsWith(n)) return [i, v.slice(n.length)];
  }
  return undefined;
}

export function daysFromCivil(y: number, m: number, d: number): number {
  // Howard Hinnant's days_from_civil; m is 1..12.
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

export function daysIn(month: number, year: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

export function fractionToMs(digits: string): number {
  return Number((digits + '000').slice(0, 3));
}

export function parseNumericZone(v: string, std: Std): [number, string] | undefined {
  const sign = v[0];
  if (sign !== '+' && sign !== '-') return undefined;
  let hh: string;
  let mm = '00';
  let ss = '00';
  let rest: string;
  const colon = std === 'ISO8601ColonTZ' || std === 'numColonTZ' || std === 'ISO8601ColonSecondsTZ' || std === 'numColonSecondsTZ';
  const withSeconds = std === 'ISO8601SecondsTZ' || std === 'numSecondsTz' || std === 'ISO8601ColonSecondsTZ' || std === 'numColonSecondsTZ';
  const short = std === 'ISO8601ShortTZ' || std === 'numShortTZ';
  if (short) {
    if (v.length < 3) return undefined;
    hh = v.slice(1, 3);
    rest = v.slice(3);
  } else if (colon) {
    const n = withSeconds ? 9 : 6;
    if (v.length < n || v[3] !== ':' || (withSeconds && v[6] !== ':')) return undefined;
    hh = v.slice(1, 3);
    mm = v.slice(4, 6);
    if (withSeconds) ss = v.slice(7, 9);
    rest = v.slice(n);
  } else {
    const n = withSeconds ? 7 : 5;
    if (v.length < n) return undefined;
    hh = v.slice(1, 3);
    mm = v.slice(3, 5);
    if (withSeconds) ss = v.slice(5, 7);
    rest = v.slice(n);
  }
  if (!/^[0-9]{2}$/.test(hh) || !/^[0-9]{2}$/.test(mm) || !/^[0-9]{2}$/.test(ss)) return undefined;
  const h = Number(hh);
  const m = Number(mm);
  const s = Number(ss);
  if (h > 24 || m > 60 || s > 60) return undefined; // Go's range check for zone offsets
  const off = h * 3600 + m * 60 + s;
  return [sign === '-' ? -off : off, rest];
}
