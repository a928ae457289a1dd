/**
 * The bucket's key layout, in one place: the functions that write and read the blob store and the CDK
 * grants and lifecycle rules (infra/constructs/blob-bucket.ts) take every prefix from here
 * (docs/architecture.md, "The bucket layout"). Keys that carry a time start with it in ISO form (colons
 * replaced, so keys stay portable): lexical order is oldest first, the order replay drains them in.
 */

/** Every top-level prefix of the bucket. */
export const BUCKET_PREFIXES = {
  /** Claim-checked queue payloads too large for one message: `spool/<date>/<id>.snappy`. */
  spool: 'spool/',
  /** What a destination could not take in time: `overflow/<destination>/<time>-<id>.snappy`. */
  overflow: 'overflow/',
  /** What a destination refused (4xx): `rejected/<destination>/<time>-<id>[-<n>].snappy`. */
  rejected: 'rejected/',
  /** What must outlive an invocation: `state/scrape/`, `state/aggregation/`. */
  state: 'state/',
  /** file_sd target files a user uploads (`blob:sd/...` in gateway.yaml). */
  sd: 'sd/',
} as const;

export type BucketPrefix = (typeof BUCKET_PREFIXES)[keyof typeof BUCKET_PREFIXES];

/** The areas a destination's data is parked in. */
export type ParkedArea = 'overflow' | 'rejected';

/** ISO time with `-` for `:`. */
function keyTime(now: number): string {
  return new Date(now).toISOString().replace(/:/g, '-');
}

/** `spool/<YYYY-MM-DD>/<id>.snappy`: a claim-checked payload of a push or scrape request. */
export function spoolKey(now: number, id: string): string {
  return `${BUCKET_PREFIXES.spool}${new Date(now).toISOString().slice(0, 10)}/${id}.snappy`;
}

/** `spool/self-metrics/<instance>-<now>.snappy`: a self-metrics payload (never expected: one series fits a message). */
export function selfMetricsSpoolKey(instance: string, now: number): string {
  return `${BUCKET_PREFIXES.spool}self-metrics/${instance}-${now}.snappy`;
}

/** `overflow/<destination>/` or `rejected/<destination>/`: one destination's parked data. */
export function destinationPrefix(area: ParkedArea, destination: string): string {
  return `${BUCKET_PREFIXES[area]}${destination}/`;
}

/** `<area>/<destination>/<ISO time>-<message id>[-<n>].snappy`; the id is reduced to [A-Za-z0-9_-]. */
export function blobKey(area: ParkedArea, destination: string, now: number, messageId: string, part?: number): string {
  const id = messageId.replace(/[^A-Za-z0-9_-]/g, '_');
  return `${destinationPrefix(area, destination)}${keyTime(now)}-${id}${part === undefined ? '' : `-${part}`}.snappy`;
}

/** Where replay moves chunk `chunk` of an overflow object a destination refused: same file name under rejected/, `-<chunk>` past the first. */
export function rejectedKeyForOverflow(overflowKey: string, destination: string, chunk: number): string {
  const file = overflowKey.slice(destinationPrefix('overflow', destination).length).replace(/\.snappy$/, '');
  return `${destinationPrefix('rejected', destination)}${file}${chunk === 0 ? '' : `-${chunk}`}.snappy`;
}

/**
 * When an object was parked, from its key (`<area>/<dest>/<ISO time with - for :>-<id>...`, see blobKey);
 * undefined for a key not made by blobKey.
 */
export function parkedAt(key: string): number | undefined {
  const m = /^[^/]+\/[^/]+\/(\d{4}-\d\d-\d\dT)(\d\d)-(\d\d)-(\d\d(?:\.\d+)?Z)/.exec(key);
  if (!m) return undefined;
  const t = Date.parse(`${m[1]}${m[2]}:${m[3]}:${m[4]}`);
  return Number.isNaN(t) ? undefined : t;
}

/** The scrape function's state: `state/scrape/series/...` (staleness) and `state/scrape/status/...` (/targets). */
export const SCRAPE_STATE_PREFIX = `${BUCKET_PREFIXES.state}scrape/`;

/** Stream aggregation state: every shard of every section under here. */
export const AGGREGATION_STATE_PREFIX = `${BUCKET_PREFIXES.state}aggregation/`;

/**
 * `state/aggregation/<section>/<shard>`: the snapshot of one stream aggregation section (a config section
 * name) for one queue shard. Both parts are percent-encoded, so neither can add a level or escape state/.
 */
export function aggregationStateKey(section: string, shard: string | number): string {
  return `${AGGREGATION_STATE_PREFIX}${encodeURIComponent(section)}/${encodeURIComponent(String(shard))}`;
}
