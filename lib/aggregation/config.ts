import { ConfigError } from '../errors.ts';
import { compileRelabelConfigs, parseSelector, NotationError, RegexSyntaxError, type CompiledRelabel, type Selector } from '../relabel/index.ts';
import { describe } from '../relabel/config-read.ts';
import { parseGoDuration } from './duration.ts';

/**
 * vmagent's `-streamAggr.config` rule list (lib/streamaggr Config, v1.151.0), validated with path-precise
 * errors: `stream_aggregation[2].outputs[1]: unknown output "foo"`. Keys are the same as vmagent's and unknown
 * keys are errors (vmagent unmarshals strictly too). Durations use Go's syntax, as vmagent does.
 */

export const OUTPUT_KINDS = [
  'avg',
  'count_samples',
  'count_series',
  'histogram_bucket',
  'increase',
  'increase_prometheus',
  'last',
  'max',
  'min',
  'quantiles',
  'rate_avg',
  'rate_sum',
  'stddev',
  'stdvar',
  'sum_samples',
  'sum_samples_total',
  'total',
  'total_prometheus',
  'unique_samples',
] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];

export interface OutputSpec {
  /** As written in `outputs` (`quantiles(0.5, 0.9)`). */
  readonly text: string;
  readonly kind: OutputKind;
  /** quantiles only, in the written order. */
  readonly phis: readonly number[];
}

/**
 * Defaults for every rule: vmagent's `-streamAggr.*` flags, plus its library Options that have no flag
 * (noAlignFlushToInterval, flushOnShutdown, keepMetricNames). A rule's own key wins.
 */
export interface AggregationDefaults {
  /** `-streamAggr.dedupInterval`, milliseconds; 0 = off. */
  dedupIntervalMs?: number;
  dropInputLabels?: readonly string[];
  noAlignFlushToInterval?: boolean;
  flushOnShutdown?: boolean;
  keepMetricNames?: boolean;
  ignoreOldSamples?: boolean;
  ignoreFirstIntervals?: number;
  /** `-streamAggr.keepInput`: only checked here (it cannot be combined with keep_metric_names). */
  keepInput?: boolean;
}

export interface AggregationRule {
  readonly index: number;
  /** `stream_aggregation[2]`. */
  readonly path: string;
  readonly name: string | undefined;
  /** Any selector may match; undefined = every series. */
  readonly match: readonly Selector[] | undefined;
  /** As written: it is part of the output names (`foo:1m_sum_samples`). */
  readonly interval: string;
  readonly intervalMs: number;
  /** 0 = no deduplication. */
  readonly dedupIntervalMs: number;
  readonly stalenessIntervalMs: number;
  readonly ignoreFirstSampleIntervalMs: number;
  readonly alignFlushToInterval: boolean;
  readonly flushOnShutdown: boolean;
  readonly outputs: readonly OutputSpec[];
  readonly keepMetricNames: boolean;
  readonly ignoreOldSamples: boolean;
  readonly ignoreFirstIntervals: number;
  /** Sorted, unique; `__name__` first when by is set (vmagent adds it). */
  readonly by: readonly string[];
  /** Sorted, unique. */
  readonly without: readonly string[];
  readonly aggregateOnlyByTime: boolean;
  readonly dropInputLabels: readonly string[];
  readonly inputRelabel: CompiledRelabel | undefined;
  readonly outputRelabel: CompiledRelabel | undefined;
  /** `:<interval>[_by_<labels>][_without_<labels>]_`, followed by the output's name. */
  readonly suffix: string;
  /** Identifies the effective rule; a snapshot restores only into a rule with the same fingerprint. */
  readonly fingerprint: string;
}

