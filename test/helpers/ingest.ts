import { DEFAULT_LIMITS, type IngestLimits } from '../../lib/config/schema.ts';
import type { Label } from '../../lib/model/types.ts';
import type { CompiledRelabel } from '../../lib/relabel/index.ts';
import { createIngest, type HttpLikeRequest } from '../../lib/ingest/pipeline.ts';
import { createRouter } from '../../lib/ingest/routes.ts';
import { CounterRegistry } from '../../lib/adapters/system.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger, MemoryQueue } from './fakes.ts';

/** The ingest core wired to in-memory fakes. */
export function ingestHarness(limits: Partial<IngestLimits> = {}, maxMessageBytes?: number, gateway: { relabel?: CompiledRelabel; externalLabels?: Label[] } = {}) {
  const l = { ...DEFAULT_LIMITS, ...limits };
  const queue = new MemoryQueue(maxMessageBytes);
  const blobs = new MemoryBlobStore();
  const metrics = new CounterRegistry();
  const logger = new MemoryLogger();
  const clock = new FakeClock();
  const ingest = createIngest({ router: createRouter(l), limits: l, maxSamplesPerMessage: 10_000, relabel: gateway.relabel ?? { rules: [] }, externalLabels: gateway.externalLabels ?? [], queue, blobs, clock, logger, metrics });
  const call = (method: string, pathAndQuery: string, body: string | Uint8Array = '', headers: Record<string, string> = {}) => {
    const u = new URL(pathAndQuery, 'http://x');
    const req: HttpLikeRequest = { method, path: u.pathname, query: u.searchParams, headers, body: typeof body === 'string' ? Buffer.from(body) : body };
    return ingest(req);
  };
  return { queue, blobs, metrics, logger, clock, call };
}
