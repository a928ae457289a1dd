/**
 * When targets are scraped. EventBridge fires at most once a minute, so one invocation covers the window
 * [from, to) of its scheduled minute and scrapes a target at every multiple of its interval inside it
 * (times since the epoch, so every invocation and the local runner agree): a 15s interval gives 4 rounds per
 * invocation, a 2m interval one round every other invocation, 90s one round in two minutes out of three.
 */
export function roundTimes(intervalMs: number, from: number, to: number): number[] {
  const out: number[] = [];
  if (intervalMs <= 0) return out;
  for (let t = Math.ceil(from / intervalMs) * intervalMs; t < to; t += intervalMs) out.push(t);
  return out;
}

/** The scheduled minute an invocation covers: the event's time (or now) floored to the minute. */
export function scheduledMinute(time: number): number {
  return Math.floor(time / 60_000) * 60_000;
}
