import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { NodeHttpClient } from '../../../lib/adapters/http/node-http-client.ts';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { formatSeries } from '../../../lib/model/labels.ts';
import type { TimeSeries } from '../../../lib/model/types.ts';
import { unpackMessage } from '../../../lib/queue/unpack.ts';
import type { ScrapeDeps } from '../../../lib/scrape/run.ts';
import { MemorySeriesStore } from '../../../lib/scrape/state.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger, MemoryQueue } from '../../helpers/fakes.ts';

export interface TestTarget {
  url: string;
  host: string;
  /** What the next scrape answers; change it between rounds. */
  respond: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  requests: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

/** A scrape target on 127.0.0.1 whose answer the test sets. */
export async function startTestTarget(body = 'm 1\n'): Promise<TestTarget> {
  const t: TestTarget = {
    url: '',
    host: '',
    respond: (_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body),
    requests: [],
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    t.requests.push(req.headers);
    t.respond(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  t.host = `127.0.0.1:${port}`;
  t.url = `http://${t.host}`;
  t.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return t;
}

export const text = (body: string) => (_req: http.IncomingMessage, res: http.ServerResponse) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);

/** ScrapeDeps on in-memory fakes and a real HTTP client, from a gateway.yaml-shaped object. */
export function scrapeHarness(raw: Record<string, unknown>, start = 1_700_000_040_000) {
  const config = parseGatewayConfig({ auth: { mode: 'none' }, ...(raw as object) });
  const queue = new MemoryQueue(1024 * 1024);
  const blobs = new MemoryBlobStore();
  const clock = new FakeClock(start);
  const logger = new MemoryLogger();
  const metrics = new CounterRegistry();
  const httpClient = new NodeHttpClient();
  const seriesState = new MemorySeriesStore();
  const deps: ScrapeDeps = {
    jobs: config.scrape,
    discovery: { http: httpClient, blobs, readFile: async () => '', clock },
    httpFor: () => httpClient,
    seriesState,
    queue,
    blobs,
    clock,
    logger,
    metrics,
    maxSamplesPerMessage: 10_000,
    externalLabels: config.externalLabels,
    limits: config.ingest,
  };
  /** Every series queued so far (and forgets them). */
  const drain = async (): Promise<TimeSeries[]> => {
    const out: TimeSeries[] = [];
    for (const m of queue.sent.splice(0)) out.push(...(await unpackMessage(m.body, m.attributes, blobs)).timeseries);
    return out;
  };
  return { config, deps, queue, blobs, clock, logger, metrics, drain, close: () => httpClient.close() };
}

/** `name{labels} value` lines, stale markers as `STALE`, sorted: easy to compare. */
export function show(series: readonly TimeSeries[], opts: { values?: boolean } = {}): string[] {
  return series
    .flatMap((s) => s.samples.map((x) => (opts.values === false ? formatSeries(s.labels) : `${formatSeries(s.labels)} ${x.stale ? 'STALE' : x.value}`)))
    .sort();
}

export function byName(series: readonly TimeSeries[], name: string): TimeSeries[] {
  return series.filter((s) => s.labels.some((l) => l.name === '__name__' && l.value === name));
}
