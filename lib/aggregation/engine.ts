import type { TimeSeries } from '../model/types.ts';
import { RuleAggregator } from './aggregator.ts';
import { BinReader, BinWriter, SnapshotError } from './binary.ts';
import type { AggregationRule } from './config.ts';
import { alignDown } from './timing.ts';

/**
 * The stream aggregation engine: every rule of one `stream_aggregation` section (global or one destination's),
 * vmagent-compatible. Pure and synchronous: the caller passes its clock to every call and there are no timers.
 *
 *   const engine = new AggregationEngine(parseAggregationConfigs(yaml, 'stream_aggregation'), clock.now());
 *   const matched = engine.push(series, clock.now());     // feed; which series any rule's `match` selected
 *   forward(passThrough(series, matched, { keepInput }));  // what travels on unaggregated
 *   forward(engine.flush(clock.now()));                    // on a schedule: closed intervals' output series
 *   store(engine.snapshot()); ... engine.restore(bytes);   // exact state, e.g. under state/ with the FIFO sequence
 *
 * Intervals close by the caller's clock at vmagent's flush times (aligned to the interval by default), not by
 * sample timestamps; output samples carry the flush time. push() and flush() both run the flushes due by `now`,
 * so outputs never depend on how often flush() is called.
 */
export class AggregationEngine {
  private readonly aggregators: RuleAggregator[];

  /**
   * opts.alignStart: each aligned rule starts at the interval boundary at or before startMs instead of at
   * startMs, so the first interval is a whole one (durable shards: a fresh shard's first group is emitted at
   * the first flush instead of being dropped as vmagent drops a group fed only before its first boundary).
   */
  constructor(rules: readonly AggregationRule[], startMs: number, opts: { alignStart?: boolean } = {}) {
    this.aggregators = rules.map((r) => new RuleAggregator(r, opts.alignStart && r.alignFlushToInterval ? alignDown(startMs, r.intervalMs) : startMs));
  }

  /** The rules, in order (pushRule() takes an index into this list). */
  get rules(): AggregationRule[] {
    return this.aggregators.map((a) => a.rule);
  }

  /**
   * Feeds series to one rule only (a durable shard holds the groups of the rules that routed series to it;
   * see lib/aggregation/durable/route.ts). Returns the rule's match flags as push() does.
   */
  pushRule(index: number, series: readonly TimeSeries[], now: number): Uint8Array {
    const a = this.aggregators[index];
    if (a === undefined) throw new RangeError(`no rule ${index}`);
    const matched = new Uint8Array(series.length);
    for (const other of this.aggregators) other.advance(now);
    a.push(series, now, matched);
    return matched;
  }

  /**
   * Feeds series received at `now` (labels sorted by name, as lib/model keeps them). Returns one flag per
   * series: 1 when some rule's `match` selected it. The series are not modified or retained.
   */
  push(series: readonly TimeSeries[], now: number): Uint8Array {
    const matched = new Uint8Array(series.length);
    for (const a of this.aggregators) a.push(series, now, matched);
    return matched;
  }

  /** The output series of every interval closed by `now` (each with one sample at its flush time). */
  flush(now: number): TimeSeries[] {
    const out: TimeSeries[] = [];
    for (const a of this.aggregators) {
      a.advance(now);
      for (const ts of a.take()) out.push(ts);
    }
    return out;
  }

  /** vmagent's shutdown: closes every rule; the unfinished interval is emitted only for rules with flush_on_shutdown. */
  shutdown(now: number): TimeSeries[] {
    const out: TimeSeries[] = [];
    for (const a of this.aggregators) {
      a.shutdown(now);
      for (const ts of a.take()) out.push(ts);
    }
    return out;
  }

  /** Aggregation groups held, per rule (the state-size unit of docs/stream-aggregation.md). */
  groupCounts(): number[] {
    return this.aggregators.map((a) => a.groupCount);
  }

  /**
   * The whole state as bytes: per rule, its fingerprint and its state (schedule, dedup buffer, groups with
   * every output's state, output not yet returned by flush()). Restoring it into an engine built from the
   * same rules continues exactly as if there had been no restart.
   */
  snapshot(): Uint8Array {
    const w = new BinWriter();
    w.str(SNAPSHOT_MAGIC);
    w.uvarint(this.aggregators.length);
    for (const a of this.aggregators) {
      const body = new BinWriter();
      a.write(body);
      w.str(a.rule.fingerprint);
      w.bytes(body.finish());
    }
    return w.finish();
  }

  /**
   * Loads a snapshot. Each saved rule's state goes to the rule with the same fingerprint (rules may have been
   * reordered); a rule that changed or is new keeps its fresh state and is listed in `reset` by path; saved
   * state of rules that are gone is ignored. Throws SnapshotError on malformed bytes, leaving the engine as it was.
   */
  restore(bytes: Uint8Array): { restored: number; reset: string[] } {
    const r = new BinReader(bytes);
    if (r.str() !== SNAPSHOT_MAGIC) throw new SnapshotError('not a stream aggregation snapshot (bad magic)');
    const saved = new Map<string, Uint8Array[]>();
    for (let n = r.uvarint(); n > 0; n--) {
      const fp = r.str();
      const body = r.bytes();
      saved.set(fp, [...(saved.get(fp) ?? []), body]);
    }
    if (!r.atEnd()) throw new SnapshotError('snapshot has trailing bytes');
    // Build every restored aggregator first, so a malformed body leaves this engine untouched.
    const next: RuleAggregator[] = [];
    const reset: string[] = [];
    let restored = 0;
    for (const a of this.aggregators) {
      const body = saved.get(a.rule.fingerprint)?.shift();
      if (body === undefined) {
        next.push(a);
        reset.push(a.rule.path);
        continue;
      }
      let fresh: RuleAggregator;
      try {
        fresh = RuleAggregator.read(a.rule, new BinReader(body));
      } catch (e) {
        if (e instanceof SnapshotError) throw e;
        throw new SnapshotError(`cannot read the state of ${a.rule.path}: ${(e as Error).message}`);
      }
      next.push(fresh);
      restored++;
    }
    this.aggregators.splice(0, this.aggregators.length, ...next);
    return { restored, reset };
  }
}

const SNAPSHOT_MAGIC = 'metrics-gateway/stream-aggregation/v1';

export interface PassThroughOptions {
  /** vmagent -streamAggr.keepInput: matched series travel on as well. */
  keepInput?: boolean;
  /** vmagent -streamAggr.dropInput: unmatched series are dropped too. */
  dropInput?: boolean;
}

/**
 * What goes on to the destination unaggregated, as vmagent decides it: by default the series no rule's
 * `match` selected; with keepInput every series; with dropInput none of the unmatched ones.
 */
export function passThrough(series: readonly TimeSeries[], matched: Uint8Array, opts: PassThroughOptions = {}): TimeSeries[] {
  const out: TimeSeries[] = [];
  for (let i = 0; i < series.length; i++) {
    const m = matched[i] === 1;
    if (m ? opts.keepInput : !opts.dropInput) out.push(series[i]!);
  }
  return out;
}
