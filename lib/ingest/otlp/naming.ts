/**
 * OTLP metric and attribute names -> Prometheus names, following prometheus/otlptranslator (the code behind
 * Prometheus' `otlp.translation_strategy`). Three strategies, named as in Prometheus:
 *   UnderscoreEscapingWithoutSuffixes  (this gateway's default) invalid characters become `_`, no suffixes.
 *   UnderscoreEscapingWithSuffixes     (Prometheus' default) also unit suffixes (`_seconds`, `_bytes`,
 *                                      `_per_second`), `_total` for monotonic sums, `_ratio` for unit "1" gauges.
 *   NoTranslation                      names kept verbatim (VictoriaMetrics' default; receivers that only accept
 *                                      legacy names reject dotted names).
 * Every function returns a name, or throws nothing and returns `{ error }` so the caller can reject the item.
 */
export type OtlpTranslationStrategy =
  | 'UnderscoreEscapingWithoutSuffixes'
  | 'UnderscoreEscapingWithSuffixes'
  | 'NoTranslation';

export const TRANSLATION_STRATEGIES: readonly OtlpTranslationStrategy[] = [
  'UnderscoreEscapingWithoutSuffixes',
  'UnderscoreEscapingWithSuffixes',
  'NoTranslation',
];

/** The Prometheus type a metric maps to; only suffix rules look at it. */
export type PromKind = 'gauge' | 'counter' | 'histogram' | 'summary';

export type NameResult = { name: string; error?: undefined } | { name?: undefined; error: string };

const UNIT_MAP: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};

const PER_UNIT_MAP: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

const VALID_METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const VALID_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// Per code point (the `u` flag), as Go's regexp works on runes: one `_` per invalid character.
const INVALID_LABEL_CHAR = /[^a-zA-Z0-9_]/gu;
const INVALID_METRIC_RUN = /[^a-zA-Z0-9:_]+/u;
const NOT_METRIC_TOKEN_RUN = /[^a-zA-Z0-9:]+/u;

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function onlyUnderscores(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s[i] !== '_') return false;
  return true;
}

function fields(s: string, sep: RegExp): string[] {
  return s.split(sep).filter((t) => t !== '');
}

/** Attribute key -> label name (otlptranslator LabelNamer with UTF8Allowed=false). */
export function translateLabelName(key: string, strategy: OtlpTranslationStrategy): NameResult {
  if (key === '') return { error: 'attribute with an empty key' };
  if (strategy === 'NoTranslation') return { name: key };
  if (VALID_LABEL_NAME.test(key) && key[0] !== '_') return { name: key };
  let n = key.replace(INVALID_LABEL_CHAR, '_');
  // Compatibility with Prometheus: a leading digit gets `key_`, a single leading underscore gets `key`
  // (names starting with `__` are reserved and kept).
  if (isDigit(n[0])) n = 'key_' + n;
  else if (n.startsWith('_') && !n.startsWith('__')) n = 'key' + n;
  if (n !== key && onlyUnderscores(n)) return { error: `attribute key ${JSON.stringify(key)} translates to the invalid label name "${n}"` };
  return { name: n };
}

function unitSuffixes(unit: string): { main: string; per: string } {
  const slash = unit.indexOf('/');
  const mainRaw = (slash < 0 ? unit : unit.slice(0, slash)).trim();
  const perRaw = slash < 0 ? '' : unit.slice(slash + 1).trim();
  let main = '';
  let per = '';
  if (mainRaw !== '' && !/[{}]/.test(mainRaw)) main = UNIT_MAP[mainRaw] ?? mainRaw;
  if (perRaw !== '' && !/[{}]/.test(perRaw)) {
    const p = PER_UNIT_MAP[perRaw] ?? perRaw;
    if (p !== '') per = 'per_' + p;
  }
  return { main: cleanUnit(main), per: cleanUnit(per) };
}

function cleanUnit(u: string): string {
  return u.replace(/[^a-zA-Z0-9:]/gu, '_').replace(/__+/g, '_').replace(/^_/, '');
}

function normalizeWithSuffixes(name: string, unit: string, kind: PromKind): string {
  let tokens = fields(name, NOT_METRIC_TOKEN_RUN);
  const { main, per: perRaw } = unitSuffixes(unit);
  let mainSuffix = tokens.includes(main) ? '' : main;
  let per = perRaw === 'per_' ? '' : perRaw.replace(/_$/, '');
  if (tokens.includes(per)) per = '';
  if (per !== '') mainSuffix = mainSuffix.replace(/_$/, '');
  if (mainSuffix !== '') tokens.push(mainSuffix);
  if (per !== '') tokens.push(per);
  if (kind === 'counter') tokens = [...tokens.filter((t) => t !== 'total'), 'total'];
  if (unit === '1' && kind === 'gauge') tokens = [...tokens.filter((t) => t !== 'ratio'), 'ratio'];
  const n = tokens.join('_');
  return isDigit(n[0]) ? '_' + n : n;
}

/** Metric name (plus unit and Prometheus type for the suffix rules) -> metric name. */
export function translateMetricName(
  name: string,
  unit: string,
  kind: PromKind,
  strategy: OtlpTranslationStrategy,
): NameResult {
  if (name === '') return { error: 'metric without a name' };
  if (strategy === 'NoTranslation') return { name };
  let n: string;
  if (strategy === 'UnderscoreEscapingWithSuffixes') {
    n = normalizeWithSuffixes(name, unit, kind);
  } else if (VALID_METRIC_NAME.test(name)) {
    n = name;
  } else {
    n = fields(name, INVALID_METRIC_RUN).join('_');
    if (isDigit(n[0])) n = '_' + n;
  }
  if (n === '') return { error: `metric name ${JSON.stringify(name)} translates to an empty name` };
  if (n !== name && onlyUnderscores(n)) return { error: `metric name ${JSON.stringify(name)} translates to the invalid name "${n}"` };
  return { name: n };
}
