import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { NodeHttpClient } from '../adapters/http/node-http-client.ts';
import type { ReplayConfig } from '../config/overflow.ts';
import { replayOverflow, type DestinationReplay, type ReplayDeps } from '../delivery/replay.ts';
import { deliveryDeadline, deliveryDeps } from './deliver.ts';
import type { GatewayDeps } from './deps.ts';

export type ReplayHandler = (event: ScheduledEvent, context: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<{ destinations: DestinationReplay[] }>;

/**
 * EventBridge schedule -> drain overflow/ (lib/delivery/replay.ts) within the invocation's time, keeping
 * the same reserve as deliver. Reserved concurrency 1 in the stack: runs never overlap.
 */
export function createReplayHandler(deps: ReplayDeps, pacing: Pick<ReplayConfig, 'concurrency' | 'maxObjectsPerSecond' | 'maxBytesPerSecond'>): ReplayHandler {
  return middy(async (_event: ScheduledEvent, context: Pick<Context, 'getRemainingTimeInMillis'>) => {
    const deadline = deliveryDeadline(deps.clock.now(), context.getRemainingTimeInMillis());
    return { destinations: await replayOverflow(deps, { ...pacing, deadline }) };
  }) as unknown as ReplayHandler;
}

export function replayDeps(d: GatewayDeps, http = new NodeHttpClient()): ReplayDeps {
  // The same destinations as deliver: write relabeling, TLS client and auth; health of its own (a replay
  // container is not a deliver container), so a run that finds a receiver back logs its recovery.
  const { destinations, health } = deliveryDeps(d, http);
  return { destinations, http, blobs: d.blobs, clock: d.clock, logger: d.logger, metrics: d.metrics, random: Math.random, ...(health ? { health } : {}) };
}
