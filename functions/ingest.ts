import { createIngestHandler, ingestDeps, type IngestHandler } from '../lib/compose/ingest.ts';
import { aggregationConfigured } from '../lib/aggregation/configured.ts';
import { awsDepsFromEnv, initInLambda, lazyHandler } from './wiring/aws.ts';
import { withSelfMetrics } from './wiring/observe.ts';

/** The ingest Lambda: AWS adapters from the environment, composed by lib/compose/ingest.ts. */
export const handler: IngestHandler & { init(): Promise<void> } = lazyHandler(async () => {
  const d = await awsDepsFromEnv(process.env, 'ingest');
  // stream_aggregation: its routing code loads only with the section.
  const aggregation = aggregationConfigured(d.config) ? (await import('./wiring/aggregate-input.ts')).ingestAggregationFromEnv(process.env, d.config) : undefined;
  return withSelfMetrics(createIngestHandler({ ...ingestDeps(d), ...(aggregation ? { aggregation } : {}) }), d, 'ingest', process.env);
});

await initInLambda(handler);
