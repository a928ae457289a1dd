import { excerpt } from '../../errors.ts';
import { LineErrorCollector } from '../common/line-errors.ts';
import { METRIC_NAME_LABEL } from '../../model/labels.ts';
import { histogramProblem } from '../../model/histogram-check.ts';
import type { Exemplar, Label, TimeSeries } from '../../model/types.ts';
import type { LineError } from '../types.ts';
import {
  FLAG_NO_RECORDED_VALUE,
  TEMPORALITY_CUMULATIVE,
  TEMPORALITY_DELTA,
  type Attribute,
  type ExponentialHistogramPoint,
  type HistogramPoint,
  type MetricModel,
  type NumberPoint,
  type PointBase,
  type ResourceModel,
  type SummaryPoint,
} from './model.ts';
import { formatFloatPlain } from './format.ts';
import { convertExemplars, exponentialToNative } from './native.ts';
import { translateLabelName, translateMetricName, type NameResult, type OtlpTranslationStrategy, type PromKind } from './naming.ts';
import { pointLabelsFrom, SeriesSet, type PointLabels } from './series-set.ts';
import { DeltaSeriesSet } from './delta.ts';

export interface TranslateOptions {
  /** Milliseconds since the epoch, used for points whose time_unix_nano is 0. */
  now: number;
  strategy: OtlpTranslationStrategy;
  /** Resource attribute keys copied onto every series of the resource (Prometheus `promote_resource_attributes`). */
  promoteResourceAttributes: ReadonlySet<string>;
  /** Copy every resource attribute onto every series (what VictoriaMetrics does). */
  promoteAllResourceAttributes: boolean;
  /** Emit `target_info` per resource, as Prometheus does. */
  targetInfo: boolean;
  /** Translate delta sums and histograms too (`otlp.delta_to_cumulative`), into TranslateResult.delta; else they are rejected. */
  acceptDelta?: boolean;
}

export interface TranslateResult {
  series: TimeSeries[];
  /** The first MAX_LISTED_LINE_ERRORS problems; `errorCount` counts all of them. */
  errors: LineError[];
  errorCount: number;
  /** Data points dropped (OTLP partial_success.rejected_data_points counts these). */
  rejectedPoints: number;
  /** Data deliberately not carried, by reason (gauge exemplars: Prometheus does not attach them either). */
  drops: Record<string, number>;
  /** With acceptDelta: the series (objects of `series`) of delta metrics, still delta: the durable conversion takes them. */
  delta?: ReadonlySet<TimeSeries>;
}

const SERVICE_NAME = 'service.name';
const SERVICE_NAMESPACE = 'service.namespace';
const SERVICE_INSTANCE_ID = 'service.instance.id';

interface ResourceContext {
  job: string | undefined;
  instance: string | undefined;
  promoted: Label[];
}

function findAttr(attrs: readonly Attribute[], key: string): string | undefined {
  for (const a of attrs) if (a.key === key) return a.value;
  return undefined;
}

function byKey(a: Attribute, b: Attribute): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Attribute key -> label name, memoised for one request (keys repeat on every point). */
type LabelNamer = (key: string) => NameResult;

function labelNamer(strategy: OtlpTranslationStrategy): LabelNamer {
  const cache = new Map<string, NameResult>();
  return (key) => {
    let r = cache.get(key);
    if (r === undefined) {
      r = translateLabelName(key, strategy);
      cache.set(key, r);
    }
    return r;
  };
}

/**
 * Attributes -> labels the way Prometheus' createAttributes does: keys sorted, translated, values of keys
 * that collide after translation joined with `;` in key order. Returns the error text for a bad key.
 */
function attributeLabels(attrs: readonly Attribute[], names: LabelNamer, into: Map<string, string>): string | undefined {
  let sorted = attrs;
  for (let i = 1; i < attrs.length; i++) {
    if (attrs[i - 1]!.key > attrs[i]!.key) {
      sorted = [...attrs].sort(byKey);
      break;
    }
  }
  for (const a of sorted) {
    const r = names(a.key);
    if (r.error !== undefined) return r.error;
    const prev = into.get(r.name);
    into.set(r.name, prev === undefined ? a.value : prev + ';' + a.value);
  }
  return undefined;
}

