import { BadRequestError } from '../../errors.ts';
import type { TimeSeries } from '../../model/types.ts';
import type { BlobStore, ConditionalBlobStore, Logger, Metrics } from '../../ports/index.ts';
import { MissingClaimError, unpackMessage } from '../../queue/unpack.ts';
import { SnapshotError } from '../binary.ts';
import type { AggregationRule } from '../config.ts';
import { AggregationEngine } from '../engine.ts';
import { ATTR_AT, ATTR_RULE, findRule } from './route.ts';
import { compareSeq } from './shard-state.ts';
import { loadShard, parseAggregationGroupId, saveShard, shardStateKey } from './shard-store.ts';

/** One aggregation input message as a FIFO consumer sees it (a Lambda SQS record, or the local queue's). */
export interface AggregationRecord {
  messageId: string;
  body: string;
  attributes: Record<string, string>;
  /** `agg.<section>.<shard>` (aggregationGroupId). */
  groupId: string | undefined;
  /** Position in its group, growing in delivery order: SQS FIFO SequenceNumber, or the local queue's. */
  sequenceNumber: string | undefined;
}

export interface ApplyDeps {
  /** Shard state (compare-and-swap). */
  state: ConditionalBlobStore;
  /** Claim-checked payloads under spool/. */
  blobs: BlobStore;
  /** Each section's rules, as parsed from the config (`global`, or a destination's name). */
  sections: ReadonlyMap<string, readonly AggregationRule[]>;
  logger: Logger;
  metrics: Metrics;
  /** Reads and re-applies after a lost compare-and-swap before the group is failed for redelivery (default 5). */
  maxAttempts?: number;
}

export interface ApplyResult {
  /** Message ids to report as batchItemFailures: in each failing group the first failing message and all after it. */
  failed: string[];
  applied: number;
  /** Redelivered messages skipped because their sequence number was applied already. */
  skipped: number;
  /** Messages dropped on purpose (unreadable, unknown section or rule), counted and logged. */
  dropped: number;
}

/**
 * Applies a batch of aggregation input to the durable shard states, each message exactly once:
 *   - per message group (= shard), in order: load the state and its version, skip messages at or below the
 *     state's last applied sequence number (redeliveries), push the others to their rule with the
 *     producer's time, and write the state back with the new last sequence number, conditionally on the
 *     version read. A lost compare-and-swap (a second consumer got the group after a visibility timeout, or
 *     the flush ran) reads again and re-applies from scratch, so an update is never lost or counted twice.
 *   - a message that cannot be read for a reason that will not go away (bad envelope, claim gone, section or
 *     rule no longer configured) is dropped, counted and logged; one that failed for a passing reason (the
 *     bucket) fails with every later message of its group (what Lambda wants from a FIFO partial batch
 *     response), after the messages before it were committed.
 */
export async function applyAggregationBatch(deps: ApplyDeps, records: readonly AggregationRecord[]): Promise<ApplyResult> {
  const result: ApplyResult = { failed: [], applied: 0, skipped: 0, dropped: 0 };
  const groups = new Map<string, AggregationRecord[]>();
  for (const r of records) {
    const g = r.groupId ?? '';
    let list = groups.get(g);
    if (list === undefined) groups.set(g, (list = []));
    list.push(r);
  }
  for (const [groupId, list] of groups) {
    const target = parseAggregationGroupId(groupId);
    const rules = target && deps.sections.get(target.section);
    if (target === undefined || rules === undefined || list.some((r) => r.sequenceNumber === undefined)) {
      // Not aggregation input for this configuration: nothing can apply it, now or later.
      result.dropped += list.length;
      deps.metrics.inc('aggregation_dropped_messages_total', { reason: target === undefined ? 'group' : rules === undefined ? 'section' : 'sequence' }, list.length);
      deps.logger.error('aggregation input dropped: not an aggregation group of this configuration', { group: groupId, section: target?.section, messages: list.length });
      continue;
    }
    await applyGroup(deps, target.section, target.shard, rules, list, result);
  }
  return result;
}

type Decoded = { ok: true; series: TimeSeries[]; rule: number; at: number } | { ok: false; permanent: boolean; reason: string; error?: unknown };

