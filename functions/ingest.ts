import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { fromApiGatewayEvent, toApiGatewayResult } from '../lib/adapters/lambda/events.ts';
import { createIngest, type IngestDeps } from '../lib/ingest/pipeline.ts';
import { createRouter } from '../lib/ingest/routes.ts';
import { awsDepsFromEnv, lazyHandler, type AwsDeps } from './wiring/aws.ts';

export type IngestHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** Every push route behind one function (one warm pool, one cold start). */
export function createIngestHandler(deps: IngestDeps): IngestHandler {
  const ingest = createIngest(deps);
  return middy(async (event: APIGatewayProxyEventV2) => toApiGatewayResult(await ingest(fromApiGatewayEvent(event))));
}

export function ingestDeps(d: AwsDeps): IngestDeps {
  return { router: createRouter(d.config.ingest), limits: d.config.ingest, maxSamplesPerMessage: d.config.queue.maxSamplesPerMessage, ...(d.config.queue.ordered ? { shards: d.config.queue.shards } : {}), relabel: d.config.relabel, externalLabels: d.config.externalLabels, queue: d.queue, blobs: d.blobs, clock: d.clock, logger: d.logger, metrics: d.metrics };
}

export const handler: IngestHandler = lazyHandler(() => createIngestHandler(ingestDeps(awsDepsFromEnv(process.env, 'ingest'))));
