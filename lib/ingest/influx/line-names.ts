import type { InfluxLineScan } from './direct.ts';

/** The measurement and field names of the last line whose `__name__` entries were written, and where they are in the arena. */
export class LineNames {
  /** Positions in the body: measurement s[ms, me), field f s[fields[2f], fields[2f+1]). */
  ms = 0;
  me = -1;
  fields = new Int32Array(32);
  count = -1;
  /** Arena range of field f's `__name__` entry. */
  start = new Int32Array(16);
  end = new Int32Array(16);
  /** Two fields of that line have the same name. */
  repeated = false;

  /** Whether line l (scanned from the body's bytes s) has the same measurement and field names, in the same order. */
  sameAs(s: Uint8Array, l: InfluxLineScan): boolean {
    if (l.fieldCount !== this.count || !sameText(s, l.keyStart, l.measurementEnd, this.ms, this.me)) return false;
    for (let f = 0; f < l.fieldCount; f++) if (!sameText(s, l.fields[2 * f]!, l.fields[2 * f + 1]!, this.fields[2 * f]!, this.fields[2 * f + 1]!)) return false;
    return true;
  }

  /** Remembers line l (its entries' arena ranges are filled in by the caller). */
  take(s: Uint8Array, l: InfluxLineScan): void {
    this.ms = l.keyStart;
    this.me = l.measurementEnd;
    this.count = l.fieldCount;
    if (this.fields.length < l.fields.length) {
      this.fields = new Int32Array(l.fields.length);
      this.start = new Int32Array(l.fields.length / 2);
      this.end = new Int32Array(l.fields.length / 2);
    }
    this.fields.set(l.fields.subarray(0, 2 * l.fieldCount));
    this.repeated = false;
    for (let a = 1; a < l.fieldCount; a++) for (let b = 0; b < a; b++) if (sameText(s, l.fields[2 * a]!, l.fields[2 * a + 1]!, l.fields[2 * b]!, l.fields[2 * b + 1]!)) this.repeated = true;
  }
}

/** s[a, ae) and s[b, be) are the same bytes. */
export function sameText(s: Uint8Array, a: number, ae: number, b: number, be: number): boolean {
  if (ae - a !== be - b) return false;
  for (; a < ae; a++, b++) if (s[a] !== s[b]) return false;
  return true;
}
