import { BadRequestError } from '../../errors.ts';
import type { TimeSeries, WriteRequest } from '../../model/types.ts';
import type { BlobStore, ConditionalBlobStore, Logger, MessageBody, Metrics } from '../../ports/index.ts';
import { MissingClaimError, unpackMessage } from '../../queue/unpack.ts';
import { SnapshotError } from '../binary.ts';
import type { SendSeries } from './flush.ts';
import type { SectionSpec, ShardMachine, ShardSection } from './machine.ts';
import { sendAndClear } from './outbox.ts';
import { ATTR_AT } from './route.ts';
import { shardSection } from './rules-section.ts';
import { compareSeq } from './shard-state.ts';
import { loadShard, parseAggregationGroupId, saveShard, shardStateKey } from './shard-store.ts';

/** One aggregation input message as a FIFO consumer sees it (a Lambda SQS record, or the local queue's). */
export interface AggregationRecord {
  messageId: string;
  /** A payload's bytes, or text: its base64 (SQS) or a claim check's key (lib/queue/unpack.ts). */
  body: MessageBody;
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
  /** Each section by name (`global`: stream_aggregation's rules; other kinds: machine.ts). */
  sections: ReadonlyMap<string, SectionSpec>;
  /**
   * Sends output series a section gives at apply time (OTLP delta to cumulative), after they were committed
   * in the shard's outbox. Without it they wait in the outbox for the next flush.
   */
  send?: SendSeries;
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
    const spec = target && deps.sections.get(target.section);
    if (target === undefined || spec === undefined || list.some((r) => r.sequenceNumber === undefined)) {
      // Not aggregation input for this configuration: nothing can apply it, now or later.
      result.dropped += list.length;
      deps.metrics.inc('aggregation_dropped_messages_total', { reason: target === undefined ? 'group' : spec === undefined ? 'section' : 'sequence' }, list.length);
      deps.logger.error('aggregation input dropped: not an aggregation group of this configuration', { group: groupId, section: target?.section, messages: list.length });
      continue;
    }
    await applyGroup(deps, target.section, target.shard, shardSection(spec), list, result);
  }
  return result;
}

type Decoded = { ok: true; request: WriteRequest; at: number } | { ok: false; permanent: boolean; reason: string; error?: unknown };

async function applyGroup(deps: ApplyDeps, section: string, shard: number, kind: ShardSection, list: readonly AggregationRecord[], result: ApplyResult): Promise<void> {
  const key = shardStateKey(section, shard);
  const decoded = new Map<string, Decoded>();
  const decode = async (r: AggregationRecord): Promise<Decoded> => {
    let d = decoded.get(r.messageId);
    if (d === undefined) decoded.set(r.messageId, (d = await decodeRecord(deps, kind, r)));
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
    let machine: ShardMachine | undefined;
    const outputs: TimeSeries[] = [];
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
        if (machine === undefined) {
          try {
            machine = kind.open(state.engine, d.at, 'apply', { logger: deps.logger, key });
          } catch (err) {
            return failFrom(deps, list, i, result, key, 'state unreadable', err);
          }
        }
        clock = Math.max(clock, d.at);
        const out = machine.apply({ request: d.request, attributes: r.attributes }, clock);
        for (const ts of out) outputs.push(ts);
        applied++;
      }
      lastSeq = r.sequenceNumber!;
    }
    let committed: { state: typeof state; version: string } | undefined;
    if (lastSeq !== state.lastSeq) {
      let written: string | undefined;
      // Output given at apply joins the outbox (an earlier flush's unsent series stay in it): sent after this write.
      const next = { ...state, lastSeq, clock, engine: machine?.snapshot() ?? state.engine, ...(outputs.length ? { outbox: [...state.outbox, ...outputs], outboxId: state.outboxId + 1, outboxFromApply: true } : {}) };
      try {
        written = await saveShard(deps.state, key, next, version);
      } catch (err) {
        return failFrom(deps, list, 0, result, key, 'state write failed', err);
      }
      if (written === undefined) {
        deps.metrics.inc('aggregation_state_conflicts_total', { section, op: 'apply' });
        if (attempt < maxAttempts) continue;
        return failFrom(deps, list, 0, result, key, `state changed under ${maxAttempts} attempts in a row`);
      }
      if (outputs.length) committed = { state: next, version: written };
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
    if (committed !== undefined) {
      deps.metrics.inc('aggregation_output_series_total', { section }, outputs.length);
      if (deps.send !== undefined) {
        try {
          await sendAndClear({ ...deps, send: deps.send }, section, shard, key, committed.state, committed.version);
        } catch (err) {
          // Committed in the outbox: the next flush sends them.
          deps.logger.warn('aggregation output not sent yet; the next flush sends it', { key, series: outputs.length, error: err instanceof Error ? err.message : String(err) });
        }
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

async function decodeRecord(deps: ApplyDeps, kind: ShardSection, r: AggregationRecord): Promise<Decoded> {
  const at = Number(r.attributes[ATTR_AT]);
  if (!Number.isSafeInteger(at) || at <= 0) return { ok: false, permanent: true, reason: 'no_time' };
  const refused = kind.refuse(r.attributes);
  if (refused !== undefined) return { ok: false, permanent: true, reason: refused };
  try {
    const req = await unpackMessage(r.body, r.attributes, deps.blobs);
    return { ok: true, request: { timeseries: req.timeseries, metadata: req.metadata ?? [] }, at };
  } catch (err) {
    if (err instanceof BadRequestError || err instanceof MissingClaimError) return { ok: false, permanent: true, reason: 'unreadable', error: err };
    return { ok: false, permanent: false, reason: 'read_failed', error: err };
  }
}
