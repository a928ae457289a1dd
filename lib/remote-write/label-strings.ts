import { textAt } from './proto-read.ts';

/**
 * Label strings of one remote_write 1.0 request, interned: a name or value whose bytes appeared before in
 * the same request is the string made then (no copy, no new string). A Prometheus batch repeats most of
 * its label names and many values (job, instance, metric names) from series to series; the 2.0 message
 * does the same with its symbols table.
 *
 * The table is open addressing over typed arrays kept between requests (a slot belongs to the current
 * request when its generation is the current one: no clearing per request): the key is a hash of the
 * bytes, and a hit is confirmed by comparing the bytes with the first occurrence's, in the same body, so a
 * collision costs a comparison, never a wrong string. Strings of more than MAX_INTERNED bytes are decoded
 * each time; a request with more than MAX_ENTRIES distinct short strings decodes the rest each time.
 * Decoding is lenient as in `textAt` (invalid UTF-8 becomes U+FFFD), so an interned string is exactly the
 * string decoding the bytes would give.
 */
export const MAX_INTERNED = 48;
const SIZE = 1 << 15;
export const MAX_ENTRIES = SIZE >>> 1;
const MASK = SIZE - 1;

const hashes = new Int32Array(SIZE);
const gens = new Int32Array(SIZE);
const starts = new Int32Array(SIZE);
const lengths = new Int32Array(SIZE);
const strings: string[] = new Array<string>(SIZE).fill('');
let gen = 0;
let entries = 0;
let body: Uint8Array | undefined;
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

/** Starts a request: strings interned for an earlier body are not reused. */
export function beginLabelStrings(b: Uint8Array): void {
  if (++gen === 0x7fffffff) {
    gens.fill(0);
    gen = 1;
  }
  entries = 0;
  body = b;
  view = new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Ends a request: the body is not held past it (its strings are, until their slots are reused). */
export function endLabelStrings(): void {
  body = undefined;
  view = new DataView(new ArrayBuffer(0));
}

/** The string of body[p, end), interned (beginLabelStrings must have been called with this body). */
export function labelString(b: Uint8Array, p: number, end: number): string {
  const n = end - p;
  if (n === 0) return '';
  if (n > MAX_INTERNED || b !== body) return textAt(b, p, end);
  const dv = view;
  // The hash: four bytes at a step, then the tail bytes; a final mix spreads it over the slots.
  let h = 0x811c9dc5 ^ n;
  let i = p;
  for (; i + 4 <= end; i += 4) h = Math.imul(h ^ dv.getInt32(i, true), 0x01000193) ^ (h >>> 13);
  for (; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h ^= h >>> 13;
  let slot = h & MASK;
  while (gens[slot] === gen) {
    if (hashes[slot] === h && lengths[slot] === n) {
      const s = starts[slot]!;
      let k = 0;
      while (k + 4 <= n && dv.getInt32(p + k, true) === dv.getInt32(s + k, true)) k += 4;
      while (k < n && b[p + k] === b[s + k]) k++;
      if (k === n) return strings[slot]!;
    }
    slot = (slot + 1) & MASK;
  }
  const str = textAt(b, p, end);
  if (entries < MAX_ENTRIES) {
    entries++;
    gens[slot] = gen;
    hashes[slot] = h;
    starts[slot] = p;
    lengths[slot] = n;
    strings[slot] = str;
  }
  return str;
}
