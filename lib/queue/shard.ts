import type { Label, TimeSeries } from '../model/types.ts';

/**
 * Series sharding for the ordered mode. A series always lands in the same shard (same label set, same
 * shard count), whatever the order of its labels, the process or the release: the hash is FNV-1a (32 bit)
 * over the UTF-16 code units of `name 0xFFFF value 0xFFFF ...` in label-name order, finished with
 * murmur3's fmix32 so that `hash % shards` spreads evenly for any shard count. Changing this function
 * reorders in-flight data across groups: treat it as part of the queue format.
 */
export const MAX_SHARDS = 1000;

export function seriesShard(labels: readonly Label[], shards: number): number {
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS) throw new RangeError(`shards must be an integer in 1..${MAX_SHARDS}, got ${shards}`);
  if (shards === 1) return 0;
  return labelSetHash(labels) % shards;
}

/** The queue message group of a shard (SQS MessageGroupId; the disk queue's group). */
export function shardGroupId(shard: number): string {
  return `shard-${shard}`;
}

/** Stable 32-bit hash of a label set, independent of label order. */
export function labelSetHash(labels: readonly Label[]): number {
  const sorted = isSortedByName(labels) ? labels : [...labels].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let h = 0x811c9dc5;
  for (const l of sorted) {
    h = fnv(h, l.name);
    h = Math.imul(h ^ 0xffff, 0x01000193);
    h = fnv(h, l.value);
    h = Math.imul(h ^ 0xffff, 0x01000193);
  }
  return fmix32(h);
}

/** Splits series by shard, keeping their order within each shard; shards come out in ascending order. */
export function partitionByShard(series: readonly TimeSeries[], shards: number): Map<number, TimeSeries[]> {
  const parts = new Map<number, TimeSeries[]>();
  for (const s of series) {
    const k = seriesShard(s.labels, shards);
    let p = parts.get(k);
    if (!p) parts.set(k, (p = []));
    p.push(s);
  }
  return new Map([...parts].sort((a, b) => a[0] - b[0]));
}

function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function isSortedByName(labels: readonly Label[]): boolean {
  for (let i = 1; i < labels.length; i++) if (labels[i - 1]!.name > labels[i]!.name) return false;
  return true;
}
