import type { HttpLikeRequest } from '../ports/index.ts';
import type { PoolRequest } from './ingest-pool.ts';

/**
 * The core's request for a request the ingest pool hands a worker: what
 * `fromApiGatewayEvent(toApiGatewayEvent(req))` (lib/adapters/lambda/events.ts) gives, field for field (header
 * names lower-cased, repeated headers joined with `,`, the path and query of the URL), without the round trip
 * through an API Gateway event: that copied the body, encoded it to base64 and decoded it back, ~3x the
 * body's size in garbage and CPU per request in the worker. The body is a view of the bytes the worker got
 * (transferred or cloned for it alone), not a copy.
 */
export function httpRequestOf(req: PoolRequest): HttpLikeRequest {
  const u = new URL(req.url, 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  return {
    method: req.method,
    path: u.pathname,
    query: new URLSearchParams(u.search.slice(1)),
    headers,
    body: Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength),
  };
}
