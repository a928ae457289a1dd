/**
 * The distinct-series proof's keys (scanner.ts `distinct`): a 32-bit hash of a line's series text, and the set
 * of the hashes seen. Equal text gives an equal hash, whether it is read from the decoded string or, for an
 * ASCII line, from the body's bytes (byte-lines.ts): both hash the same code units the same way. Two texts that
 * only share a hash cost the proof (finalizeSeries then merges), never correctness.
 */

const MULT = 0x9e3779b1;

/** One step over four code units packed into a word (units above 0xff only blur the word: a weaker hash, still equal for equal text). */
function step(h: number, w: number): number {
  h = Math.imul(h ^ w, MULT);
  return h ^ (h >>> 15);
}

const SEED = 0x2f6b1d3c;
const SEED2 = 0x61c88647;

/** The two lanes and the length into one key (the second lane rotated first, so swapped lanes differ). */
function finish(h: number, g: number, length: number): number {
  h ^= ((g << 13) | (g >>> 19)) ^ length;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * The key of s[start, end) (UTF-16 code units). Two lanes: words 0, 2, 4, ... go into one hash and words 1, 3,
 * 5, ... into another, combined at the end, so the two multiply chains overlap (each step waits for the last
 * one of its own lane only): about twice the speed of one chain on a line's ~90 bytes of series text.
 */
export function textKey(s: string, start: number, end: number): number {
  let h = SEED;
  let g = SEED2;
  let k = start;
  for (; k + 7 < end; k += 8) {
    h = step(h, s.charCodeAt(k) | (s.charCodeAt(k + 1) << 8) | (s.charCodeAt(k + 2) << 16) | (s.charCodeAt(k + 3) << 24));
    g = step(g, s.charCodeAt(k + 4) | (s.charCodeAt(k + 5) << 8) | (s.charCodeAt(k + 6) << 16) | (s.charCodeAt(k + 7) << 24));
  }
  if (k + 3 < end) {
    h = step(h, s.charCodeAt(k) | (s.charCodeAt(k + 1) << 8) | (s.charCodeAt(k + 2) << 16) | (s.charCodeAt(k + 3) << 24));
    k += 4;
  }
  if (k < end) {
    let w = 0;
    for (let shift = 0; k < end; k++, shift += 8) w |= s.charCodeAt(k) << shift;
    g = step(g, w);
  }
  return finish(h, g, end - start);
}

/** A DataView of b's bytes, for bytesKey. */
export function byteView(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** The key of b[start, end) (`view` = byteView(b): four bytes in one load): textKey of the same text when those bytes are ASCII. */
export function bytesKey(b: Uint8Array, view: DataView, start: number, end: number): number {
  let h = SEED;
  let g = SEED2;
  let k = start;
  for (; k + 7 < end; k += 8) {
    h = step(h, view.getInt32(k, true));
    g = step(g, view.getInt32(k + 4, true));
  }
  if (k + 3 < end) {
    h = step(h, view.getInt32(k, true));
    k += 4;
  }
  if (k < end) {
    let w = 0;
    for (let shift = 0; k < end; k++, shift += 8) w |= b[k]! << shift;
    g = step(g, w);
  }
  return finish(h, g, end - start);
}

/** A set of 32-bit keys: open addressing in an Int32Array (no heap number or Map entry per key). */
export class SeriesKeys {
  private table: Int32Array;
  private mask: number;
  private size = 0;
  /** Whether key 0 (the table's empty mark) was added. */
  private zero = false;

  /** `expected`: about how many keys will be added (the table still grows past it). */
  constructor(expected = 64) {
    const n = tableSize(expected);
    this.table = new Int32Array(n);
    this.mask = n - 1;
  }

  /**
   * Empty again, for about `expected` keys: the table kept and cleared (no new allocation outside the heap
   * per request), or a new one when it is too small or more than four times too large for them.
   */
  reset(expected: number): void {
    const n = tableSize(expected);
    if (this.table.length < n || this.table.length > n * 4) {
      this.table = new Int32Array(n);
      this.mask = n - 1;
    } else {
      this.table.fill(0);
    }
    this.size = 0;
    this.zero = false;
  }

  /** Adds the key; false when it was already there. */
  add(key: number): boolean {
    key |= 0;
    if (key === 0) {
      if (this.zero) return false;
      this.zero = true;
      return true;
    }
    const t = this.table;
    const mask = this.mask;
    let i = (key ^ (key >>> 16)) & mask;
    for (;;) {
      const v = t[i]!;
      if (v === 0) break;
      if (v === key) return false;
      i = (i + 1) & mask;
    }
    t[i] = key;
    if (++this.size * 2 > t.length) this.grow();
    return true;
  }

  /** How many keys were added (distinct ones). */
  get count(): number {
    return this.size + (this.zero ? 1 : 0);
  }

  private grow(): void {
    const old = this.table;
    const t = new Int32Array(old.length * 2);
    const mask = t.length - 1;
    for (let k = 0; k < old.length; k++) {
      const key = old[k]!;
      if (key === 0) continue;
      let i = (key ^ (key >>> 16)) & mask;
      while (t[i] !== 0) i = (i + 1) & mask;
      t[i] = key;
    }
    this.table = t;
    this.mask = mask;
  }
}

/** The table's length for about `expected` keys: a power of two, at least 64, at least twice the keys. */
function tableSize(expected: number): number {
  let n = 64;
  while (n < expected * 2) n *= 2;
  return n;
}
