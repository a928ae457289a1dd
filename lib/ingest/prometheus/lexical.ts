/** Character classes, keywords and small token readers of the Prometheus exposition formats (ASCII only). */
import type { MetricType } from '../../model/types.ts';
import { parseGoFloat } from './go-float.ts';

export * from './chars.ts';
import { CH_COLON, CH_LOWER_A, CH_LOWER_Z, CH_MINUS, CH_NINE, CH_PLUS, CH_SPACE, CH_TAB, CH_UNDERSCORE, CH_UPPER_A, CH_UPPER_Z, CH_ZERO } from './chars.ts';

export const METRIC_START = 1;
export const METRIC_CHAR = 2;
export const LABEL_START = 4;
export const LABEL_CHAR = 8;
/** Flags per ASCII code: METRIC_START, METRIC_CHAR, LABEL_START, LABEL_CHAR. */
export const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letter = (c >= CH_UPPER_A && c <= CH_UPPER_Z) || (c >= CH_LOWER_A && c <= CH_LOWER_Z) || c === CH_UNDERSCORE;
  const digit = c >= CH_ZERO && c <= CH_NINE;
  if (letter || c === CH_COLON) CLASS[c]! |= METRIC_START | METRIC_CHAR;
  if (digit) CLASS[c]! |= METRIC_CHAR | LABEL_CHAR;
  if (letter) CLASS[c]! |= LABEL_START | LABEL_CHAR;
}

/** TYPE words of text 0.0.4 and OpenMetrics 1.0 (`untyped` and `unknown` are the same thing). */
const TYPE_WORDS: ReadonlyArray<readonly [string, MetricType]> = [
  ['counter', 'COUNTER'],
  ['gauge', 'GAUGE'],
  ['histogram', 'HISTOGRAM'],
  ['summary', 'SUMMARY'],
  ['untyped', 'UNKNOWN'],
  ['unknown', 'UNKNOWN'],
  ['gaugehistogram', 'GAUGEHISTOGRAM'],
  ['info', 'INFO'],
  ['stateset', 'STATESET'],
];

/** The metric type spelled exactly by s[start, end), or undefined. */
export function metricTypeAt(s: string, start: number, end: number): MetricType | undefined {
  for (const [word, type] of TYPE_WORDS) {
    if (word.length === end - start && s.startsWith(word, start)) return type;
  }
  return undefined;
}

export const KW_NONE = 0;
export const KW_HELP = 1;
export const KW_TYPE = 2;
export const KW_UNIT = 3;
export const KW_EOF = 4;
export const KEYWORDS = ['', 'HELP', 'TYPE', 'UNIT', 'EOF'] as const;

/** Which comment keyword starts at p (followed by a blank or the line end). */
export function keywordAt(s: string, p: number, end: number): number {
  for (let kw = KW_HELP; kw <= KW_EOF; kw++) {
    const word = KEYWORDS[kw]!;
    const after = p + word.length;
    if (after <= end && (after === end || isBlank(s.charCodeAt(after))) && s.startsWith(word, p)) return kw;
  }
  return KW_NONE;
}

/** Blank characters between tokens: space and tab. */
export function isBlank(c: number): boolean {
  return c === CH_SPACE || c === CH_TAB;
}

/** Text 0.0.4: a signed integer of milliseconds (Go's strconv.ParseInt), within the safe integer range. */
export function parseMillisTimestamp(s: string, start: number, end: number): number | undefined {
  let p = start;
  const c = s.charCodeAt(p);
  const neg = c === CH_MINUS;
  if (c === CH_PLUS || c === CH_MINUS) p++;
  if (p === end) return undefined;
  let v = 0;
  for (; p < end; p++) {
    const d = s.charCodeAt(p) - CH_ZERO;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  if (!Number.isSafeInteger(v)) return undefined;
  return neg ? -v : v;
}

/** OpenMetrics: seconds as a float, finite; truncated to milliseconds as Prometheus does. */
export function parseSecondsTimestamp(s: string, start: number, end: number): number | undefined {
  const v = parseGoFloat(s, start, end);
  if (v === undefined || !Number.isFinite(v)) return undefined;
  const ms = Math.trunc(v * 1000);
  return Number.isSafeInteger(ms) ? ms + 0 : undefined;
}

/** HELP escapes: `\\` and `\n` in text 0.0.4; OpenMetrics adds `\"`. Other pairs are kept as written. */
export function unescapeHelp(text: string, om: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const e = text[i + 1];
    if (c === '\\' && (e === '\\' || e === 'n' || (om && e === '"'))) {
      out += e === 'n' ? '\n' : e;
      i++;
    } else {
      out += c;
    }
  }
  return out;
}
