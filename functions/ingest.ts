import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { fromApiGatewayEvent, toApiGatewayResult } from '../lib/adapters/lambda/events.ts';
import { createIngest, type IngestDeps } from '../lib/ingest/pipeline.ts';
import { createRouter } from '../lib/ingest/routes.ts';
import { createInboundAuth } from '../lib/auth/inbound-auth.ts';
import { LocalSecretStore } from '../lib/adapters/secrets/local-secret-store.ts';
import { loadAllStatus } from '../lib/scrape/state.ts';
import { targetsRoutes } from '../lib/scrape/status.ts';
import { awsDepsFromEnv, initInLambda, lazyHandler, type AwsDeps } from './wiring/aws.ts';
import { withSelfMetrics } from './wiring/observe.ts';

export type IngestHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** Every push route behind one function (one warm pool, one cold start). */
export function createIngestHandler(deps: IngestDeps): IngestHandler {
  const ingest = createIngest(deps);
  return middy(async (event: APIGatewayProxyEventV2) => toApiGatewayResult(await ingest(fromApiGatewayEvent(event))));
}

export function ingestDeps(d: AwsDeps): IngestDeps {
  const auth = createInboundAuth(d.config.auth, { secrets: d.secrets ?? new LocalSecretStore({}), logger: d.logger, metrics: d.metrics });
  // With scrape_configs, /api/v1/targets and /targets read the scrape function's status from state/ in the blob store.
  const extra = d.config.scrape.length ? targetsRoutes(() => loadAllStatus(d.blobs)) : [];
  return { auth, router: createRouter(d.config.ingest, { otlp: d.config.otlp, datadog: d.config.datadog }, extra), limits: d.config.ingest, maxSamplesPerMessage: d.config.queue.maxSamplesPerMessage, ...(d.config.queue.ordered ? { shards: d.config.queue.shards } : {}), relabel: d.config.relabel, externalLabels: d.config.externalLabels, queue: d.queue, blobs: d.blobs, clock: d.clock, logger: d.logger, metrics: d.metrics };
}

export const handler: IngestHandler & { init(): Promise<void> } = lazyHandler(async () => {
  const d = await awsDepsFromEnv(process.env, 'ingest');
  return withSelfMetrics(createIngestHandler(ingestDeps(d)), d, 'ingest', process.env);
});

await initInLambda(handler);
