import { createScrapeHandler, scrapeDeps, type ScrapeHandler } from '../lib/compose/scrape.ts';
import { awsDepsFromEnv, initInLambda, lazyHandler } from './wiring/aws.ts';

/** The scrape Lambda: AWS adapters from the environment, composed by lib/compose/scrape.ts. */
export const handler: ScrapeHandler & { init(): Promise<void> } = lazyHandler(async () => createScrapeHandler(scrapeDeps(await awsDepsFromEnv(process.env, 'scrape'))));

await initInLambda(handler);
