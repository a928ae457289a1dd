/**
 * A string-keyed memo of at most `maxEntries` entries, emptied when full: label values and regex sources
 * repeat heavily, so a refill is cheap, and the hot path pays one Map lookup with no LRU bookkeeping.
 * Keys longer than `maxKeyLength` are never kept (they would pin large strings). Values must not be
 * undefined (get() answers undefined for a miss); use null for a remembered "nothing".
 */
export class BoundedCache<V> {
  private readonly map = new Map<string, V>();
  private readonly maxEntries: number;
  private readonly maxKeyLength: number;

  constructor(maxEntries: number, maxKeyLength = Infinity) {
    this.maxEntries = maxEntries;
    this.maxKeyLength = maxKeyLength;
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  /** The value for key, made by make() and kept on a miss. */
  getOrMake(key: string, make: (key: string) => V): V {
    let v = this.map.get(key);
    if (v === undefined) {
      v = make(key);
      this.set(key, v);
    }
    return v;
  }

  set(key: string, value: V): void {
    if (key.length > this.maxKeyLength) return;
    if (this.map.size >= this.maxEntries) this.map.clear();
    this.map.set(key, value);
  }
}
