import type { BinReader, BinWriter } from '../binary.ts';
import type { Emit, OutputFamily, OutputState, PushContext } from './types.ts';

/**
 * Counter outputs (vmagent lib/streamaggr total.go, increase.go, rate.go). Each keeps, per input series of the
 * group, the last value, its timestamp and when the series is forgotten (its staleness deadline):
 * - an increase over the previous value adds the difference; a decrease is a counter reset and adds the new value;
 * - a sample older than the series' last one is skipped;
 * - the first sample of a series adds its value for `total`/`increase` (not for the `_prometheus` variants),
 *   except during `ignore_first_sample_interval` after start (default: the staleness interval), when every
 *   series could be an old one seen for the first time.
 * A series whose deadline passed is forgotten: at a flush (flush time > deadline) or when its next sample
 * arrives (deadline < now, at 1s resolution as vmagent's fasttime).
 */

export interface CounterConfig {
  /** total/increase: true; the `_prometheus` variants: false. */
  keepFirstSample: boolean;
  /** Unix seconds; first samples count only from then on. */
  ignoreFirstSampleDeadlineSec: number;
}

const PRECISION_LIMIT = 2 ** 53;

/** Per input series: [value, timestamp, deleteDeadline]. */
type LastValues = Map<string, Float64Array>;

/** Adds the sample's contribution; returns NaN when the sample is skipped (out of order), else the delta. */
function counterDelta(c: CounterConfig, lv: LastValues, v: number, t: number, key: string, ctx: PushContext): number {
  const keepFirst = c.keepFirstSample && ctx.nowSecMs / 1000 >= c.ignoreFirstSampleDeadlineSec;
  let e = lv.get(key);
  let delta = 0;
  if (e !== undefined && e[2]! >= ctx.nowSecMs) {
    if (t < e[1]!) return NaN;
    delta = v >= e[0]! ? v - e[0]! : v;
  } else if (keepFirst) {
    delta = v;
  }
  if (e === undefined) {
    e = new Float64Array(3);
    lv.set(key, e);
  }
  e[0] = v;
  e[1] = t;
  e[2] = ctx.deleteDeadline;
  return delta;
}

function dropStale(lv: LastValues, flushTimestamp: number, isLast: boolean): void {
  for (const [k, e] of lv) if (flushTimestamp > e[2]! || isLast) lv.delete(k);
}

function writeLastValues(w: BinWriter, lv: LastValues): void {
  w.uvarint(lv.size);
  for (const [k, e] of lv) {
    w.str(k);
    w.f64(e[0]!);
    w.f64(e[1]!);
    w.f64(e[2]!);
  }
}

function readLastValues(r: BinReader): LastValues {
  const lv: LastValues = new Map();
  for (let n = r.uvarint(); n > 0; n--) {
    const k = r.str();
    lv.set(k, Float64Array.of(r.f64(), r.f64(), r.f64()));
  }
  return lv;
}

/** total / total_prometheus: a running sum of increases, emitted at every flush while the group is alive. */
class Total implements OutputState {
  readonly c: CounterConfig;
  lv: LastValues = new Map();
  delta = 0;
  total = 0;
  constructor(c: CounterConfig) {
    this.c = c;
  }
  push(v: number, t: number, key: string, ctx: PushContext): void {
    const d = counterDelta(this.c, this.lv, v, t, key, ctx);
    if (d === d) this.delta += d;
  }
  flush(emit: Emit, flushTimestamp: number, isLast: boolean): void {
    const total = this.total + this.delta;
    this.delta = 0;
    dropStale(this.lv, flushTimestamp, isLast);
    // vmagent restarts the sum at 0 once it loses float64 integer precision.
    this.total = Math.abs(total) >= PRECISION_LIMIT ? 0 : total;
    emit(this.c.keepFirstSample ? 'total' : 'total_prometheus', total);
  }
  write(w: BinWriter): void {
    w.f64(this.delta);
    w.f64(this.total);
    writeLastValues(w, this.lv);
  }
}

