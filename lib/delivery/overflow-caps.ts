import type { OverflowCaps } from '../config/overflow.ts';
import type { BlobInfo, BlobStore, Logger, Metrics } from '../ports/index.ts';
import { destinationPrefix, parkedAt } from '../queue/bucket-keys.ts';

/** Keys of one destination's overflow/, oldest first, at most 1000 per list call (S3's page size). */
export async function listOverflow(blobs: BlobStore, destination: string): Promise<BlobInfo[]> {
  const prefix = destinationPrefix('overflow', destination);
  const out: BlobInfo[] = [];
  for (;;) {
    const last = out.at(-1)?.key;
    const page = await blobs.list(prefix, { ...(last === undefined ? {} : { startAfter: last }), limit: 1000 });
    out.push(...page);
    if (page.length < 1000) return out;
  }
}

export interface CapDeps {
  blobs: BlobStore;
  logger: Logger;
  metrics: Metrics;
}

/**
 * Enforces a destination's caps on its (oldest first) overflow listing: drops objects parked before
 * now - max_age, then the oldest while the rest holds more than max_bytes. Each dropped object's samples
 * (its `samples` metadata) are counted in replay_dropped_samples_total{destination,reason}, objects and
 * bytes in replay_dropped_objects_total / replay_dropped_bytes_total, and one warning per reason is logged.
 * Returns what is left, still oldest first. A failed delete keeps the object in the listing (the next
 * run tries again) and is counted in replay_blob_store_errors_total.
 */
export async function enforceCaps(listing: readonly BlobInfo[], destination: string, caps: OverflowCaps, now: number, deps: CapDeps): Promise<BlobInfo[]> {
  const drop = new Map<string, 'max_age' | 'max_bytes'>();
  for (const o of listing) {
    const t = parkedAt(o.key);
    if (t !== undefined && now - t > caps.maxAgeMs) drop.set(o.key, 'max_age');
  }
  let bytes = 0;
  for (const o of listing) if (!drop.has(o.key)) bytes += o.size;
  for (const o of listing) {
    if (bytes <= caps.maxBytes) break;
    if (drop.has(o.key)) continue;
    drop.set(o.key, 'max_bytes');
    bytes -= o.size;
  }
  if (!drop.size) return [...listing];
  const kept: BlobInfo[] = [];
  const dropped = { max_age: { objects: 0, samples: 0, bytes: 0 }, max_bytes: { objects: 0, samples: 0, bytes: 0 } };
  for (const o of listing) {
    const reason = drop.get(o.key);
    if (!reason) {
      kept.push(o);
      continue;
    }
    try {
      const blob = await deps.blobs.get(o.key);
      await deps.blobs.delete(o.key);
      const samples = Number(blob?.metadata.samples ?? 0) || 0;
      const d = dropped[reason];
      d.objects++;
      d.samples += samples;
      d.bytes += o.size;
      deps.metrics.inc('replay_dropped_samples_total', { destination, reason }, samples);
      deps.metrics.inc('replay_dropped_objects_total', { destination, reason });
      deps.metrics.inc('replay_dropped_bytes_total', { destination, reason }, o.size);
    } catch (err) {
      deps.metrics.inc('replay_blob_store_errors_total', { destination });
      deps.logger.error('cannot drop an overflow object past its cap; the next run tries again', { destination, key: o.key, error: String(err) });
      kept.push(o);
    }
  }
  for (const [reason, d] of Object.entries(dropped)) {
    if (!d.objects) continue;
    const limit = reason === 'max_age' ? { maxAgeMs: caps.maxAgeMs } : { maxBytes: caps.maxBytes };
    deps.logger.warn('overflow past its cap: oldest data dropped', { destination, reason, ...limit, ...d });
  }
  return kept;
}
