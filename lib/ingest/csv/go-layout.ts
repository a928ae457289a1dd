/**
 * Go reference layouts (as in Go's time/format.go nextStdChunk) compiled into chunks once; parseGoTime
 * (go-time.ts) applies them. See go-time.ts for the supported elements.
 */

export type Std =
  | 'longYear' | 'year' | 'longMonth' | 'month' | 'numMonth' | 'zeroMonth' | 'longWeekDay' | 'weekDay'
  | 'day' | 'underDay' | 'zeroDay' | 'underYearDay' | 'zeroYearDay' | 'hour' | 'hour12' | 'zeroHour12'
  | 'minute' | 'zeroMinute' | 'second' | 'zeroSecond' | 'PM' | 'pm' | 'tz'
  | 'ISO8601TZ' | 'ISO8601ColonTZ' | 'ISO8601ShortTZ' | 'ISO8601SecondsTZ' | 'ISO8601ColonSecondsTZ'
  | 'numTZ' | 'numColonTZ' | 'numShortTZ' | 'numSecondsTz' | 'numColonSecondsTZ'
  | 'fracSecond0' | 'fracSecond9';

export type Chunk = { lit: string } | { std: Std; text: string; digits?: number };

export interface GoLayout {
  readonly layout: string;
  readonly chunks: readonly Chunk[];
}

export const LONG_MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
export const LONG_DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

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