/** increase / increase_prometheus: the interval's sum of increases, emitted when the interval had a sample. */
class Increase implements OutputState {
  readonly c: CounterConfig;
  lv: LastValues = new Map();
  total = 0;
  touched = false;
  constructor(c: CounterConfig) {
    this.c = c;
  }
  push(v: number, t: number, key: string, ctx: PushContext): void {
    // vmagent marks the interval as having data before the out-of-order check.
    this.touched = true;
    const d = counterDelta(this.c, this.lv, v, t, key, ctx);
    if (d === d) this.total += d;
  }
  flush(emit: Emit, flushTimestamp: number, isLast: boolean): void {
    dropStale(this.lv, flushTimestamp, isLast);
    if (!this.touched) return;
    const total = this.total;
    this.total = 0;
    this.touched = false;
    emit(this.c.keepFirstSample ? 'increase' : 'increase_prometheus', total);
  }
  write(w: BinWriter): void {
    w.f64(this.total);
    w.bool(this.touched);
    writeLastValues(w, this.lv);
  }
}

/**
 * rate_sum / rate_avg: per input series, the increase within the interval divided by the time between the
 * series' last sample of the previous interval (or its first sample) and its last sample of this one; summed
 * or averaged over the series that have such a span. Per series: [value, deleteDeadline, prevTimestamp,
 * increase, timestamp].
 */
class Rate implements OutputState {
  readonly isAvg: boolean;
  m = new Map<string, Float64Array>();
  constructor(isAvg: boolean) {
    this.isAvg = isAvg;
  }
  push(v: number, t: number, key: string, ctx: PushContext): void {
    let sv = this.m.get(key);
    if (sv !== undefined && sv[1]! < ctx.nowSecMs) {
      this.m.delete(key);
      sv = undefined;
    }
    if (sv !== undefined) {
      if (t < sv[4]! || t < sv[2]!) return;
      sv[3]! += v >= sv[0]! ? v - sv[0]! : v;
    } else {
      sv = new Float64Array(5);
      sv[2] = t;
      this.m.set(key, sv);
    }
    sv[0] = v;
    sv[1] = ctx.deleteDeadline;
    sv[4] = t;
  }
  flush(emit: Emit, flushTimestamp: number, isLast: boolean): void {
    let rate = 0;
    let n = 0;
    for (const [k, sv] of this.m) {
      if (flushTimestamp > sv[1]!) {
        this.m.delete(k);
        continue;
      }
      // vmagent treats timestamp 0 as "no sample in this interval".
      if (sv[4]! > 0) {
        const d = (sv[4]! - sv[2]!) / 1000;
        if (d > 0) {
          rate += sv[3]! / d;
          n++;
        }
        sv[2] = sv[4]!;
        sv[4] = 0;
        sv[3] = 0;
      }
      if (isLast) this.m.delete(k);
    }
    if (n === 0) return;
    emit(this.isAvg ? 'rate_avg' : 'rate_sum', this.isAvg ? rate / n : rate);
  }
  write(w: BinWriter): void {
    w.uvarint(this.m.size);
    for (const [k, sv] of this.m) {
      w.str(k);
      for (let i = 0; i < 5; i++) w.f64(sv[i]!);
    }
  }
}

export function totalFamily(c: CounterConfig): OutputFamily {
  return {
    create: () => new Total(c),
    read: (r) => {
      const s = new Total(c);
      s.delta = r.f64();
      s.total = r.f64();
      s.lv = readLastValues(r);
      return s;
    },
  };
}

export function increaseFamily(c: CounterConfig): OutputFamily {
  return {
    create: () => new Increase(c),
    read: (r) => {
      const s = new Increase(c);
      s.total = r.f64();
      s.touched = r.bool();
      s.lv = readLastValues(r);
      return s;
    },
  };
}

export function rateFamily(isAvg: boolean): OutputFamily {
  return {
    create: () => new Rate(isAvg),
    read: (r) => {
      const s = new Rate(isAvg);
      for (let n = r.uvarint(); n > 0; n--) {
        const k = r.str();
        const sv = new Float64Array(5);
        for (let i = 0; i < 5; i++) sv[i] = r.f64();
        s.m.set(k, sv);
      }
      return s;
    },
  };
}