async function applyGroup(deps: ApplyDeps, section: string, shard: number, rules: readonly AggregationRule[], list: readonly AggregationRecord[], result: ApplyResult): Promise<void> {
  const key = shardStateKey(section, shard);
  const decoded = new Map<string, Decoded>();
  const decode = async (r: AggregationRecord): Promise<Decoded> => {
    let d = decoded.get(r.messageId);
    if (d === undefined) decoded.set(r.messageId, (d = await decodeRecord(deps, rules, r)));
    return d;
  };
  const maxAttempts = deps.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    let failAt = list.length;
    let applied = 0;
    let skipped = 0;
    let dropped = 0;
    let loaded;
    try {
      loaded = await loadShard(deps.state, key);
    } catch (err) {
      return failFrom(deps, list, 0, result, key, err instanceof SnapshotError ? 'state unreadable' : 'state read failed', err);
    }
    const { state, version } = loaded;
    let engine: AggregationEngine | undefined;
    let lastSeq = state.lastSeq;
    let clock = state.clock;
    for (let i = 0; i < list.length; i++) {
      const r = list[i]!;
      if (compareSeq(r.sequenceNumber!, lastSeq) <= 0) {
        skipped++;
        continue;
      }
      const d = await decode(r);
      if (!d.ok && !d.permanent) {
        failAt = i;
        break;
      }
      if (!d.ok) {
        dropped++;
      } else {
        if (engine === undefined) {
          engine = new AggregationEngine(rules, d.at, { alignStart: true });
          if (state.engine !== undefined) {
            try {
              const { reset } = engine.restore(state.engine);
              if (reset.length) deps.logger.warn('aggregation rules changed: their shard state starts afresh', { key, rules: reset });
            } catch (err) {
              return failFrom(deps, list, i, result, key, 'state unreadable', err);
            }
          }
        }
        clock = Math.max(clock, d.at);
        engine.pushRule(d.rule, d.series, clock);
        applied++;
      }
      lastSeq = r.sequenceNumber!;
    }
    if (lastSeq !== state.lastSeq) {
      let written: string | undefined;
      try {
        written = await saveShard(deps.state, key, { ...state, lastSeq, clock, engine: engine?.snapshot() ?? state.engine }, version);
      } catch (err) {
        return failFrom(deps, list, 0, result, key, 'state write failed', err);
      }
      if (written === undefined) {
        deps.metrics.inc('aggregation_state_conflicts_total', { section, op: 'apply' });
        if (attempt < maxAttempts) continue;
        return failFrom(deps, list, 0, result, key, `state changed under ${maxAttempts} attempts in a row`);
      }
    }
    result.applied += applied;
    result.skipped += skipped;
    result.dropped += dropped;
    if (applied) deps.metrics.inc('aggregation_applied_messages_total', { section }, applied);
    if (skipped) deps.metrics.inc('aggregation_redelivered_messages_skipped_total', { section }, skipped);
    for (const r of list) {
      const d = decoded.get(r.messageId);
      if (d !== undefined && !d.ok && d.permanent) {
        deps.metrics.inc('aggregation_dropped_messages_total', { reason: d.reason }, 1);
        deps.logger.error('aggregation input message dropped', { key, messageId: r.messageId, reason: d.reason, error: d.error instanceof Error ? d.error.message : undefined });
      }
    }
    if (failAt < list.length) {
      const d = decoded.get(list[failAt]!.messageId) as Extract<Decoded, { ok: false }>;
      failFrom(deps, list, failAt, result, key, d.reason, d.error);
    }
    return;
  }
}

function failFrom(deps: ApplyDeps, list: readonly AggregationRecord[], from: number, result: ApplyResult, key: string, reason: string, error?: unknown): void {
  for (let i = from; i < list.length; i++) result.failed.push(list[i]!.messageId);
  deps.metrics.inc('aggregation_failed_messages_total', { reason }, list.length - from);
  deps.logger.warn('aggregation input left for redelivery', { key, reason, messages: list.length - from, error: error instanceof Error ? error.message : undefined });
}

async function decodeRecord(deps: ApplyDeps, rules: readonly AggregationRule[], r: AggregationRecord): Promise<Decoded> {
  const at = Number(r.attributes[ATTR_AT]);
  if (!Number.isSafeInteger(at) || at <= 0) return { ok: false, permanent: true, reason: 'no_time' };
  const rule = findRule(rules, r.attributes[ATTR_RULE] ?? '');
  if (rule === undefined) return { ok: false, permanent: true, reason: 'rule_gone' };
  try {
    const req = await unpackMessage(r.body, r.attributes, deps.blobs);
    return { ok: true, series: req.timeseries, rule, at };
  } catch (err) {
    if (err instanceof BadRequestError || err instanceof MissingClaimError) return { ok: false, permanent: true, reason: 'unreadable', error: err };
    return { ok: false, permanent: false, reason: 'read_failed', error: err };
  }
}
