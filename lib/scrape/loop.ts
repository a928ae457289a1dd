import type { Clock } from '../ports/index.ts';
import { scheduledMinute } from './rounds.ts';
import { runScrapeWindow, type ScrapeDeps } from './run.ts';

export interface ScrapeLoop {
  /** Ends the loop after the scrapes in flight; resolves when it has stopped. */
  stop(): Promise<void>;
}

/**
 * The local runner's scraper: the same windows the scheduled function runs, back to back and without gaps
 * (the first one starts now, so a 15s job is scraped within 15s of start-up), one shard, state in memory.
 * A window that throws (e.g. the blob store is down) is logged and the next one runs.
 */
export function startScrapeLoop(deps: ScrapeDeps): ScrapeLoop {
  let stopped = false;
  let wake: (() => void) | undefined;
  const clock: Clock = {
    now: () => deps.clock.now(),
    sleep: (ms) =>
      stopped
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const done = (): void => {
              wake = undefined;
              resolve();
            };
            wake = done;
            void deps.clock.sleep(ms).then(done);
          }),
  };
  const loopDeps: ScrapeDeps = { ...deps, clock };
  const running = (async () => {
    let from = deps.clock.now();
    while (!stopped) {
      const to = scheduledMinute(from) + 60_000;
      try {
        await runScrapeWindow(loopDeps, { from, to, shard: 0, shards: 1, shouldStop: () => stopped });
      } catch (err) {
        deps.logger.error('scrape window failed', { error: String(err) });
      }
      if (stopped) break;
      const wait = to - deps.clock.now();
      if (wait > 0) await clock.sleep(wait);
      from = to;
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await running;
    },
  };
}
