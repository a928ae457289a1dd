import assert from 'node:assert/strict';
import { DEFAULT_LIMITS, type IngestLimits } from '../../lib/config/schema.ts';
import type { Label, TimeSeries } from '../../lib/model/types.ts';
import { unpackMessage } from '../../lib/queue/unpack.ts';
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

/**
 * `requests` bodies sent to `path` at once, `rounds` times: each answered 204, and every series queued in a
 * round comes out exactly once (named by __name__ and `host`), `expected` of them, each checked by `check`
 * (for values that tell which request it came from). Proves requests in flight do not share storage.
 */
export async function concurrentRequestsQueueTheirOwn(path: string, body: (r: number) => string, expected: number, check: (s: TimeSeries, name: string, host: string) => void, requests = 6, rounds = 3): Promise<void> {
  const h = ingestHarness();
  for (let round = 0; round < rounds; round++) {
    h.queue.sent.length = 0;
    const res = await Promise.all(Array.from({ length: requests }, (_, r) => h.call('POST', path, body(r))));
    assert.deepEqual(res.map((x) => x.status), Array.from({ length: requests }, () => 204));
    const seen = new Map<string, number>();
    for (const m of h.queue.sent) {
      for (const s of (await unpackMessage(m.body, m.attributes, h.blobs)).timeseries) {
        const name = s.labels.find((l) => l.name === '__name__')!.value;
        const host = s.labels.find((l) => l.name === 'host')!.value;
        check(s, name, host);
        seen.set(`${name} ${host}`, (seen.get(`${name} ${host}`) ?? 0) + 1);
      }
    }
    assert.equal(seen.size, expected);
    assert.ok([...seen.values()].every((n) => n === 1));
  }
}
