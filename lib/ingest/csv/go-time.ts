/**
 * Go reference-layout time parsing (Go `time.Parse`), for the CSV `time:rfc3339` and `time:custom:<layout>`
 * column formats of VictoriaMetrics. Layouts are compiled once (compileGoLayout) and then applied per value.
 * Supported layout elements, as in Go: 2006 06 | January Jan 1 01 | Monday Mon | 2 02 _2 | 002 __2 |
 * 15 3 03 | 4 04 | 5 05 | PM pm | .000 .999 ,000 ,999 (any length) | MST | Z07:00 Z0700 Z07 Z07:00:00
 * Z070000 -07:00 -0700 -07 -07:00:00 -070000. Everything else is literal; a space in the layout matches a
 * run of spaces. As in Go: fractional seconds are accepted after the seconds field even when the layout has
 * none; a value without a zone is UTC; a zone abbreviation (MST) is accepted with a zero offset; days are
 * checked against the month. The result is Unix milliseconds (fractions below a millisecond truncated).
 */

type Std =
  | 'longYear' | 'year' | 'longMonth' | 'month' | 'numMonth' | 'zeroMonth' | 'longWeekDay' | 'weekDay'
  | 'day' | 'underDay' | 'zeroDay' | 'underYearDay' | 'zeroYearDay' | 'hour' | 'hour12' | 'zeroHour12'
  | 'minute' | 'zeroMinute' | 'second' | 'zeroSecond' | 'PM' | 'pm' | 'tz'
  | 'ISO8601TZ' | 'ISO8601ColonTZ' | 'ISO8601ShortTZ' | 'ISO8601SecondsTZ' | 'ISO8601ColonSecondsTZ'
  | 'numTZ' | 'numColonTZ' | 'numShortTZ' | 'numSecondsTz' | 'numColonSecondsTZ'
  | 'fracSecond0' | 'fracSecond9';

type Chunk = { lit: string } | { std: Std; text: string; digits?: number };

export interface GoLayout {
  readonly layout: string;
  readonly chunks: readonly Chunk[];
}

