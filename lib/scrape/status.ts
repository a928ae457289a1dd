import { formatDuration } from '../config/duration.ts';
import type { ProtocolRoute, RouteResponse } from '../ingest/types.ts';
import type { ShardStatus, TargetStatus } from './state.ts';

/** Where the status routes read the last scrape status of every shard (the blob store's state/scrape/status/). */
export type StatusSource = () => Promise<ShardStatus[]>;

const NEVER = '0001-01-01T00:00:00Z';

/** One active target in Prometheus' /api/v1/targets shape. */
function apiTarget(t: TargetStatus): Record<string, unknown> {
  return {
    discoveredLabels: t.discoveredLabels,
    labels: t.labels,
    scrapePool: t.job,
    scrapeUrl: t.url,
    globalUrl: t.url,
    lastError: t.lastError,
    lastScrape: t.lastScrape ? new Date(t.lastScrape).toISOString() : NEVER,
    lastScrapeDuration: t.lastScrapeDurationSeconds,
    health: t.health,
    scrapeInterval: formatDuration(t.intervalMs),
    scrapeTimeout: formatDuration(t.timeoutMs),
  };
}

/**
 * `GET /api/v1/targets` as Prometheus answers it: `{"status":"success","data":{"activeTargets":[...],
 * "droppedTargets":[...]}}`, with `?state=active|dropped|any` and `?scrapePool=<job>`. A bad state is
 * Prometheus' 400 `bad_data` error body.
 */
export function targetsApiResponse(shards: readonly ShardStatus[], query: URLSearchParams): RouteResponse {
  const state = (query.get('state') ?? 'any').toLowerCase();
  if (!['active', 'dropped', 'any', ''].includes(state)) {
    return json(400, { status: 'error', errorType: 'bad_data', error: `invalid state ${JSON.stringify(state.slice(0, 50))}: want active, dropped or any` });
  }
  const pool = query.get('scrapePool');
  const keep = (job: string): boolean => pool === null || pool === '' || pool === job;
  const active = shards.flatMap((s) => s.active).filter((t) => keep(t.job)).sort(byPoolThenUrl).map(apiTarget);
  const dropped = shards.flatMap((s) => s.dropped).filter((d) => keep(d.job)).map((d) => ({ discoveredLabels: d.discoveredLabels }));
  const data: Record<string, unknown> = {};
  data.activeTargets = state === 'dropped' ? [] : active;
  data.droppedTargets = state === 'active' ? [] : dropped;
  return json(200, { status: 'success', data });
}

function byPoolThenUrl(a: TargetStatus, b: TargetStatus): number {
  return a.job < b.job ? -1 : a.job > b.job ? 1 : a.url < b.url ? -1 : a.url > b.url ? 1 : 0;
}

function json(status: number, body: unknown): RouteResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The `/targets` page: one table per job with endpoint, health, labels, last scrape, duration and error. */
export function targetsHtml(shards: readonly ShardStatus[], now: number): RouteResponse {
  const byJob = new Map<string, TargetStatus[]>();
  for (const t of shards.flatMap((s) => s.active).sort(byPoolThenUrl)) {
    const list = byJob.get(t.job) ?? [];
    list.push(t);
    byJob.set(t.job, list);
  }
  const sections = [...byJob].map(([job, list]) => {
    const up = list.filter((t) => t.health === 'up').length;
    const rows = list
      .map((t) => {
        const labels = Object.entries(t.labels).map(([k, v]) => `<span class="label">${esc(k)}="${esc(v)}"</span>`).join(' ');
        const ago = t.lastScrape ? `${((now - t.lastScrape) / 1000).toFixed(1)}s ago` : 'never';
        return `<tr class="${t.health}"><td><a href="${esc(t.url)}">${esc(t.url)}</a></td><td>${t.health}</td><td>${labels}</td><td>${ago}</td><td>${t.lastScrapeDurationSeconds.toFixed(3)}s</td><td>${esc(t.lastError)}</td></tr>`;
      })
      .join('\n');
    return `<h2 id="${esc(job)}">${esc(job)} (${up}/${list.length} up)</h2>\n<table><thead><tr><th>Endpoint</th><th>State</th><th>Labels</th><th>Last scrape</th><th>Scrape duration</th><th>Error</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
  });
  const body = `<!doctype html><html><head><meta charset="utf-8"><title>Targets - metrics gateway</title><style>
body{font-family:sans-serif;margin:1em 2em}table{border-collapse:collapse;width:100%;margin-bottom:2em}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
tr.up td:nth-child(2){color:#060}tr.down td:nth-child(2){color:#b00}tr.unknown td:nth-child(2){color:#666}.label{background:#eef;border-radius:3px;padding:0 4px;margin:1px;display:inline-block;font-size:90%}
</style></head><body><h1>Targets</h1>
${sections.length ? sections.join('\n') : '<p>No targets (no scrape_configs, or no scrape has run yet).</p>'}
</body></html>
`;
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body };
}

/**
 * The status routes, served by the ingest function (and the local runner) behind the same inbound auth as
 * every push route. They read the blob store, hence the deferred outcome.
 */
export function targetsRoutes(source: StatusSource): ProtocolRoute[] {
  return [
    {
      protocol: 'targets',
      paths: ['/api/v1/targets'],
      methods: ['GET'],
      handle: (req) => ({ kind: 'deferred', response: async () => targetsApiResponse(await source(), req.query) }),
    },
    {
      protocol: 'targets',
      paths: ['/targets'],
      methods: ['GET'],
      handle: (req) => ({ kind: 'deferred', response: async () => targetsHtml(await source(), req.now) }),
    },
  ];
}