function resourceContext(res: ResourceModel, opts: TranslateOptions, names: LabelNamer): { ctx: ResourceContext; error?: string } {
  const name = findAttr(res.attributes, SERVICE_NAME);
  const ns = findAttr(res.attributes, SERVICE_NAMESPACE);
  const ctx: ResourceContext = {
    job: name === undefined ? undefined : ns !== undefined && ns !== '' ? `${ns}/${name}` : name,
    instance: findAttr(res.attributes, SERVICE_INSTANCE_ID),
    promoted: [],
  };
  if (opts.promoteAllResourceAttributes || opts.promoteResourceAttributes.size > 0) {
    const chosen = opts.promoteAllResourceAttributes
      ? res.attributes
      : res.attributes.filter((a) => opts.promoteResourceAttributes.has(a.key));
    const m = new Map<string, string>();
    const error = attributeLabels(chosen, names, m);
    if (error !== undefined) return { ctx, error: `resource attribute: ${error}` };
    for (const [n, v] of m) ctx.promoted.push({ name: n, value: v });
  }
  return { ctx };
}

/** The labels of one data point without `__name__`, or an error text. */
function pointLabels(p: PointBase, ctx: ResourceContext, names: LabelNamer): PointLabels | string {
  const m = new Map<string, string>();
  const error = attributeLabels(p.attributes, names, m);
  if (error !== undefined) return error;
  for (const l of ctx.promoted) if (!m.has(l.name)) m.set(l.name, l.value);
  if (ctx.job !== undefined) m.set('job', ctx.job);
  if (ctx.instance !== undefined) m.set('instance', ctx.instance);
  return pointLabelsFrom(m);
}

function promKind(m: MetricModel): PromKind {
  switch (m.data.kind) {
    case 'sum':
      return m.data.monotonic ? 'counter' : 'gauge';
    case 'histogram':
    case 'exponentialHistogram':
      return 'histogram';
    case 'summary':
      return 'summary';
    default:
      return 'gauge';
  }
}

function pointCount(m: MetricModel): number {
  const d = m.data;
  if (d.kind === 'none') return 0;
  return d.points.length;
}

function temporalityName(t: number): string {
  return t === TEMPORALITY_DELTA ? 'delta' : t === 0 ? 'unspecified' : `unknown (${t})`;
}

function nameLabel(value: string): Label {
  return { name: METRIC_NAME_LABEL, value };
}

/** `__name__` labels of one metric and its `le`/`quantile` labels by bound, shared by all its series. */
class MetricLabels {
  readonly plain: Label;
  readonly sum: Label;
  readonly count: Label;
  readonly bucket: Label;
  private readonly extras = new Map<number, Label>();
  private readonly extraName: string;
  constructor(name: string, extraName: string) {
    this.plain = nameLabel(name);
    this.sum = nameLabel(name + '_sum');
    this.count = nameLabel(name + '_count');
    this.bucket = nameLabel(name + '_bucket');
    this.extraName = extraName;
  }
  extra(bound: number): Label {
    let l = this.extras.get(bound);
    if (l === undefined) {
      l = { name: this.extraName, value: formatFloatPlain(bound) };
      this.extras.set(bound, l);
    }
    return l;
  }
}

