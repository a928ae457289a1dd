import type { TimeSeries, WriteRequest } from '../../model/types.ts';
import type { Logger } from '../../ports/index.ts';
import type { AggregationRule } from '../config.ts';

/**
 * What one kind of durable shard computes. apply.ts and flush.ts own exactly-once (FIFO sequence numbers,
 * compare-and-swap, the outbox); a section only says how input changes its state and what comes out:
 *   - stream aggregation rules (rules-section.ts): input is pushed to a rule, output at flushes;
 *   - the Pushgateway aggregation mode: pushes are summed per group, output at flushes, TTL staleness;
 *   - OTLP delta to cumulative: each delta point gives its cumulative point at once (output at apply).
 * A section is named (`global`, `pushgateway`, a destination's name, ...), which is its state's folder
 * (state/aggregation/<section>/<shard>) and its FIFO message groups (agg.<section>.<shard>).
 */
export interface ShardSection {
  /** Why a message can never be applied here (e.g. `rule_gone`: its rule is no longer configured), or undefined. */
  refuse(attributes: Readonly<Record<string, string>>): string | undefined;
  /**
   * The shard's machine, restored from its saved bytes (undefined: a fresh shard). `at` is the time of the
   * first input applied ('apply') or of the flush ('flush'). Throws SnapshotError on bytes it cannot read.
   */
  open(saved: Uint8Array | undefined, at: number, purpose: 'apply' | 'flush', ctx: { logger: Logger; key: string }): ShardMachine;
}

export interface ShardMachine {
  /**
   * Applies one input message at `at` (never earlier than any time before it in this shard). Returns the
   * output series to send now: committed in the same write as the state, then sent (empty for most kinds).
   */
  apply(input: ShardInput, at: number): TimeSeries[];
  /** Output series due by `now` (closed intervals, expired groups' staleness markers). */
  flush(now: number): TimeSeries[];
  /** The whole state, exact: what open() restores. */
  snapshot(): Uint8Array;
}

export interface ShardInput {
  /** The queued request: series and metadata (types travel as metadata). */
  request: WriteRequest;
  /** The message's attributes (the producer's section-specific ones: rule, group key, ...). */
  attributes: Readonly<Record<string, string>>;
}

/** A section as configured: a machine kind, or (shorthand, what stream_aggregation gives) a rule list. */
export type SectionSpec = ShardSection | readonly AggregationRule[];
