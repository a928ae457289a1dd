import { CUSTOM_BUCKETS_SCHEMA, type Histogram, type Label, type Sample, type TimeSeries } from '../../model/types.ts';
import { labelsKey } from '../../model/labels.ts';
import { addHistograms, expand, IncompatibleHistogramsError, toFloatHistogram } from '../push/native-sum.ts';

/**
 * OTLP delta temporality to cumulative, with the rules of the OpenTelemetry Collector's deltatocumulative
 * processor that Prometheus' `otlp-deltatocumulative` feature uses (internal/delta AccumulateInto):
 *   - a stream's first point starts its cumulative state as it is;
 *   - a point that starts before the state's start belongs to an older run of the stream (two processes
 *     writing one series): dropped, counted as `older_start`;
 *   - a point at or before the state's last time is out of order (a repeat): dropped, counted as `out_of_order`;
 *   - any other point is added, whether it starts where the last one ended or later (a gap: what happened
 *     in between is lost, the sum goes on), and the state keeps its start time;
 *   - a stream not updated for `maxStaleMs` is forgotten; its next point starts afresh.
 * Sums are float samples; explicit-bucket histograms arrive as their classic series (one per `le`, plus
 * `_count` and `_sum`), each accumulated as a sum; exponential histograms are native histograms, added with
 * addHistograms (the smaller schema, the wider zero bucket), downscaled further first when the sum would
 * span more than 160 buckets on a side (the processor's maxBuckets rule: limitedSchema below). A sample's start is its `startTimestamp`
 * (OTLP start_time_unix_nano); without one, the point is taken as following the last one. Exemplars of a
 * series go with its cumulative points when any is accepted (deliberately not the processor's behaviour,
 * which keeps the stream's first point's exemplars in its state and emits only those ever after).
 */
export interface DeltaOptions {
  maxStaleMs: number;
  /** Streams held at most; a new stream past it is dropped and counted as `limit` (the processor's max_streams). */
  maxStreams: number;
}

interface Stream {
  labels: Label[];
  start: number;
  last: number;
  /** Last time a point arrived (the caller's clock), for staleness. */
  seen: number;
  value: number | undefined;
  histogram: Histogram | undefined;
}

export interface DeltaResult {
  /** The cumulative points, one per accepted delta point, in input order per stream. */
  series: TimeSeries[];
  dropped: { older_start: number; out_of_order: number; limit: number; incompatible: number };
}

export class DeltaToCumulative {
  private readonly opts: DeltaOptions;
  private streams = new Map<string, Stream>();

