import type { TimeSeries } from '../../model/types.ts';
import type { BlobStore, ConditionalBlobStore, Logger, Metrics } from '../../ports/index.ts';
import type { SectionSpec } from './machine.ts';
import { sendAndClear } from './outbox.ts';
import { shardSection } from './rules-section.ts';
import type { ShardState } from './shard-state.ts';
import { AGGREGATION_STATE_PREFIX, checkSectionName, loadShard, saveShard, shardStateKey } from './shard-store.ts';

/**
 * Sends output series on as ordinary series (the wiring: pack and enqueue them for delivery, e.g.
 * `(series) => enqueueSeries(queue, series, ...)` from lib/queue). Resolves once they are durable in the
 * delivery queue; rejects otherwise (the flush keeps them in the shard's outbox and sends them again).
 */
export type SendSeries = (series: TimeSeries[], from: { section: string; shard: number }) => Promise<void>;

/** How long after its input's time an apply's unsent outbox is left to the consumer that committed it. */
export const APPLY_OUTBOX_GRACE_MS = 60_000;

export interface FlushDeps {
  state: ConditionalBlobStore;
  /** For listing the shards of a section. */
  list: Pick<BlobStore, 'list'>;
  sections: ReadonlyMap<string, SectionSpec>;
  send: SendSeries;
  logger: Logger;
  metrics: Metrics;
  /** Compare-and-swap attempts per step before the shard is left for the next flush (default 5). */
  maxAttempts?: number;
}

export interface FlushResult {
  /** Output series sent (outbox re-sends included). */
  sent: number;
  /** Shards left for the next run (state unreadable, lost compare-and-swap too often, send failed). */
  failedShards: string[];
}

/**
 * Emits the closed intervals of every shard of every section, as of `at` (the caller's clock minus the
 * grace it gives queued input to arrive: input routed before a boundary but applied after the flush that
 * closed it counts in the next interval, never twice and never lost).
 */
export async function flushAggregation(deps: FlushDeps, at: number): Promise<FlushResult> {
  const result: FlushResult = { sent: 0, failedShards: [] };
  for (const section of deps.sections.keys()) {
    checkSectionName(section);
    const prefix = `${AGGREGATION_STATE_PREFIX}${section}/`;
    let after: string | undefined;
    for (;;) {
      const page = await deps.list.list(prefix, { ...(after !== undefined ? { startAfter: after } : {}), limit: 1000 });
      for (const { key } of page) {
        const shard = Number(key.slice(prefix.length));
        if (!Number.isInteger(shard) || String(shard) !== key.slice(prefix.length)) continue;
        try {
          result.sent += await flushShard(deps, section, shard, at);
        } catch (err) {
          result.failedShards.push(key);
          deps.metrics.inc('aggregation_flush_failures_total', { section }, 1);
          deps.logger.error('aggregation flush of a shard failed; it is retried at the next flush', { key, error: (err as Error).message });
        }
      }
      if (page.length < 1000) break;
      after = page[page.length - 1]!.key;
    }
  }
  return result;
}

/**
 * One shard's flush, exact under a consumer or another flush racing on the shard:
 *   1. an outbox left by an earlier flush (its send or its clearing failed) is sent again and cleared;
 *   2. the engine is restored and flushed at `at`; the new state is written with the output series in the
 *      outbox, conditionally on the version read (lost: read again, nothing was sent);
 *   3. only then are the series sent, and the outbox cleared by another conditional write.
 * So every output series is committed once, in the write that removed it from the engine, and sent at least
 * once; a re-send carries the same samples (same labels, timestamps, values), which receivers take as one.
 * Returns the number of series sent.
 */
export async function flushShard(deps: FlushDeps, section: string, shard: number, at: number): Promise<number> {
  const spec = deps.sections.get(section);
  if (spec === undefined) throw new RangeError(`unknown aggregation section ${section}`);
  const key = shardStateKey(section, shard);
  const maxAttempts = deps.maxAttempts ?? 5;
  let sent = 0;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let { state, version } = await loadShard(deps.state, key);
    if (version === undefined) return sent;
    if (state.outbox.length > 0) {
      // An apply's outbox is being sent by its consumer right now, unless that send failed: leave the shard
      // to it for APPLY_OUTBOX_GRACE_MS after the input's time (a second copy sent behind a newer point would
      // be refused as out of order); later, a failed send's outbox goes out here.
      if (state.outboxFromApply && at < state.clock + APPLY_OUTBOX_GRACE_MS) return sent;
      sent += await sendAndClear(deps, section, shard, key, state, version);
      ({ state, version } = await loadShard(deps.state, key));
    }
    if (state.engine === undefined) return sent;
    const now = Math.max(at, state.clock);
    const machine = shardSection(spec).open(state.engine, now, 'flush', { logger: deps.logger, key });
    const out = machine.flush(now);
    const snapshot = machine.snapshot();
    if (out.length === 0 && sameBytes(snapshot, state.engine)) return sent;
    const { outboxFromApply: _, ...rest } = state;
    const next: ShardState = { ...rest, clock: now, engine: snapshot, outbox: out, outboxId: state.outboxId + 1 };
    const written = await saveShard(deps.state, key, next, version);
    if (written === undefined) {
      deps.metrics.inc('aggregation_state_conflicts_total', { section, op: 'flush' });
      continue;
    }
    if (out.length === 0) return sent;
    deps.metrics.inc('aggregation_output_series_total', { section }, out.length);
    return sent + (await sendAndClear(deps, section, shard, key, next, written));
  }
  throw new Error(`state changed under ${maxAttempts} flush attempts in a row`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
