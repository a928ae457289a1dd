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
import { LONG_DAYS, LONG_MONTHS, type GoLayout } from './go-layout.ts';
import { daysFromCivil, daysIn, fractionToMs, getNum, isDigit, isLeap, lookupName, parseNumericZone, skipLiteral } from './go-time-parts.ts';

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
