import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { NodeHttpClient } from '../lib/adapters/http/node-http-client.ts';
import { fromSqsEvent } from '../lib/adapters/lambda/events.ts';
import { deliverBatch, destinationFor, type DeliveryDeps } from '../lib/delivery/deliver.ts';
import { buildDestinationAuth } from '../lib/remote-write/auth/build.ts';
import type { RemoteAuthDeps } from '../lib/remote-write/auth/types.ts';
import { failLaterInGroup } from '../lib/delivery/ordered.ts';
import { DestinationHealthRegistry } from '../lib/delivery/destination-health.ts';
import { awsDepsFromEnv, initInLambda, lazyHandler, type AwsDeps } from './wiring/aws.ts';
import { withSelfMetrics } from './wiring/observe.ts';
import { remoteAuthDeps } from './wiring/remote-auth.ts';

export type DeliverHandler = (event: SQSEvent, context: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<SQSBatchResponse>;

/**
 * Retries stop early enough to write what is left to overflow/ before the invocation ends: a fifth of the
 * remaining time, at least 2 s and at most 15 s, is kept for that.
 */
export function deliveryDeadline(now: number, remainingMs: number): number {
  const reserve = Math.min(15_000, Math.max(2_000, remainingMs / 5));
  return now + Math.max(0, remainingMs - reserve);
}

/**
 * Partial batch responses: only messages whose data could not be made durable (or, in ordered mode, that a
 * destination could not take yet) come back; on a FIFO queue, with every later message of their group.
 */
export function createDeliverHandler(deps: DeliveryDeps): DeliverHandler {
  return middy(async (event: SQSEvent, context: Pick<Context, 'getRemainingTimeInMillis'>) => {
    const deadline = deliveryDeadline(deps.clock.now(), context.getRemainingTimeInMillis());
    const records = fromSqsEvent(event);
    const { failedMessageIds } = await deliverBatch(records, deadline, deps);
    return { batchItemFailures: failLaterInGroup(records, failedMessageIds).map((id) => ({ itemIdentifier: id })) };
  }) as unknown as DeliverHandler;
}

/**
 * Built once per process (a Lambda container at cold start, or the local runner), so destination health
 * outlives an invocation: a warm container that knows a receiver is down probes it instead of waiting out
 * each batch's budget.
 */
export function deliveryDeps(d: AwsDeps, http = new NodeHttpClient(), auth: RemoteAuthDeps = remoteAuthDeps(process.env, d.clock, http, d.secrets)): DeliveryDeps {
  return {
    destinations: d.config.remoteWrite.map((config) => ({ ...destinationFor(config), ...buildDestinationAuth(config, auth) })),
    http,
    blobs: d.blobs,
    clock: d.clock,
    logger: d.logger,
    metrics: d.metrics,
    random: Math.random,
    ordered: d.config.queue.ordered,
    health: new DestinationHealthRegistry({ clock: d.clock, logger: d.logger, metrics: d.metrics }),
  };
}

export const handler: DeliverHandler & { init(): Promise<void> } = lazyHandler(async () => {
  const d = await awsDepsFromEnv(process.env, 'deliver');
  return withSelfMetrics(createDeliverHandler(deliveryDeps(d)), d, 'deliver', process.env);
});

await initInLambda(handler);
