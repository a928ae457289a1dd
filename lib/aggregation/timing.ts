/**
 * vmagent's flush schedule (lib/streamaggr runFlusher), replayed on the caller's clock. With alignment (the
 * default) the first boundary is the next multiple of the interval after start, counted from Go's zero time
 * (time.Truncate), and the first flush is one interval after it: samples from start to then all land in that
 * first flush. The ticker runs every dedup_interval when set, else every interval. Output timestamps are the
 * flush times. Every field is a plain number so the schedule serializes exactly.
 */

/** Milliseconds from Go's zero time (0001-01-01T00:00:00Z) to the Unix epoch. */
const GO_ZERO_TO_UNIX_MS = 62_135_596_800_000;

/** The first multiple of step (from Go's zero time) at or after t. */
export function alignUp(t: number, step: number): number {
  const r = (((t + GO_ZERO_TO_UNIX_MS) % step) + step) % step;
  return r === 0 ? t : t - r + step;
}

/** The last multiple of step (from Go's zero time) at or before t. */
export function alignDown(t: number, step: number): number {
  const up = alignUp(t, step);
  return up === t ? t : up - step;
}

export interface Schedule {
  /** Samples older than this are dropped with ignore_old_samples (vmagent's minDeadline). */
  minDeadline: number;
  /** The end of the current dedup interval, or the next flush time without dedup (vmagent's cs.maxDeadline). */
  maxDeadline: number;
  /** The timestamp of the next regular flush. */
  flushTime: number;
  /** When the ticker fires next. */
  nextTick: number;
  /** Regular flushes still to be dropped (ignore_first_intervals). */
  ignoreLeft: number;
}

export function newSchedule(startMs: number, intervalMs: number, dedupIntervalMs: number, align: boolean, ignoreFirstIntervals: number): Schedule {
  const minTime = align ? alignUp(startMs, intervalMs) : startMs;
  const tick = dedupIntervalMs > 0 ? dedupIntervalMs : intervalMs;
  return {
    minDeadline: minTime,
    maxDeadline: minTime + tick,
    flushTime: minTime + intervalMs,
    nextTick: minTime + tick,
    ignoreLeft: ignoreFirstIntervals,
  };
}