const KEYS = [
  'name',
  'match',
  'interval',
  'no_align_flush_to_interval',
  'flush_on_shutdown',
  'dedup_interval',
  'staleness_interval',
  'ignore_first_sample_interval',
  'outputs',
  'keep_metric_names',
  'ignore_old_samples',
  'ignore_first_intervals',
  'by',
  'without',
  'drop_input_labels',
  'input_relabel_configs',
  'output_relabel_configs',
  'enable_windows',
];

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class RuleReader {
  readonly raw: Record<string, unknown>;
  readonly path: string;
  readonly problems: string[];
  constructor(raw: Record<string, unknown>, path: string, problems: string[]) {
    this.raw = raw;
    this.path = path;
    this.problems = problems;
  }
  get(k: string): unknown {
    return this.raw[k] === null ? undefined : this.raw[k];
  }
  fail(k: string, msg: string): undefined {
    this.problems.push(`${this.path}.${k}: ${msg}`);
    return undefined;
  }
  str(k: string): string | undefined {
    const v = this.get(k);
    if (v === undefined) return undefined;
    if (typeof v === 'string') return v;
    // vmagent's YAML decoder reads an unquoted scalar into a string field as its text.
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return this.fail(k, `must be a string, got ${describe(v)}`);
  }
  bool(k: string): boolean | undefined {
    const v = this.get(k);
    if (v === undefined) return undefined;
    if (typeof v === 'boolean') return v;
    return this.fail(k, `must be true or false, got ${describe(v)}`);
  }
  strList(k: string): string[] | undefined {
    const v = this.get(k);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) return this.fail(k, `must be a list of strings, got ${describe(v)}`);
    const out: string[] = [];
    v.forEach((item, i) => {
      if (typeof item === 'string' && item !== '') out.push(item);
      else this.problems.push(`${this.path}.${k}[${i}]: must be a non-empty string, got ${describe(item)}`);
    });
    return out;
  }
  duration(k: string): { text: string; ms: number } | undefined {
    const text = this.str(k);
    if (text === undefined || text === '') return undefined;
    const ms = parseGoDuration(text);
    if (ms === undefined || ms < 0) return this.fail(k, `cannot parse duration ${JSON.stringify(text)} (Go syntax, e.g. 30s, 1m, 1h30m)`);
    return { text, ms };
  }
}

