import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { fromApiGatewayEvent, toApiGatewayResult } from '../adapters/lambda/events.ts';
import { LocalSecretStore } from '../adapters/secrets/local-secret-store.ts';
import { createInboundAuth } from '../auth/inbound-auth.ts';
import { createIngest, type IngestDeps } from '../ingest/pipeline.ts';
import { createRouter, protocolOptions } from '../ingest/routes.ts';
import { loadAllStatus } from '../scrape/state.ts';
import { targetsRoutes } from '../scrape/status.ts';
import type { GatewayDeps } from './deps.ts';

export type IngestHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** Every push route behind one function (one warm pool, one cold start). */
export function createIngestHandler(deps: IngestDeps): IngestHandler {
  const ingest = createIngest(deps);
  return middy(async (event: APIGatewayProxyEventV2) => toApiGatewayResult(await ingest(fromApiGatewayEvent(event))));
}

export function ingestDeps(d: GatewayDeps): IngestDeps {
  const auth = createInboundAuth(d.config.auth, { secrets: d.secrets ?? new LocalSecretStore({}), logger: d.logger, metrics: d.metrics });
  // With scrape_configs, /api/v1/targets and /targets read the scrape function's status from state/ in the blob store.
  const extra = d.config.scrape.length ? targetsRoutes(() => loadAllStatus(d.blobs)) : [];
  return {
    auth,
    router: createRouter(d.config.ingest, protocolOptions(d.config), extra),
    limits: d.config.ingest,
    maxSamplesPerMessage: d.config.queue.maxSamplesPerMessage,
    ...(d.config.queue.ordered ? { shards: d.config.queue.shards } : {}),
    relabel: d.config.relabel,
    externalLabels: d.config.externalLabels,
    queue: d.queue,
    blobs: d.blobs,
    clock: d.clock,
    logger: d.logger,
    metrics: d.metrics,
  };
}
