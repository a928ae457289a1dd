import type { ConditionalBlobStore, Metrics } from '../../ports/index.ts';
import type { SendSeries } from './flush.ts';
import type { ShardState } from './shard-state.ts';
import { loadShard, saveShard } from './shard-store.ts';

export interface OutboxDeps {
  state: ConditionalBlobStore;
  send: SendSeries;
  metrics: Metrics;
  maxAttempts?: number;
}

/**
 * Sends a committed state's outbox, then clears it unless a later write replaced it (outboxId). Throws when
 * the send fails: the series stay in the outbox and the next flush sends them again (the same samples).
 * Returns the number of series sent.
 */
export async function sendAndClear(deps: OutboxDeps, section: string, shard: number, key: string, state: ShardState, version: string): Promise<number> {
  const id = state.outboxId;
  await deps.send(state.outbox, { section, shard });
  const n = state.outbox.length;
  let cur = state;
  let ver: string | undefined = version;
  for (let attempt = 1; attempt <= (deps.maxAttempts ?? 5); attempt++) {
    if (cur.outboxId !== id || cur.outbox.length === 0) return n;
    const written = await saveShard(deps.state, key, { ...cur, outbox: [] }, ver);
    if (written !== undefined) return n;
    deps.metrics.inc('aggregation_state_conflicts_total', { section, op: 'clear' });
    ({ state: cur, version: ver } = await loadShard(deps.state, key));
    if (ver === undefined) return n;
  }
  // Sent but not cleared: the next flush sends the same samples once more.
  return n;
}
