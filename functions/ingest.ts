import { createIngestHandler, ingestDeps, type IngestHandler } from '../lib/compose/ingest.ts';
import { awsDepsFromEnv, initInLambda, lazyHandler } from './wiring/aws.ts';
import { withSelfMetrics } from './wiring/observe.ts';

/** The ingest Lambda: AWS adapters from the environment, composed by lib/compose/ingest.ts. */
export const handler: IngestHandler & { init(): Promise<void> } = lazyHandler(async () => {
  const d = await awsDepsFromEnv(process.env, 'ingest');
  return withSelfMetrics(createIngestHandler(ingestDeps(d)), d, 'ingest', process.env);
});

await initInLambda(handler);
