import type { TargetGroup } from './target-group.ts';

interface Entry {
  groups: TargetGroup[];
  /** When the groups were fetched (clock milliseconds). */
  fetchedAt: number;
}

/**
 * Discovery results kept between calls for as long as the process lives (a warm Lambda container, the local
 * runner): a result younger than its refresh_interval is reused without calling the source, and the last good
 * result stands in when a refresh fails (as Prometheus keeps a discoverer's last targets). Keys include the
 * whole SD config, so a changed config never sees an old result. A cold start begins empty.
 * Memory: one copy of each source's groups; entries are only replaced, never accumulate per call.
 */
export class DiscoveryCache {
  private readonly entries = new Map<string, Entry>();
  private readonly values = new Map<string, unknown>();

  get(key: string): Entry | undefined {
    return this.entries.get(key);
  }

  set(key: string, groups: TargetGroup[], fetchedAt: number): void {
    this.entries.set(key, { groups, fetchedAt });
  }

  /** Other per-source state (the EC2 availability-zone map). */
  getValue<T>(key: string): T | undefined {
    return this.values.get(key) as T | undefined;
  }

  setValue(key: string, value: unknown): void {
    this.values.set(key, value);
  }

  get size(): number {
    return this.entries.size;
  }
}