/** strconv.FormatFloat(phi, 'g', -1, 64) for phi in [0, 1]: the `quantile` label value vmagent writes. */
export function formatPhi(phi: number): string {
  if (phi !== 0 && Math.abs(phi) < 1e-4) {
    const [mant, exp] = phi.toExponential().split('e') as [string, string];
    const n = Number(exp);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(phi);
}

const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function readOutputs(r: RuleReader): OutputSpec[] {
  const v = r.get('outputs');
  if (v === undefined || (Array.isArray(v) && v.length === 0)) {
    r.fail('outputs', `must list at least one output (${OUTPUT_KINDS.map((k) => (k === 'quantiles' ? 'quantiles(phi1, ..., phiN)' : k)).join(', ')})`);
    return [];
  }
  if (!Array.isArray(v)) {
    r.fail('outputs', `must be a list of output names, got ${describe(v)}`);
    return [];
  }
  const out: OutputSpec[] = [];
  const seen = new Set<string>();
  v.forEach((item, i) => {
    const at = `outputs[${i}]`;
    if (typeof item !== 'string') return r.fail(at, `must be an output name, got ${describe(item)}`);
    if (seen.has(item)) return r.fail(at, `duplicate output "${item}"`);
    seen.add(item);
    if (item.startsWith('quantiles(')) {
      if (!item.endsWith(')')) return r.fail(at, `missing closing ")" in ${JSON.stringify(item)}`);
      const args = item.slice('quantiles('.length, -1);
      if (args.trim() === '') return r.fail(at, '`quantiles()` needs at least one phi');
      if (seen.has('quantiles')) return r.fail(at, 'only one quantiles(...) output per rule; list every phi in it, e.g. quantiles(0.5, 0.9)');
      seen.add('quantiles');
      const phis: number[] = [];
      for (const a of args.split(',')) {
        const t = a.trim();
        if (!FLOAT_RE.test(t)) return r.fail(at, `cannot parse phi ${JSON.stringify(t)} in ${JSON.stringify(item)}`);
        const phi = Number(t);
        if (phi < 0 || phi > 1) return r.fail(at, `phi must be in [0..1], got ${t} in ${JSON.stringify(item)}`);
        phis.push(phi);
      }
      out.push({ text: item, kind: 'quantiles', phis });
      return;
    }
    if (!(OUTPUT_KINDS as readonly string[]).includes(item) || item === 'quantiles') {
      return r.fail(at, `unknown output ${JSON.stringify(item)} (supported: ${OUTPUT_KINDS.map((k) => (k === 'quantiles' ? 'quantiles(phi1, ..., phiN)' : k)).join(', ')})`);
    }
    out.push({ text: item, kind: item as OutputKind, phis: [] });
  });
  return out;
}

function readMatch(r: RuleReader): Selector[] | undefined {
  const v = r.get('match');
  if (v === undefined) return undefined;
  const list = Array.isArray(v) ? v : [v];
  const out: Selector[] = [];
  list.forEach((text, i) => {
    const at = Array.isArray(v) ? `match[${i}]` : 'match';
    if (typeof text !== 'string') return r.fail(at, `must be a series selector, got ${describe(text)}`);
    try {
      out.push(parseSelector(text));
    } catch (e) {
      if (e instanceof NotationError) return r.fail(at, `cannot parse series selector ${JSON.stringify(text)}: ${e.message}`);
      if (e instanceof RegexSyntaxError) return r.fail(at, `bad regex in ${JSON.stringify(text)}: ${e.description}`);
      throw e;
    }
  });
  return out;
}

function sortUnique(a: readonly string[]): string[] {
  return [...new Set(a)].sort();
}

function compileRelabel(r: RuleReader, key: string): CompiledRelabel | undefined {
  const v = r.get(key);
  if (v === undefined) return undefined;
  try {
    const c = compileRelabelConfigs(v, `${r.path}.${key}`);
    return c.rules.length > 0 ? c : undefined;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    r.problems.push(...e.problems);
    return undefined;
  }
}

function readRule(raw: unknown, index: number, path: string, defaults: AggregationDefaults, problems: string[]): AggregationRule | undefined {
  if (!isMapping(raw)) {
    problems.push(`${path}: must be a mapping (a stream aggregation rule), got ${describe(raw)}`);
    return undefined;
  }
  const before = problems.length;
  for (const k of Object.keys(raw)) {
    if (!KEYS.includes(k)) problems.push(`${path}.${k}: unknown field (allowed: ${KEYS.join(', ')})`);
  }
  const r = new RuleReader(raw, path, problems);
  const name = r.str('name');
  const match = readMatch(r);
  const interval = r.duration('interval');
  if (interval === undefined && r.get('interval') === undefined) r.fail('interval', 'required (e.g. interval: 1m)');
  if (interval !== undefined && interval.ms < 1000) r.fail('interval', `must be at least 1s, got ${interval.text}`);
  const intervalMs = interval?.ms ?? 60_000;

  const dedup = r.duration('dedup_interval');
  const dedupIntervalMs = dedup?.ms ?? defaults.dedupIntervalMs ?? 0;
  if (dedupIntervalMs > intervalMs) r.fail('dedup_interval', `${dedup?.text ?? `${dedupIntervalMs}ms`} cannot exceed interval=${interval?.text}`);
  else if (dedupIntervalMs > 0 && intervalMs % dedupIntervalMs !== 0) r.fail('dedup_interval', `interval=${interval?.text} must be a multiple of dedup_interval=${dedup?.text ?? `${dedupIntervalMs}ms`}`);

  const staleness = r.duration('staleness_interval');
  // vmagent defaults staleness_interval to the interval (consistent with MetricsQL's lookbehind window).
  const stalenessIntervalMs = staleness?.ms ?? intervalMs;
  if (staleness !== undefined && staleness.ms < intervalMs) r.fail('staleness_interval', `${staleness.text} cannot be smaller than interval=${interval?.text}`);
  const ifsi = r.duration('ignore_first_sample_interval');
  const ignoreFirstSampleIntervalMs = ifsi?.ms ?? stalenessIntervalMs;

  const noAlign = r.bool('no_align_flush_to_interval') ?? defaults.noAlignFlushToInterval ?? false;
  const flushOnShutdown = r.bool('flush_on_shutdown') ?? defaults.flushOnShutdown ?? false;
  const keepMetricNames = r.bool('keep_metric_names') ?? defaults.keepMetricNames ?? false;
  const ignoreOldSamples = r.bool('ignore_old_samples') ?? defaults.ignoreOldSamples ?? false;
  const enableWindows = r.bool('enable_windows');
  if (enableWindows === true) r.fail('enable_windows', 'aggregation windows are not supported (see docs/stream-aggregation.md); use ignore_old_samples or a dedup_interval');

  let ignoreFirstIntervals = defaults.ignoreFirstIntervals ?? 0;
  const ifi = r.get('ignore_first_intervals');
  if (ifi !== undefined) {
    if (typeof ifi === 'number' && Number.isInteger(ifi)) ignoreFirstIntervals = ifi;
    else r.fail('ignore_first_intervals', `must be an integer, got ${describe(ifi)}`);
  }

  const by = sortUnique(r.strList('by') ?? []);
  const without = sortUnique(r.strList('without') ?? []);
  if (by.length > 0 && without.length > 0) r.fail('by', '`by` and `without` cannot both be set');
  const aggregateOnlyByTime = by.length === 0 && without.length === 0;
  const byFull = !aggregateOnlyByTime && without.length === 0 ? ['__name__', ...by.filter((l) => l !== '__name__')] : by;

  const dropInputLabels = r.strList('drop_input_labels') ?? [...(defaults.dropInputLabels ?? [])];
  const outputs = readOutputs(r);
  if (keepMetricNames) {
    if (defaults.keepInput) r.fail('keep_metric_names', 'cannot be combined with keep_input (-streamAggr.keepInput): the output and input series would collide');
    if (outputs.length !== 1) r.fail('keep_metric_names', `needs exactly one output, got ${outputs.length}`);
    else if (outputs[0]!.kind === 'histogram_bucket' || (outputs[0]!.kind === 'quantiles' && outputs[0]!.phis.length > 1)) {
      r.fail('keep_metric_names', `cannot be used with ${JSON.stringify(outputs[0]!.text)}: it writes several series per group`);
    }
  }
  const inputRelabel = compileRelabel(r, 'input_relabel_configs');
  const outputRelabel = compileRelabel(r, 'output_relabel_configs');

  let suffix = ':' + (interval?.text ?? '');
  const byNames = byFull.filter((l) => l !== '__name__');
  const withoutNames = without.filter((l) => l !== '__name__');
  if (byNames.length > 0) suffix += '_by_' + byNames.join('_');
  if (withoutNames.length > 0) suffix += '_without_' + withoutNames.join('_');
  suffix += '_';

  if (problems.length > before) return undefined;
  const fingerprint = JSON.stringify({ raw, dedupIntervalMs, dropInputLabels, noAlign, flushOnShutdown, keepMetricNames, ignoreOldSamples, ignoreFirstIntervals });
  return {
    index,
    path,
    name,
    match,
    interval: interval!.text,
    intervalMs,
    dedupIntervalMs,
    stalenessIntervalMs,
    ignoreFirstSampleIntervalMs,
    alignFlushToInterval: !noAlign,
    flushOnShutdown,
    outputs,
    keepMetricNames,
    ignoreOldSamples,
    ignoreFirstIntervals,
    by: byFull,
    without,
    aggregateOnlyByTime,
    dropInputLabels,
    inputRelabel,
    outputRelabel,
    suffix,
    fingerprint,
  };
}

/**
 * Validates a `stream_aggregation` list as parsed from YAML (null/undefined = no rules). `path` names the list
 * in messages. Throws ConfigError listing every problem, each as `<path>[i].<key>: <reason>`.
 */
export function parseAggregationConfigs(raw: unknown, path = 'stream_aggregation', defaults: AggregationDefaults = {}): AggregationRule[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new ConfigError([`${path}: must be a list of stream aggregation rules, got ${describe(raw)}`]);
  const problems: string[] = [];
  const rules: AggregationRule[] = [];
  raw.forEach((item, i) => {
    const rule = readRule(item, i, `${path}[${i}]`, defaults, problems);
    if (rule) rules.push(rule);
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return rules;
}