/** Translates decoded OTLP resources into Prometheus series (see docs/otlp-datadog.md for every rule). */
export function translateOtlp(resources: readonly ResourceModel[], opts: TranslateOptions): TranslateResult {
  const cumulativeSet = new SeriesSet();
  const deltaSet = opts.acceptDelta ? new DeltaSeriesSet() : undefined;
  const names = labelNamer(opts.strategy);
  const errors = new LineErrorCollector();
  let rejectedPoints = 0;
  let gaugeExemplars = 0;
  let ordinal = 0;

  for (const res of resources) {
    const { ctx, error: resourceError } = resourceContext(res, opts, names);
    let latest = 0;
    for (const m of res.metrics) {
      ordinal++;
      const n = pointCount(m);
      const reject = (reason: string, points: number, what: unknown): void => {
        rejectedPoints += points;
        const line = ordinal;
        errors.add(() => {
          const quoted = typeof what === 'string' ? what : (JSON.stringify(what) ?? '');
          return { line, reason: `metric ${JSON.stringify(m.name)} (${m.path}): ${reason}`, excerpt: excerpt(quoted) };
        });
      };
      if (n === 0) continue;
      if (resourceError !== undefined) {
        reject(resourceError, n, res.attributes);
        continue;
      }
      const d = m.data;
      let set = cumulativeSet;
      if (deltaSet && (d.kind === 'sum' || d.kind === 'histogram' || d.kind === 'exponentialHistogram') && d.temporality === TEMPORALITY_DELTA) {
        set = deltaSet;
        deltaSet.line = ordinal;
      } else if ((d.kind === 'sum' || d.kind === 'histogram' || d.kind === 'exponentialHistogram') && d.temporality !== TEMPORALITY_CUMULATIVE) {
        const t = temporalityName(d.temporality);
        reject(`${d.kind} with ${t} aggregation temporality is not supported (only cumulative, as in Prometheus); ${n} data points dropped`, n, m.name);
        continue;
      }
      const named = translateMetricName(m.name, m.unit, promKind(m), opts.strategy);
      if (named.error !== undefined) {
        reject(`${named.error}; ${n} data points dropped`, n, m.name);
        continue;
      }
      const labels = new MetricLabels(named.name, d.kind === 'summary' ? 'quantile' : 'le');
      const points: readonly PointBase[] = d.kind === 'none' ? [] : d.points;
      for (let i = 0; i < points.length; i++) {
        const p = points[i]!;
        const base = pointLabels(p, ctx, names);
        if (typeof base === 'string') {
          reject(`dataPoints[${i}]: ${base}`, 1, p);
          continue;
        }
        const ts = p.timestamp > 0 ? p.timestamp : opts.now;
        const stale = (p.flags & FLAG_NO_RECORDED_VALUE) !== 0;
        if (ts > latest) latest = ts;
        let exemplars: Exemplar[] | undefined;
        if (p.exemplars.length > 0) {
          if (d.kind === 'gauge') {
            // Prometheus' receiver attaches no exemplars to gauges: dropped, counted.
            gaugeExemplars += p.exemplars.length;
          } else {
            const ex = convertExemplars(p.exemplars);
            if (typeof ex === 'number') {
              reject(`dataPoints[${i}]: exemplars[${ex}]: no value (neither asDouble nor asInt)`, 1, p.exemplars[ex]);
              continue;
            }
            exemplars = ex;
          }
        }
        if (d.kind === 'gauge' || d.kind === 'sum') {
          const v = (p as NumberPoint).value;
          if (v === undefined && !stale) {
            reject(`dataPoints[${i}]: no value (neither asDouble nor asInt)`, 1, p);
            continue;
          }
          const series = set.add(base, labels.plain, undefined, v ?? NaN, ts, stale, p.startTimestamp);
          if (exemplars) (series.exemplars ??= []).push(...exemplars);
        } else if (d.kind === 'histogram') {
          addHistogram(set, p as HistogramPoint, base, labels, ts, stale, exemplars);
        } else if (d.kind === 'exponentialHistogram') {
          const h = exponentialToNative(p as ExponentialHistogramPoint, ts, stale);
          const problem = typeof h === 'string' ? h : histogramProblem(h);
          if (problem !== undefined || typeof h === 'string') {
            reject(`dataPoints[${i}]: ${problem}`, 1, p);
            continue;
          }
          const series = set.addHistogram(base, labels.plain, h);
          if (exemplars) (series.exemplars ??= []).push(...exemplars);
        } else if (d.kind === 'summary') {
          addSummary(set, p as SummaryPoint, base, labels, ts, stale);
        }
      }
    }
    if (opts.targetInfo && latest > 0 && resourceError === undefined) addTargetInfo(cumulativeSet, res, ctx, names, latest);
  }
  const series = cumulativeSet.series();
  const drops: Record<string, number> = gaugeExemplars ? { otlp_gauge_exemplar: gaugeExemplars } : {};
  if (deltaSet === undefined) return { series, ...errors.result(), rejectedPoints, drops };
  const delta = deltaSet.seriesApartFrom(series, errors);
  for (const ts of delta.series) series.push(ts);
  return { series, ...errors.result(), rejectedPoints: rejectedPoints + delta.rejectedPoints, drops, delta: new Set(delta.series) };
}

