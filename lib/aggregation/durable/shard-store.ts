import type { ConditionalBlobStore } from '../../ports/index.ts';
import { decodeShardState, EMPTY_SHARD_STATE, encodeShardState, type ShardState } from './shard-state.ts';

import { AGGREGATION_STATE_PREFIX } from '../../queue/bucket-keys.ts';

export { AGGREGATION_STATE_PREFIX };

/** Section names travel in blob keys and FIFO group ids: `global`, or a destination's name. */
const SECTION_RE = /^[A-Za-z0-9_.-]{1,64}$/;

export function checkSectionName(section: string): void {
  if (!SECTION_RE.test(section)) throw new RangeError(`aggregation section name ${JSON.stringify(section)} must match ${SECTION_RE.source}`);
}

/** `state/aggregation/<section>/<shard>`. */
export function shardStateKey(section: string, shard: number): string {
  checkSectionName(section);
  return `${AGGREGATION_STATE_PREFIX}${section}/${shard}`;
}

/** The FIFO message group of a shard: `agg.<section>.<shard>` (SQS allows 128 characters of this alphabet). */
export function aggregationGroupId(section: string, shard: number): string {
  checkSectionName(section);
  return `agg.${section}.${shard}`;
}

/** The inverse of aggregationGroupId; undefined for any other group id. */
export function parseAggregationGroupId(groupId: string): { section: string; shard: number } | undefined {
  const m = /^agg\.([A-Za-z0-9_.-]{1,64})\.([0-9]{1,4})$/.exec(groupId);
  if (!m) return undefined;
  return { section: m[1]!, shard: Number(m[2]) };
}

export interface LoadedShard {
  state: ShardState;
  /** The blob's version, for the conditional write; undefined when there is no state yet. */
  version: string | undefined;
}

/** Throws SnapshotError when the blob is not a shard state (never overwritten: an operator must look). */
export async function loadShard(store: ConditionalBlobStore, key: string): Promise<LoadedShard> {
  const blob = await store.getVersioned(key);
  if (blob === undefined) return { state: { ...EMPTY_SHARD_STATE, outbox: [] }, version: undefined };
  return { state: decodeShardState(blob.body), version: blob.version };
}

/** The new version, or undefined when another writer changed the shard since `version` was read. */
export function saveShard(store: ConditionalBlobStore, key: string, state: ShardState, version: string | undefined): Promise<string | undefined> {
  return store.putIfVersion(key, encodeShardState(state), version);
}
