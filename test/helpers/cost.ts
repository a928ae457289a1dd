/**
 * CPU cost as a ratio, never as a wall-clock threshold (machines here are noisy): how much more CPU one
 * input takes than another. Each figure is the least of several runs, which discards the runs a busy
 * neighbour or a GC pause inflated (noise only ever adds time).
 */

/** CPU time (user + system, microseconds) of `fn`, the least of `runs` runs; at least 1. */
export async function cpuMicros(fn: () => unknown, runs = 3): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = process.cpuUsage();
    await fn();
    const d = process.cpuUsage(t0);
    best = Math.min(best, d.user + d.system);
  }
  return Math.max(best, 1);
}

/** The least of up to `attempts` measurements, stopping once one is below `limit`. */
export async function leastOf(limit: number, measure: () => Promise<number>, attempts = 3): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < attempts && best >= limit; i++) best = Math.min(best, await measure());
  return best;
}

/**
 * The growth of cost from `small` to `large` inputs, divided by the growth of the input: about 1 for a
 * linear algorithm, about `large/small` for a quadratic one.
 */
export async function superlinearity(run: (n: number) => unknown, small: number, large: number, runs = 3): Promise<number> {
  await run(small); // warm-up: compile and load before measuring
  const a = await cpuMicros(() => run(small), runs);
  const b = await cpuMicros(() => run(large), runs);
  return b / a / (large / small);
}

/**
 * The least superlinearity of up to three measurements: a busy neighbour only ever inflates one side of one
 * measurement, while a quadratic algorithm shows ~large/small on every one.
 */
export function leastSuperlinearity(run: (n: number) => unknown, small: number, large: number): Promise<number> {
  return leastOf(2, () => superlinearity(run, small, large));
}