const LONG_MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const LONG_DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** [text, std] checked in this order at each position (Go's nextStdChunk). */
const ZONE_TOKENS: Array<[string, Std]> = [
  ['Z070000', 'ISO8601SecondsTZ'], ['Z07:00:00', 'ISO8601ColonSecondsTZ'], ['Z0700', 'ISO8601TZ'],
  ['Z07:00', 'ISO8601ColonTZ'], ['Z07', 'ISO8601ShortTZ'],
  ['-070000', 'numSecondsTz'], ['-07:00:00', 'numColonSecondsTZ'], ['-0700', 'numTZ'],
  ['-07:00', 'numColonTZ'], ['-07', 'numShortTZ'],
];

function stdAt(l: string, i: number): { std: Std; len: number; digits?: number } | undefined {
  const c = l[i];
  const has = (t: string) => l.startsWith(t, i);
  switch (c) {
    case 'J':
      if (has('January')) return { std: 'longMonth', len: 7 };
      if (has('Jan')) return { std: 'month', len: 3 };
      return undefined;
    case 'M':
      if (has('Monday')) return { std: 'longWeekDay', len: 6 };
      if (has('Mon')) return { std: 'weekDay', len: 3 };
      if (has('MST')) return { std: 'tz', len: 3 };
      return undefined;
    case '0':
      if (has('002')) return { std: 'zeroYearDay', len: 3 };
      switch (l[i + 1]) {
        case '1': return { std: 'zeroMonth', len: 2 };
        case '2': return { std: 'zeroDay', len: 2 };
        case '3': return { std: 'zeroHour12', len: 2 };
        case '4': return { std: 'zeroMinute', len: 2 };
        case '5': return { std: 'zeroSecond', len: 2 };
        case '6': return { std: 'year', len: 2 };
      }
      return undefined;
    case '1':
      if (has('15')) return { std: 'hour', len: 2 };
      return { std: 'numMonth', len: 1 };
    case '2':
      if (has('2006')) return { std: 'longYear', len: 4 };
      return { std: 'day', len: 1 };
    case '_':
      if (has('_2') && !has('_2006')) return { std: 'underDay', len: 2 };
      if (has('__2')) return { std: 'underYearDay', len: 3 };
      return undefined;
    case '3': return { std: 'hour12', len: 1 };
    case '4': return { std: 'minute', len: 1 };
    case '5': return { std: 'second', len: 1 };
    case 'P': return has('PM') ? { std: 'PM', len: 2 } : undefined;
    case 'p': return has('pm') ? { std: 'pm', len: 2 } : undefined;
    case '-':
    case 'Z':
      for (const [t, std] of ZONE_TOKENS) if (t[0] === c && has(t)) return { std, len: t.length };
      return undefined;
    case '.':
    case ',': {
      const d = l[i + 1];
      if (d === '0' || d === '9') {
        let j = i + 1;
        while (l[j] === d) j++;
        const next = l.charCodeAt(j);
        if (!(next >= 48 && next <= 57)) {
          return { std: d === '0' ? 'fracSecond0' : 'fracSecond9', len: j - i, digits: j - i - 1 };
        }
      }
      return undefined;
    }
  }
  return undefined;
}

export function compileGoLayout(layout: string): GoLayout {
  const chunks: Chunk[] = [];
  let lit = '';
  for (let i = 0; i < layout.length; ) {
    const s = stdAt(layout, i);
    if (s === undefined) {
      lit += layout[i];
      i++;
      continue;
    }
    if (lit !== '') chunks.push({ lit });
    lit = '';
    const chunk: Chunk = { std: s.std, text: layout.slice(i, i + s.len) };
    if (s.digits !== undefined) chunk.digits = s.digits;
    chunks.push(chunk);
    i += s.len;
  }
  if (lit !== '') chunks.push({ lit });
  return { layout, chunks };
}

/** Go's skip(): a space in the layout matches a run of spaces in the value. Returns the rest, or undefined. */
function skipLiteral(value: string, prefix: string): string | undefined {
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

function isDigit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

/** Go getnum / getnum3: 1..max digits (exactly max when fixed). */
function getNum(v: string, maxDigits: number, fixed: boolean): [number, string] | undefined {
  let n = 0;
  let i = 0;
  while (i < maxDigits && isDigit(v, i)) {
    n = n * 10 + (v.charCodeAt(i) - 48);
    i++;
  }
  if (i === 0 || (fixed && i < maxDigits)) return undefined;
  return [n, v.slice(i)];
}

function lookupName(v: string, names: readonly string[], short: boolean): [number, string] | undefined {
  const lv = v.toLowerCase();
  for (let i = 0; i < names.length; i++) {
    const n = short ? names[i]!.slice(0, 3) : names[i]!;
    if (lv.startsWith(n)) return [i, v.slice(n.length)];
  }
  return undefined;
}

function daysFromCivil(y: number, m: number, d: number): number {
  // Howard Hinnant's days_from_civil; m is 1..12.
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

function daysIn(month: number, year: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** Parses value with the layout; returns Unix milliseconds, or an error message in Go's words. */
export function parseGoTime(layout: GoLayout, value: string): number | string {
  let year = 0;
  let month = -1;
  let day = -1;
  let yday = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let fracMs = 0;
  let pmSet = false;
  let amSet = false;
  let offsetSec = 0;
  let v = value;
  const bad = (elem: string, rest: string, extra = '') =>
    `parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout.layout)}: cannot parse ${JSON.stringify(rest)} as ${JSON.stringify(elem)}${extra}`;
  const range = (what: string) => `parsing time ${JSON.stringify(value)}: ${what} out of range`;
  const chunks = layout.chunks;
  for (let ci = 0; ci < chunks.length; ci++) {
    const ch = chunks[ci]!;
    if ('lit' in ch) {
      const rest = skipLiteral(v, ch.lit);
      if (rest === undefined) return bad(ch.lit, v);
      v = rest;
      continue;
    }
    const hold = v;
    let r: [number, string] | undefined;
    switch (ch.std) {
      case 'year': {
        if (v.length < 2 || !isDigit(v, 0) || !isDigit(v, 1)) return bad(ch.text, hold);
        const y = Number(v.slice(0, 2));
        year = y >= 69 ? 1900 + y : 2000 + y;
        v = v.slice(2);
        break;
      }
      case 'longYear':
        if (v.length < 4 || !isDigit(v, 0) || !isDigit(v, 1) || !isDigit(v, 2) || !isDigit(v, 3)) return bad(ch.text, hold);
        year = Number(v.slice(0, 4));
        v = v.slice(4);
        break;
      case 'month':
      case 'longMonth':
        r = lookupName(v, LONG_MONTHS, ch.std === 'month');
        if (r === undefined) return bad(ch.text, hold);
        month = r[0] + 1;
        v = r[1];
        break;
      case 'numMonth':
      case 'zeroMonth':
        r = getNum(v, 2, ch.std === 'zeroMonth');
        if (r === undefined) return bad(ch.text, hold);
        if (r[0] < 1 || r[0] > 12) return range('month');
        month = r[0];
        v = r[1];
        break;
      case 'weekDay':
      case 'longWeekDay':
        r = lookupName(v, LONG_DAYS, ch.std === 'weekDay');
        if (r === undefined) return bad(ch.text, hold);
        v = r[1];
        break;
      case 'day':
      case 'underDay':
      case 'zeroDay':
        if (ch.std === 'underDay' && v[0] === ' ') v = v.slice(1);
        r = getNum(v, 2, ch.std === 'zeroDay');
        if (r === undefined) return bad(ch.text, hold);
        day = r[0];
        v = r[1];
        break;
      case 'underYearDay':
      case 'zeroYearDay':
        for (let k = 0; k < 2 && ch.std === 'underYearDay' && v[0] === ' '; k++) v = v.slice(1);
        r = getNum(v, 3, ch.std === 'zeroYearDay');
        if (r === undefined) return bad(ch.text, hold);
        if (r[0] < 1 || r[0] > 366) return range('day-of-year');
        yday = r[0];
        v = r[1];
        break;
      case 'hour':
        r = getNum(v, 2, false);
        if (r === undefined) return bad(ch.text, hold);
        if (r[0] > 23) return range('hour');
        hour = r[0];
        v = r[1];
        break;
      case 'hour12':
      case 'zeroHour12':
        r = getNum(v, 2, ch.std === 'zeroHour12');
        if (r === undefined) return bad(ch.text, hold);
        if (r[0] > 12) return range('hour');
        hour = r[0];
        v = r[1];
        break;
      case 'minute':
      case 'zeroMinute':
        r = getNum(v, 2, ch.std === 'zeroMinute');
        if (r === undefined) return bad(ch.text, hold);
        if (r[0] > 59) return range('minute');
        min = r[0];
        v = r[1];
        break;
      case 'second':
      case 'zeroSecond': {
        r = getNum(v, 2, ch.std === 'zeroSecond');
        if (r === undefined) return bad(ch.text, hold);
        if (r[0] > 59) return range('second');
        sec = r[0];
        v = r[1];
        // Go: fractional seconds may follow even when the layout does not ask for them.
        const next = chunks[ci + 1];
        const nextIsFrac = next !== undefined && 'std' in next && (next.std === 'fracSecond0' || next.std === 'fracSecond9');
        if (!nextIsFrac && v.length >= 2 && (v[0] === '.' || v[0] === ',') && isDigit(v, 1)) {
          let j = 1;
          while (isDigit(v, j)) j++;
          fracMs = fractionToMs(v.slice(1, j));
          v = v.slice(j);
        }
        break;
      }
      case 'PM':
      case 'pm': {
        const p = v.slice(0, 2);
        const want = ch.std === 'PM' ? ['AM', 'PM'] : ['am', 'pm'];
        if (p === want[1]) pmSet = true;
        else if (p === want[0]) amSet = true;
        else return bad(ch.text, hold);
        v = v.slice(2);
        break;
      }
      case 'fracSecond0': {
        const n = ch.digits!;
        if (v.length < n + 1 || (v[0] !== '.' && v[0] !== ',')) return bad(ch.text, hold);
        const digits = v.slice(1, n + 1);
        if (!/^[0-9]+$/.test(digits)) return bad(ch.text, hold);
        fracMs = fractionToMs(digits);
        v = v.slice(n + 1);
        break;
      }
      case 'fracSecond9': {
        if (v.length < 2 || (v[0] !== '.' && v[0] !== ',') || !isDigit(v, 1)) break; // optional
        let j = 1;
        while (isDigit(v, j)) j++;
        fracMs = fractionToMs(v.slice(1, j));
        v = v.slice(j);
        break;
      }
      case 'tz': {
        if (v.startsWith('UTC')) {
          v = v.slice(3);
          break;
        }
        const m = /^[A-Z]{3,5}/.exec(v);
        if (m === null || (m[0].length > 3 && !m[0].endsWith('T'))) return bad(ch.text, hold);
        v = v.slice(m[0].length); // abbreviation with a zero offset, as Go fabricates for unknown zones
        break;
      }
      default: {
        // Zones: ISO8601* accept Z for UTC; num* need a sign.
        if (ch.std.startsWith('ISO8601') && v[0] === 'Z') {
          v = v.slice(1);
          offsetSec = 0;
          break;
        }
        const z = parseNumericZone(v, ch.std);
        if (z === undefined) return bad(ch.text, hold);
        offsetSec = z[0];
        v = z[1];
      }
    }
  }
  if (v.length > 0) return `parsing time ${JSON.stringify(value)}: extra text: ${JSON.stringify(v)}`;
  if (pmSet && hour < 12) hour += 12;
  else if (amSet && hour === 12) hour = 0;
  if (yday >= 0) {
    let m = 0;
    let d = yday;
    if (yday > (isLeap(year) ? 366 : 365)) return range('day-of-year');
    for (m = 1; m <= 12 && d > daysIn(m, year); m++) d -= daysIn(m, year);
    if (month >= 0 && month !== m) return `parsing time ${JSON.stringify(value)}: day-of-year does not match month`;
    if (day >= 0 && day !== d) return `parsing time ${JSON.stringify(value)}: day-of-year does not match day`;
    month = m;
    day = d;
  }
  if (month < 0) month = 1;
  if (day < 0) day = 1;
  if (day < 1 || day > daysIn(month, year)) return range('day');
  const days = daysFromCivil(year, month, day);
  return ((days * 86400 + hour * 3600 + min * 60 + sec - offsetSec) * 1000) + fracMs;
}

function fractionToMs(digits: string): number {
  return Number((digits + '000').slice(0, 3));
}

function parseNumericZone(v: string, std: Std): [number, string] | undefined {
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
