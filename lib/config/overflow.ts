import type { Checker } from './check.ts';

/**
 * Per destination caps on what overflow/<name>/ may hold (`remote_write[].overflow`). Replay enforces them
 * at the start of every run, deleting the oldest objects first and counting what they held in
 * gateway_replay_dropped_samples_total{destination,reason="max_age"|"max_bytes"}.
 */
export interface OverflowCaps {
  /** Objects parked longer than this are dropped. Default 14d (the bucket's overflow/ lifecycle rule). */
  maxAgeMs: number;
  /** The oldest objects are dropped while the destination's overflow holds more bytes than this. */
  maxBytes: number;
}

/** How replay drains overflow/ (top-level `replay:`). Pacing is per destination. */
export interface ReplayConfig {
  /** How often the local runner replays (in AWS the EventBridge schedule sets the rate). Default 30s. */
  intervalMs: number;
  /** Objects in flight at once per destination. Default 1 (keeps the order objects were parked in). */
  concurrency: number;
  maxObjectsPerSecond: number;
  maxBytesPerSecond: number;
}

export const DEFAULT_OVERFLOW_CAPS: OverflowCaps = { maxAgeMs: 14 * 86_400_000, maxBytes: 10 * 1024 ** 3 };
export const DEFAULT_REPLAY: ReplayConfig = { intervalMs: 30_000, concurrency: 1, maxObjectsPerSecond: 50, maxBytesPerSecond: 8 * 1024 * 1024 };


export function parseOverflowCaps(c: Checker, raw: unknown, path: string): OverflowCaps {
  const o = c.object(raw, path) ?? {};
  const d = DEFAULT_OVERFLOW_CAPS;
  const maxAgeMs = c.duration(o.max_age, `${path}.max_age`, d.maxAgeMs);
  if (maxAgeMs <= 0) c.fail(`${path}.max_age`, 'must be longer than 0');
  return { maxAgeMs: maxAgeMs > 0 ? maxAgeMs : d.maxAgeMs, maxBytes: c.int(o.max_bytes, `${path}.max_bytes`, d.maxBytes) };
}

export function parseReplayConfig(c: Checker, raw: unknown, path: string): ReplayConfig {
  const o = c.object(raw, path) ?? {};
  const d = DEFAULT_REPLAY;
  const intervalMs = c.duration(o.interval, `${path}.interval`, d.intervalMs);
  if (intervalMs < 1000) c.fail(`${path}.interval`, 'must be at least 1s');
  return {
    intervalMs: intervalMs >= 1000 ? intervalMs : d.intervalMs,
    concurrency: c.int(o.concurrency, `${path}.concurrency`, d.concurrency),
    maxObjectsPerSecond: c.int(o.max_objects_per_second, `${path}.max_objects_per_second`, d.maxObjectsPerSecond),
    maxBytesPerSecond: c.int(o.max_bytes_per_second, `${path}.max_bytes_per_second`, d.maxBytesPerSecond),
  };
}