const INF_LE: Label = { name: 'le', value: '+Inf' };

/**
 * Prometheus' classic histogram mapping: cumulative `_bucket{le}`, `+Inf` equal to the count, `_sum` when
 * present. Exemplars go to `_bucket` series the way Prometheus hands them out: walking the exemplars in
 * their order, each bound takes the next exemplars whose value is at most the bound (OTLP SDKs send them in
 * bucket order); what is left goes to `+Inf`. `_count` and `_sum` get none.
 */
function addHistogram(set: SeriesSet, p: HistogramPoint, base: PointLabels, l: MetricLabels, ts: number, stale: boolean, exemplars: Exemplar[] | undefined): void {
  const st = p.startTimestamp;
  if (p.sum !== undefined) set.add(base, l.sum, undefined, p.sum, ts, stale, st);
  set.add(base, l.count, undefined, p.count, ts, stale, st);
  let cumulative = 0;
  let next = 0;
  const nex = exemplars ? exemplars.length : 0;
  const n = Math.min(p.explicitBounds.length, p.bucketCounts.length);
  for (let i = 0; i < n; i++) {
    cumulative += p.bucketCounts[i]!;
    const bound = p.explicitBounds[i]!;
    const series = set.add(base, l.bucket, l.extra(bound), cumulative, ts, stale, st);
    const from = next;
    while (next < nex && !(exemplars![next]!.value > bound)) next++;
    if (next > from) (series.exemplars ??= []).push(...exemplars!.slice(from, next));
  }
  const inf = set.add(base, l.bucket, INF_LE, p.count, ts, stale, st);
  if (next < nex) (inf.exemplars ??= []).push(...exemplars!.slice(next));
}

function addSummary(set: SeriesSet, p: SummaryPoint, base: PointLabels, l: MetricLabels, ts: number, stale: boolean): void {
  const st = p.startTimestamp;
  set.add(base, l.sum, undefined, p.sum, ts, stale, st);
  set.add(base, l.count, undefined, p.count, ts, stale, st);
  for (const q of p.quantiles) set.add(base, l.plain, l.extra(q.quantile), q.value, ts, stale, st);
}

/**
 * `target_info` (value 1, at the latest timestamp of the resource's points) carries the resource attributes
 * other than service.name/namespace/instance.id; emitted only when there are such attributes and the
 * resource has a job or an instance, as Prometheus does.
 */
function addTargetInfo(set: SeriesSet, res: ResourceModel, ctx: ResourceContext, names: LabelNamer, ts: number): void {
  const rest = res.attributes.filter((a) => a.key !== SERVICE_NAME && a.key !== SERVICE_NAMESPACE && a.key !== SERVICE_INSTANCE_ID);
  if (rest.length === 0 || (ctx.job === undefined && ctx.instance === undefined)) return;
  const m = new Map<string, string>();
  if (attributeLabels(rest, names, m) !== undefined) return;
  if (ctx.job !== undefined) m.set('job', ctx.job);
  if (ctx.instance !== undefined) m.set('instance', ctx.instance);
  set.add(pointLabelsFrom(m), TARGET_INFO, undefined, 1, ts, false);
}

const TARGET_INFO = nameLabel('target_info');
