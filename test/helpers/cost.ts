/**
 * CPU cost as a ratio, never as a wall-clock threshold (machines here are noisy): how much more CPU a
 * larger input takes than a smaller one. Each side takes the least of several runs, which discards the
 * runs a busy neighbour or a GC pause inflated.
 */
export function cpuMicros(fn: () => void, runs = 5): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = process.cpuUsage();
    fn();
    const d = process.cpuUsage(t0);
    best = Math.min(best, d.user + d.system);
  }
  return Math.max(best, 1);
}

/**
 * The growth of cost from `small` to `large` inputs, divided by the growth of the input: about 1 for a
 * linear algorithm, about `large/small` for a quadratic one.
 */
export function superlinearity(run: (n: number) => void, small: number, large: number, runs = 5): number {
  run(small); // warm-up: compile and load before measuring
  const a = cpuMicros(() => run(small), runs);
  const b = cpuMicros(() => run(large), runs);
  return b / a / (large / small);
}

/**
 * The least superlinearity of up to `attempts` measurements: a busy neighbour only ever inflates one side of
 * one measurement, while a quadratic algorithm shows ~large/small on every one.
 */
export function leastSuperlinearity(run: (n: number) => void, small: number, large: number, attempts = 3, runs = 3): number {
  let best = Infinity;
  for (let i = 0; i < attempts && best > 2; i++) best = Math.min(best, superlinearity(run, small, large, runs));
  return best;
}
