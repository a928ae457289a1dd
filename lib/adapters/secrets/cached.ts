/**
 * Memoizes an async lookup per reference: concurrent and later calls share one read; a failed read is
 * forgotten, so the next call tries again. What both secret stores do with their references.
 */
export class CachedLookup {
  private readonly cache = new Map<string, Promise<string>>();
  private readonly resolve: (ref: string) => Promise<string>;
  constructor(resolve: (ref: string) => Promise<string>) {
    this.resolve = resolve;
  }

  get(ref: string): Promise<string> {
    let p = this.cache.get(ref);
    if (!p) {
      p = this.resolve(ref);
      p.catch(() => this.cache.delete(ref));
      this.cache.set(ref, p);
    }
    return p;
  }
}
