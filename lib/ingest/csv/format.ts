/**
 * The CSV `format` query arg of VictoriaMetrics `/api/v1/import/csv`: comma-separated entries
 * `<column_pos>:<column_type>:<extension>`, where column_pos starts at 1 (at most MAX_CSV_COLUMNS) and
 * column_type is one of
 *   metric:<name>   the column holds a value of the metric <name>
 *   label:<name>    the column holds the value of label <name>
 *   time:<format>   the column holds the timestamp: unix_s, unix_ms, unix_ns, rfc3339, custom:<Go layout>
 * At least one metric column, at most one time column, no position twice. Errors are BadRequestError (400)
 * naming the entry, in VictoriaMetrics' words. Columns not described are ignored.
 */
import { BadRequestError } from '../../errors.ts';
import { compileGoLayout } from './go-layout.ts';
import { parseGoTime } from './go-time.ts';

export const MAX_CSV_COLUMNS = 64 * 1024;

/** Parses a timestamp column value to Unix milliseconds, or returns an error message. */
export type CsvTimeParser = (s: string) => number | string;

export type CsvColumn =
  | { kind: 'time'; parse: CsvTimeParser }
  | { kind: 'label'; name: string }
  | { kind: 'metric'; name: string };

/** Indexed by column position - 1; undefined for columns the format does not mention. */
export type CsvColumns = ReadonlyArray<CsvColumn | undefined>;

const RFC3339 = '2006-01-02T15:04:05Z07:00';

function bad(message: string): never {
  throw new BadRequestError(`csv: cannot parse the provided csv format: ${message}`, 'bad_csv_format');
}

export function parseCsvFormat(format: string | null | undefined): CsvColumns {
  if (format === null || format === undefined || format === '') bad('missing `format` query arg, e.g. format=1:metric:foo,2:label:host,3:time:unix_s');
  const byPos = new Map<number, CsvColumn>();
  let hasMetric = false;
  let hasTime = false;
  let maxPos = 0;
  const entries = format.split(',');
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const where = `entry #${i + 1} ${JSON.stringify(entry)}`;
    const a = splitN3(entry);
    if (a === undefined) bad(`${where} must have the form <column_pos>:<column_type>:<extension>`);
    const [posText, type, ext] = a;
    if (!/^[+-]?[0-9]+$/.test(posText)) bad(`cannot parse <column_pos> from ${where}`);
    const pos = Number(posText);
    if (pos <= 0) bad(`<column_pos> cannot be smaller than 1; got ${pos} for ${where}`);
    if (pos > MAX_CSV_COLUMNS) bad(`<column_pos> cannot be bigger than ${MAX_CSV_COLUMNS}; got ${pos} for ${where}`);
    let col: CsvColumn;
    switch (type) {
      case 'time': {
        if (hasTime) bad(`duplicate time column at ${where}`);
        const parse = timeParser(ext);
        if (typeof parse === 'string') bad(`cannot parse time format from ${where}: ${parse}`);
        col = { kind: 'time', parse };
        hasTime = true;
        break;
      }
      case 'label':
        if (ext === '') bad(`label name cannot be empty in ${where}`);
        col = { kind: 'label', name: ext };
        break;
      case 'metric':
        if (ext === '') bad(`metric name cannot be empty in ${where}`);
        col = { kind: 'metric', name: ext };
        hasMetric = true;
        break;
      default:
        bad(`unknown <column_type> ${JSON.stringify(type)} in ${where}; allowed values: time, metric, label`);
    }
    if (byPos.has(pos)) bad(`duplicate <column_pos> ${pos} for ${where}`);
    byPos.set(pos, col);
    if (pos > maxPos) maxPos = pos;
  }
  if (!hasMetric) bad(`missing 'metric' column in ${JSON.stringify(format)}`);
  const cols: Array<CsvColumn | undefined> = new Array(maxPos).fill(undefined);
  for (const [pos, col] of byPos) cols[pos - 1] = col;
  return cols;
}

function splitN3(s: string): [string, string, string] | undefined {
  const a = s.indexOf(':');
  if (a < 0) return undefined;
  const b = s.indexOf(':', a + 1);
  if (b < 0) return undefined;
  return [s.slice(0, a), s.slice(a + 1, b), s.slice(b + 1)];
}

function timeParser(format: string): CsvTimeParser | string {
  if (format.startsWith('custom:')) {
    const layout = compileGoLayout(format.slice('custom:'.length));
    return (s) => {
      const t = parseGoTime(layout, s);
      return typeof t === 'number' ? t : `cannot parse time in custom format: ${t}`;
    };
  }
  switch (format) {
    case 'unix_s':
      return parseUnixSeconds;
    case 'unix_ms':
      return parseUnixMilliseconds;
    case 'unix_ns':
      return parseUnixNanoseconds;
    case 'rfc3339': {
      const layout = compileGoLayout(RFC3339);
      return (s) => {
        const t = parseGoTime(layout, s);
        return typeof t === 'number' ? t : `cannot parse time in RFC3339: ${t}`;
      };
    }
    default:
      return `unknown format for time parsing: ${JSON.stringify(format)}; supported formats: unix_s, unix_ms, unix_ns, rfc3339, custom:<layout>`;
  }
}

const INT_RE = /^-?[0-9]+$/;

function parseUnixSeconds(s: string): number | string {
  if (!INT_RE.test(s)) return `cannot parse unix timestamp in seconds from ${JSON.stringify(s)}`;
  const ms = Number(s) * 1000;
  if (!Number.isSafeInteger(ms)) return `too big unix timestamp in seconds: ${s}`;
  return ms;
}

function parseUnixMilliseconds(s: string): number | string {
  if (!INT_RE.test(s)) return `cannot parse unix timestamp in milliseconds from ${JSON.stringify(s)}`;
  const ms = Number(s);
  if (!Number.isSafeInteger(ms)) return `too big unix timestamp in milliseconds: ${s}`;
  return ms;
}

/** Nanoseconds to milliseconds by dropping the last six digits (Go's truncating division), exact for int64. */
function parseUnixNanoseconds(s: string): number | string {
  if (!INT_RE.test(s)) return `cannot parse unix timestamp in nanoseconds from ${JSON.stringify(s)}`;
  const neg = s.charCodeAt(0) === 45;
  const digits = neg ? s.slice(1) : s;
  const msDigits = digits.length > 6 ? digits.slice(0, -6) : '0';
  const ms = Number(msDigits);
  if (!Number.isSafeInteger(ms)) return `too big unix timestamp in nanoseconds: ${s}`;
  return neg && ms !== 0 ? -ms : ms;
}
