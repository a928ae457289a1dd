import { CounterRegistry } from '../../../lib/adapters/system.ts';
import { createInboundAuth } from '../../../lib/auth/inbound-auth.ts';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { createIngest, type HttpLikeRequest } from '../../../lib/ingest/pipeline.ts';
import { createRouter } from '../../../lib/ingest/routes.ts';
import type { SecretStore } from '../../../lib/ports/index.ts';
import { unpackMessage } from '../../../lib/queue/unpack.ts';
import { formatSeries } from '../../../lib/model/labels.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger, MemoryQueue } from '../../helpers/fakes.ts';

/** A SecretStore over a map that counts reads and can be told to fail. */
export class MapSecretStore implements SecretStore {
  readonly values: Record<string, string>;
  reads = 0;
  failing = false;
  constructor(values: Record<string, string>) {
    this.values = values;
  }
  async get(ref: string): Promise<string> {
    this.reads++;
    if (this.failing) throw new Error(`secret ${ref}: store unavailable`);
    const v = this.values[ref];
    if (v === undefined) throw new Error(`secret ${ref}: not found`);
    return v;
  }
}

/** The ingest core with `auth:` from a gateway.yaml-shaped object, wired to in-memory fakes. */
export function authHarness(auth: unknown, secrets: Record<string, string> = {}) {
  const config = parseGatewayConfig({ auth });
  const store = new MapSecretStore(secrets);
  const queue = new MemoryQueue();
  const blobs = new MemoryBlobStore();
  const metrics = new CounterRegistry();
  const logger = new MemoryLogger();
  const ingest = createIngest({
    auth: createInboundAuth(config.auth, { secrets: store, logger, metrics }),
    router: createRouter(config.ingest),
    limits: config.ingest,
    maxSamplesPerMessage: 10_000,
    relabel: config.relabel,
    externalLabels: config.externalLabels,
    queue,
    blobs,
    clock: new FakeClock(),
    logger,
    metrics,
  });
  const call = (method: string, pathAndQuery: string, body: string | Uint8Array = '', headers: Record<string, string> = {}) => {
    const u = new URL(pathAndQuery, 'http://x');
    const req: HttpLikeRequest = { method, path: u.pathname, query: u.searchParams, headers, body: typeof body === 'string' ? Buffer.from(body) : body };
    return ingest(req);
  };
  const queued = async (): Promise<{ tenant: string | undefined; series: string[] }[]> => {
    const out = [];
    for (const m of queue.sent) {
      const wr = await unpackMessage(m.body, m.attributes, blobs);
      out.push({ tenant: m.attributes.tenant, series: wr.timeseries.map((s) => formatSeries(s.labels)) });
    }
    return out;
  };
  return { call, queue, queued, logger, metrics, store };
}

export const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
