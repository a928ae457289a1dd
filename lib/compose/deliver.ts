import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { QueueRecord } from '../ports/index.ts';
import { NodeHttpClient } from '../adapters/http/node-http-client.ts';
import { fromSqsEvent } from '../adapters/lambda/events.ts';
import { deliverBatch, destinationFor, type DeliveryDeps } from '../delivery/deliver.ts';
import { DestinationHealthRegistry } from '../delivery/destination-health.ts';
import { failLaterInGroup } from '../delivery/ordered.ts';
import { buildDestinationAuth } from '../remote-write/auth/build.ts';
import type { RemoteAuthDeps } from '../remote-write/auth/types.ts';
import type { GatewayDeps } from './deps.ts';
import { remoteAuthDeps } from './remote-auth.ts';

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
  return middy(async (event: SQSEvent, context: Pick<Context, 'getRemainingTimeInMillis'>) => deliverRecords(deps, fromSqsEvent(event), context.getRemainingTimeInMillis())) as unknown as DeliverHandler;
}

/**
 * The deliver handler's work on records the caller already has (the local runner's queue messages, whose
 * bodies stay bytes instead of going through an SQS event's base64): the same deadline, the same answer.
 */
export async function deliverRecords(deps: DeliveryDeps, records: readonly QueueRecord[], remainingMs: number): Promise<SQSBatchResponse> {
  const deadline = deliveryDeadline(deps.clock.now(), remainingMs);
  const { failedMessageIds } = await deliverBatch(records, deadline, deps);
  return { batchItemFailures: failLaterInGroup(records, failedMessageIds).map((id) => ({ itemIdentifier: id })) };
}

/**
 * Built once per process (a Lambda container at cold start, or the local runner), so destination health
 * outlives an invocation: a warm container that knows a receiver is down probes it instead of waiting out
 * each batch's budget.
 */
export function deliveryDeps(d: GatewayDeps, http = new NodeHttpClient(), auth: RemoteAuthDeps = remoteAuthDeps(d.env ?? {}, d.clock, http, d.secrets)): DeliveryDeps {
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
