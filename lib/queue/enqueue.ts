import { randomUUID } from 'node:crypto';
import { UnavailableError } from '../errors.ts';
import type { FloatBatch } from '../model/batch.ts';
import type { MetricMetadata, TimeSeries } from '../model/types.ts';
import type { BlobStore, Clock, Logger, MessageQueue } from '../ports/index.ts';
import type { BatchSeries } from '../remote-write/encode-batch.ts';
import { spoolKey } from './bucket-keys.ts';
import { packBatch, packSeries, type Packed } from './envelope.ts';

/** What enqueueing needs: the ingest pipeline and the scrape function each pass their own. */
export interface EnqueueDeps {
  queue: MessageQueue;
  blobs: BlobStore;
  clock: Clock;
  logger: Logger;
  /** Samples per queue message (config queue.max_samples_per_message). */
  maxSamplesPerMessage: number;
  /** Ordered mode: shard series into this many message groups. */
  shards?: number;
}

/** Packs and queues finalized series (claim checks under spool/ first); UnavailableError when that fails. */
export async function enqueueSeries(deps: EnqueueDeps, series: readonly TimeSeries[], tenant: string, source: 'push' | 'scrape' = 'push', metadata?: readonly MetricMetadata[]): Promise<void> {
  const packed = packSeries(series, {
    ...(metadata ? { metadata } : {}),
    maxMessageBytes: deps.queue.maxMessageBytes,
    maxSamples: deps.maxSamplesPerMessage,
    tenant,
    source,
    ...(deps.shards !== undefined ? { shards: deps.shards } : {}),
    newSpoolKey: spoolKeys(deps),
  });
  await sendPacked(deps, packed, tenant);
}

/** enqueueSeries for a FloatBatch's series (packBatch: encoded once, sized from measured bytes); not in ordered mode. */
export async function enqueueBatch(deps: EnqueueDeps, batch: FloatBatch, series: BatchSeries, tenant: string, source: 'push' | 'scrape' = 'push'): Promise<void> {
  if (deps.shards !== undefined) throw new Error('enqueueBatch: ordered mode takes enqueueSeries');
  const packed = packBatch(batch, series, { maxMessageBytes: deps.queue.maxMessageBytes, maxSamples: deps.maxSamplesPerMessage, tenant, source, newSpoolKey: spoolKeys(deps) });
  await sendPacked(deps, packed, tenant);
}

function spoolKeys(deps: EnqueueDeps): () => string {
  return () => spoolKey(deps.clock.now(), randomUUID());
}

/** Puts the claim-checked payloads, then sends the messages; UnavailableError when either fails. */
export async function sendPacked(deps: EnqueueDeps, packed: Packed, tenant?: string): Promise<void> {
  try {
    for (const s of packed.spills) await deps.blobs.put(s.key, s.body, { tenant: tenant! });
    await deps.queue.send(packed.messages);
  } catch (err) {
    deps.logger.error('cannot enqueue accepted data', { error: String(err), messages: packed.messages.length });
    throw new UnavailableError('the gateway cannot queue data right now; retry later');
  }
}
