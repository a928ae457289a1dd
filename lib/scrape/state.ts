import zlib from 'node:zlib';
import type { Label } from '../model/types.ts';
import type { BlobStore } from '../ports/index.ts';
import { SCRAPE_STATE_PREFIX } from '../queue/bucket-keys.ts';

/**
 * What one shard remembers between invocations, under `state/scrape/` in the blob store:
 *   series/<shard>-of-<shards>.json.gz   per target: its labels and the series of its last successful
 *                                        scrape (label keys), for staleness markers; gzip JSON
 *   status/<shard>-of-<shards>.json      per target: health, last scrape, duration, error (for /targets)
 * One object per shard keeps S3 requests at two GETs and two PUTs per invocation whatever the target count.
 * The local runner keeps the series state in memory (MemorySeriesStore) and the status in its blob store.
 */
export const STATE_PREFIX = SCRAPE_STATE_PREFIX;
export const STATUS_PREFIX = `${STATE_PREFIX}status/`;

export interface TargetSeriesState {
  job: string;
  /** The target's labels (job, instance, ...): names its report series when the target goes away. */
  labels: Label[];
  /** labelsKey() of each series the last successful scrape wrote with the scrape time. */
  series: string[];
  /** The keys of `series` that are native histogram series (their staleness marker is a histogram). */
  histograms?: string[];
}

export interface SeriesState {
  targets: Record<string, TargetSeriesState>;
}

export interface SeriesStateStore {
  load(shard: number, shards: number): Promise<SeriesState>;
  save(shard: number, shards: number, state: SeriesState): Promise<void>;
}

export interface TargetStatus {
  key: string;
  job: string;
  url: string;
  discoveredLabels: Record<string, string>;
  labels: Record<string, string>;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  /** Milliseconds since the epoch; 0 = not scraped yet. */
  lastScrape: number;
  lastScrapeDurationSeconds: number;
  intervalMs: number;
  timeoutMs: number;
}

export interface DroppedTargetStatus {
  job: string;
  discoveredLabels: Record<string, string>;
}

export interface ShardStatus {
  shard: number;
  shards: number;
  updatedAt: number;
  active: TargetStatus[];
  /** Only shard 0 lists dropped targets (every shard discovers the same ones). */
  dropped: DroppedTargetStatus[];
}

const shardName = (shard: number, shards: number): string => `${shard}-of-${shards}`;

export class BlobSeriesStore implements SeriesStateStore {
  private readonly blobs: BlobStore;
  constructor(blobs: BlobStore) {
    this.blobs = blobs;
  }
  async load(shard: number, shards: number): Promise<SeriesState> {
    const blob = await this.blobs.get(`${STATE_PREFIX}series/${shardName(shard, shards)}.json.gz`);
    if (!blob) return { targets: {} };
    try {
      const parsed = JSON.parse(zlib.gunzipSync(blob.body).toString('utf8')) as SeriesState;
      return parsed && typeof parsed.targets === 'object' ? parsed : { targets: {} };
    } catch {
      // A corrupt state object costs staleness markers for one round, never a failed invocation.
      return { targets: {} };
    }
  }
  async save(shard: number, shards: number, state: SeriesState): Promise<void> {
    await this.blobs.put(`${STATE_PREFIX}series/${shardName(shard, shards)}.json.gz`, zlib.gzipSync(JSON.stringify(state), { level: 6 }), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
  }
}

export class MemorySeriesStore implements SeriesStateStore {
  private readonly states = new Map<string, SeriesState>();
  async load(shard: number, shards: number): Promise<SeriesState> {
    return this.states.get(shardName(shard, shards)) ?? { targets: {} };
  }
  async save(shard: number, shards: number, state: SeriesState): Promise<void> {
    this.states.set(shardName(shard, shards), state);
  }
}

export async function loadShardStatus(blobs: BlobStore, shard: number, shards: number): Promise<ShardStatus | undefined> {
  const blob = await blobs.get(`${STATUS_PREFIX}${shardName(shard, shards)}.json`);
  return blob ? parseStatus(blob.body) : undefined;
}

export async function saveShardStatus(blobs: BlobStore, status: ShardStatus): Promise<void> {
  await blobs.put(`${STATUS_PREFIX}${shardName(status.shard, status.shards)}.json`, Buffer.from(JSON.stringify(status)), { 'content-type': 'application/json' });
}

/**
 * Every shard's last status, for /targets: the status objects of the most recent shard count only (objects
 * of an older shard count are left over after a resize and ignored).
 */
export async function loadAllStatus(blobs: BlobStore): Promise<ShardStatus[]> {
  const infos = await blobs.list(STATUS_PREFIX, { limit: 1000 });
  const all: ShardStatus[] = [];
  for (const info of infos) {
    const blob = await blobs.get(info.key);
    const s = blob ? parseStatus(blob.body) : undefined;
    if (s) all.push(s);
  }
  if (!all.length) return [];
  const newest = all.reduce((a, b) => (b.updatedAt > a.updatedAt ? b : a));
  return all.filter((s) => s.shards === newest.shards).sort((a, b) => a.shard - b.shard);
}

function parseStatus(body: Uint8Array): ShardStatus | undefined {
  try {
    const s = JSON.parse(Buffer.from(body).toString('utf8')) as ShardStatus;
    return Array.isArray(s?.active) ? s : undefined;
  } catch {
    return undefined;
  }
}

/** The inverse of labelsKey() (lib/model/labels.ts). */
export function labelsFromKey(key: string): Label[] {
  const out: Label[] = [];
  for (const pair of key.split('\u0001')) {
    if (pair === '') continue;
    const i = pair.indexOf('\u0000');
    out.push({ name: pair.slice(0, i), value: pair.slice(i + 1) });
  }
  return out;
}
