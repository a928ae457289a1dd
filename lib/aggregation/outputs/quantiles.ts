import type { BinReader, BinWriter } from '../binary.ts';
import { formatPhi } from '../config.ts';
import type { Emit, OutputFamily, OutputState } from './types.ts';

/**
 * quantiles(phi, ...): github.com/valyala/histogram Fast, which vmagent uses: the first 1000 values of the
 * interval are kept, later ones replace a kept value by reservoir sampling with a xorshift32 generator seeded
 * with 1 at every reset, so the result is the same as vmagent's for the same input order. A quantile is the
 * kept values' element at round(phi*(n-1)); phi<=0 gives the interval's minimum, phi>=1 its maximum. Emits
 * one series per phi with a `quantile` label; nothing for an interval without samples.
 */
const MAX_SAMPLES = 1000;

/** floor(x * n / 2^32) for uint32 x and n, exactly (the product can pass 2^53). */
function mulHigh32(x: number, n: number): number {
  const a = (x >>> 16) * n;
  const b = (x & 0xffff) * n;
  const aq = Math.floor(a / 65536);
  const ar = a - aq * 65536;
  return aq + Math.floor((ar * 65536 + b) / 4294967296);
}

class Quantiles implements OutputState {
  readonly phis: readonly number[];
  readonly labels: readonly string[];
  a: Float64Array | undefined;
  n = 0;
  count = 0;
  min = Infinity;
  max = -Infinity;
  rng = 1;
  constructor(phis: readonly number[], labels: readonly string[]) {
    this.phis = phis;
    this.labels = labels;
  }
  push(v: number): void {
    if (v > this.max) this.max = v;
    if (v < this.min) this.min = v;
    this.count++;
    if (this.n < MAX_SAMPLES) {
      if (this.a === undefined) this.a = new Float64Array(16);
      else if (this.n === this.a.length) {
        const next = new Float64Array(Math.min(MAX_SAMPLES, this.a.length * 2));
        next.set(this.a);
        this.a = next;
      }
      this.a[this.n++] = v;
      return;
    }
    let x = this.rng;
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    this.rng = x;
    const i = mulHigh32(x, this.count >>> 0);
    if (i < this.n) this.a![i] = v;
  }
  flush(emit: Emit): void {
    if (this.a === undefined || this.n === 0) return;
    const sorted = this.a.slice(0, this.n).sort();
    for (let i = 0; i < this.phis.length; i++) {
      const phi = this.phis[i]!;
      let q: number;
      if (phi <= 0) q = this.min;
      else if (phi >= 1) q = this.max;
      else q = sorted[Math.min(Math.floor(phi * (this.n - 1) + 0.5), this.n - 1)]!;
      emit('quantiles', q, 'quantile', this.labels[i]!);
    }
    this.a = undefined;
    this.n = 0;
    this.count = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.rng = 1;
  }
  write(w: BinWriter): void {
    w.uvarint(this.n);
    for (let i = 0; i < this.n; i++) w.f64(this.a![i]!);
    w.f64(this.count);
    w.f64(this.min);
    w.f64(this.max);
    w.uvarint(this.rng);
  }
}

export function quantilesFamily(phis: readonly number[]): OutputFamily {
  const labels = phis.map(formatPhi);
  return {
    create: () => new Quantiles(phis, labels),
    read: (r: BinReader) => {
      const s = new Quantiles(phis, labels);
      s.n = r.uvarint();
      if (s.n > MAX_SAMPLES) throw new RangeError(`quantiles state holds ${s.n} values, more than ${MAX_SAMPLES}`);
      if (s.n > 0) {
        s.a = new Float64Array(Math.max(16, s.n));
        for (let i = 0; i < s.n; i++) s.a[i] = r.f64();
      }
      s.count = r.f64();
      s.min = r.f64();
      s.max = r.f64();
      s.rng = r.uvarint();
      return s;
    },
  };
}