  constructor(opts: DeltaOptions) {
    if (!(opts.maxStaleMs > 0) || !(opts.maxStreams > 0)) throw new RangeError('maxStaleMs and maxStreams must be positive');
    this.opts = opts;
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** Converts delta points received at `now` (the caller's clock). Staleness markers pass through and end the stream. */
  push(series: readonly TimeSeries[], now: number): DeltaResult {
    this.expire(now);
    const res: DeltaResult = { series: [], dropped: { older_start: 0, out_of_order: 0, limit: 0, incompatible: 0 } };
    for (const ts of series) {
      const key = labelsKey(ts.labels);
      const samples: Sample[] = [];
      const histograms: Histogram[] = [];
      for (const s of ts.samples) {
        if (s.stale) {
          this.streams.delete(key);
          samples.push(s);
          continue;
        }
        const st = this.accept(key, ts.labels, s.timestamp, s.startTimestamp, now, res);
        if (st === undefined) continue;
        st.value = st.value === undefined ? s.value : st.value + s.value;
        samples.push({ value: st.value, timestamp: s.timestamp, startTimestamp: st.start });
      }
      for (const h of ts.histograms ?? []) {
        if (h.stale) {
          this.streams.delete(key);
          histograms.push(h);
          continue;
        }
        const st = this.accept(key, ts.labels, h.timestamp, h.startTimestamp, now, res);
        if (st === undefined) continue;
        if (st.histogram === undefined) st.histogram = toFloatHistogram(h, h.timestamp);
        else {
          try {
            st.histogram = addHistograms(downscale(st.histogram, limitedSchema(st.histogram, h)), h, h.timestamp);
          } catch (err) {
            if (!(err instanceof IncompatibleHistogramsError)) throw err;
            // Different custom bounds: as a reset, the point starts the stream again.
            res.dropped.incompatible++;
            st.histogram = toFloatHistogram(h, h.timestamp);
            st.start = h.startTimestamp ?? h.timestamp;
          }
        }
        histograms.push({ ...st.histogram, timestamp: h.timestamp, startTimestamp: st.start, resetHint: 2 });
      }
      if (samples.length || histograms.length) {
        const out: TimeSeries = { labels: ts.labels, samples };
        if (histograms.length) out.histograms = histograms;
        if (samples.some((s) => s.startTimestamp !== undefined) || histograms.length) out.withStartTimestamps = true;
        // Each point's own exemplars go with its cumulative point (Prometheus re-emits the stream's first ones).
        if (ts.exemplars?.length) out.exemplars = ts.exemplars;
        res.series.push(out);
      }
    }
    return res;
  }

  /** Forgets streams not updated for maxStaleMs. */
  expire(now: number): void {
    for (const [k, s] of this.streams) if (now - s.seen > this.opts.maxStaleMs) this.streams.delete(k);
  }

  private accept(key: string, labels: Label[], t: number, start: number | undefined, now: number, res: DeltaResult): Stream | undefined {
    const st = this.streams.get(key);
    if (st === undefined) {
      if (this.streams.size >= this.opts.maxStreams) {
        res.dropped.limit++;
        return undefined;
      }
      const fresh: Stream = { labels: labels.map((l) => ({ ...l })), start: start ?? t, last: t, seen: now, value: undefined, histogram: undefined };
      this.streams.set(key, fresh);
      return fresh;
    }
    if (start !== undefined && start < st.start) {
      res.dropped.older_start++;
      return undefined;
    }
    if (t <= st.last) {
      res.dropped.out_of_order++;
      return undefined;
    }
    st.last = t;
    st.seen = now;
    return st;
  }

  /** The whole state as text (JSON; non-finite floats as strings). */
  snapshot(): string {
    return JSON.stringify({ v: 1, streams: [...this.streams.values()].map((s) => ({ ...s, value: s.value === undefined ? null : fin(s.value), histogram: s.histogram === undefined ? null : { ...s.histogram, sum: fin(s.histogram.sum) } })) });
  }

  restore(text: string): void {
    const p = JSON.parse(text) as { v: number; streams: (Omit<Stream, 'value' | 'histogram'> & { value: number | string | null; histogram: (Histogram & { sum: number | string }) | null })[] };
    if (p.v !== 1) throw new Error(`unknown delta-to-cumulative snapshot version ${p.v}`);
    const next = new Map<string, Stream>();
    for (const s of p.streams) next.set(labelsKey(s.labels), { ...s, value: s.value === null ? undefined : Number(s.value), histogram: s.histogram === null ? undefined : { ...s.histogram, sum: Number(s.histogram.sum) } });
    this.streams = next;
  }
}

/** The processor's maxBuckets (internal/data/add.go): a merged exponential histogram spans at most this many buckets a side. */
export const MAX_MERGED_BUCKETS = 160;

/**
 * The schema two exponential histograms are added at, as the processor's ExpHistogram.Add decides it: the
 * smaller of the two, lowered while the non-empty buckets of both, on either side, span more than
 * MAX_MERGED_BUCKETS. Indices are OTLP's (a native bucket index minus one); each step halves them with Go's
 * integer division, which truncates toward zero (kept for compatibility: it decides the same step).
 */
export function limitedSchema(a: Histogram, b: Histogram): number {
  const schema = Math.min(a.schema, b.schema);
  if (schema === CUSTOM_BUCKETS_SCHEMA) return schema;
  let delta = 0;
  for (const side of ['positive', 'negative'] as const) {
    let lo = Infinity;
    let up = -Infinity;
    for (const h of [a, b]) {
      const shift = h.schema - schema;
      for (const [i, c] of expand(h[`${side}Spans`], h[`${side}Buckets`], h.float)) {
        if (c === 0) continue;
        const otlp = (i - 1) >> shift;
        if (otlp < lo) lo = otlp;
        if (otlp + 1 > up) up = otlp + 1;
      }
    }
    let d = 0;
    for (; up - lo > MAX_MERGED_BUCKETS; d++) {
      lo = Math.trunc(lo / 2);
      up = Math.trunc(up / 2);
    }
    if (d > delta) delta = d;
  }
  return schema - delta;
}

/** `h` at `schema` (at or below its own): added to an empty histogram of that schema. */
function downscale(h: Histogram, schema: number): Histogram {
  if (schema >= h.schema) return h;
  const empty: Histogram = { timestamp: h.timestamp, float: true, count: 0, sum: 0, schema, zeroThreshold: h.zeroThreshold, zeroCount: 0, positiveSpans: [], positiveBuckets: [], negativeSpans: [], negativeBuckets: [], resetHint: 2, customValues: [] };
  return addHistograms(h, empty, h.timestamp);
}

function fin(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}
