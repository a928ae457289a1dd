import type { BinReader, BinWriter } from '../binary.ts';
import type { Emit, OutputFamily, OutputState } from './types.ts';

/**
 * Outputs whose state is a few numbers reset at every flush (vmagent lib/streamaggr avg.go, count_samples.go,
 * last.go, min.go, max.go, std.go, sum_samples.go): they emit only when the interval had a sample, except
 * sum_samples (and sum_samples_total), which emit for as long as the group is not stale, as vmagent does.
 */

class Avg implements OutputState {
  sum = 0;
  count = 0;
  push(v: number): void {
    this.sum += v;
    this.count++;
  }
  flush(emit: Emit): void {
    if (this.count > 0) {
      emit('avg', this.sum / this.count);
      this.sum = 0;
      this.count = 0;
    }
  }
  write(w: BinWriter): void {
    w.f64(this.sum);
    w.f64(this.count);
  }
}

class CountSamples implements OutputState {
  count = 0;
  push(): void {
    this.count++;
  }
  flush(emit: Emit): void {
    if (this.count > 0) {
      emit('count_samples', this.count);
      this.count = 0;
    }
  }
  write(w: BinWriter): void {
    w.f64(this.count);
  }
}

/** vmagent counts xxhash values of the series keys (collisions possible there); this counts the keys themselves. */
class CountSeries implements OutputState {
  keys = new Set<string>();
  push(_v: number, _t: number, inputKey: string): void {
    this.keys.add(inputKey);
  }
  flush(emit: Emit): void {
    if (this.keys.size > 0) {
      emit('count_series', this.keys.size);
      this.keys.clear();
    }
  }
  write(w: BinWriter): void {
    w.uvarint(this.keys.size);
    for (const k of this.keys) w.str(k);
  }
}

/** The value with the largest timestamp (the later one on ties); a group whose timestamps are all <= 0 is never emitted (vmagent uses timestamp 0 as "unset"). */
class Last implements OutputState {
  last = 0;
  timestamp = 0;
  push(v: number, t: number): void {
    if (t >= this.timestamp) {
      this.last = v;
      this.timestamp = t;
    }
  }
  flush(emit: Emit): void {
    if (this.timestamp > 0) {
      emit('last', this.last);
      this.timestamp = 0;
    }
  }
  write(w: BinWriter): void {
    w.f64(this.last);
    w.f64(this.timestamp);
  }
}

class MinMax implements OutputState {
  readonly isMax: boolean;
  v = 0;
  defined = false;
  constructor(isMax: boolean) {
    this.isMax = isMax;
  }
  push(v: number): void {
    if (!this.defined || (this.isMax ? v > this.v : v < this.v)) this.v = v;
    this.defined = true;
  }
  flush(emit: Emit): void {
    if (this.defined) {
      emit(this.isMax ? 'max' : 'min', this.v);
      this.v = 0;
      this.defined = false;
    }
  }
  write(w: BinWriter): void {
    w.f64(this.v);
    w.bool(this.defined);
  }
}

/** Welford's running variance, as vmagent's std.go computes it (population variance, q / count). */
class Std implements OutputState {
  readonly deviation: boolean;
  count = 0;
  avg = 0;
  q = 0;
  constructor(deviation: boolean) {
    this.deviation = deviation;
  }
  push(v: number): void {
    this.count++;
    const avg = this.avg + (v - this.avg) / this.count;
    this.q += (v - this.avg) * (v - avg);
    this.avg = avg;
  }
  flush(emit: Emit): void {
    if (this.count > 0) {
      const variance = this.q / this.count;
      emit(this.deviation ? 'stddev' : 'stdvar', this.deviation ? Math.sqrt(variance) : variance);
      this.count = 0;
      this.avg = 0;
      this.q = 0;
    }
  }
  write(w: BinWriter): void {
    w.f64(this.count);
    w.f64(this.avg);
    w.f64(this.q);
  }
}

const PRECISION_LIMIT = 2 ** 53;

/** sum_samples resets every flush; sum_samples_total keeps the running sum (reset to 0 once |sum| >= 2^53, as vmagent does). */
class SumSamples implements OutputState {
  readonly cumulative: boolean;
  delta = 0;
  total = 0;
  constructor(cumulative: boolean) {
    this.cumulative = cumulative;
  }
  push(v: number): void {
    this.delta += v;
  }
  flush(emit: Emit): void {
    if (!this.cumulative) {
      emit('sum_samples', this.delta);
      this.delta = 0;
      return;
    }
    const total = this.total + this.delta;
    this.delta = 0;
    this.total = Math.abs(total) >= PRECISION_LIMIT ? 0 : total;
    emit('sum_samples_total', total);
  }
  write(w: BinWriter): void {
    w.f64(this.delta);
    w.f64(this.total);
  }
}

/** Distinct values (+0 and -0 count as one, as Go's map[float64] does). */
class UniqueSamples implements OutputState {
  values = new Set<number>();
  push(v: number): void {
    this.values.add(v);
  }
  flush(emit: Emit): void {
    if (this.values.size > 0) {
      emit('unique_samples', this.values.size);
      this.values.clear();
    }
  }
  write(w: BinWriter): void {
    w.uvarint(this.values.size);
    for (const v of this.values) w.f64(v);
  }
}

export const avgFamily: OutputFamily = {
  create: () => new Avg(),
  read: (r: BinReader) => Object.assign(new Avg(), { sum: r.f64(), count: r.f64() }),
};
export const countSamplesFamily: OutputFamily = {
  create: () => new CountSamples(),
  read: (r) => Object.assign(new CountSamples(), { count: r.f64() }),
};
export const countSeriesFamily: OutputFamily = {
  create: () => new CountSeries(),
  read: (r) => {
    const s = new CountSeries();
    for (let n = r.uvarint(); n > 0; n--) s.keys.add(r.str());
    return s;
  },
};
export const lastFamily: OutputFamily = {
  create: () => new Last(),
  read: (r) => Object.assign(new Last(), { last: r.f64(), timestamp: r.f64() }),
};
export function minMaxFamily(isMax: boolean): OutputFamily {
  return {
    create: () => new MinMax(isMax),
    read: (r) => Object.assign(new MinMax(isMax), { v: r.f64(), defined: r.bool() }),
  };
}
export function stdFamily(deviation: boolean): OutputFamily {
  return {
    create: () => new Std(deviation),
    read: (r) => Object.assign(new Std(deviation), { count: r.f64(), avg: r.f64(), q: r.f64() }),
  };
}
export function sumSamplesFamily(cumulative: boolean): OutputFamily {
  return {
    create: () => new SumSamples(cumulative),
    read: (r) => Object.assign(new SumSamples(cumulative), { delta: r.f64(), total: r.f64() }),
  };
}
export const uniqueSamplesFamily: OutputFamily = {
  create: () => new UniqueSamples(),
  read: (r) => {
    const s = new UniqueSamples();
    for (let n = r.uvarint(); n > 0; n--) s.values.add(r.f64());
    return s;
  },
};
