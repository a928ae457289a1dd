import type { MetricType, TimeSeries } from '../../model/types.ts';
import { SnapshotError } from '../binary.ts';
import type { ShardMachine, ShardSection } from '../durable/machine.ts';
import { ATTR_PUSH_GROUP, ATTR_PUSH_OP } from './attributes.ts';
import { PushMerge } from './push-merge.ts';

export { ATTR_PUSH_GROUP, ATTR_PUSH_OP };

export interface PushSectionOptions {
  ttlMs: number;
  intervalMs: number;
}

/**
 * The Pushgateway aggregation mode as a durable shard kind (lib/aggregation/durable/machine.ts): PushMerge's
 * arithmetic per group, in the shard its grouping key hashes to. Input is one push or delete per message
 * (a large push may take several messages of the same group, in order):
 *   - push: the series are added to the group (counters, classic histogram series, summary _count/_sum and
 *     native histograms summed; gauges, untyped and quantiles last value), with the types the push declared
 *     (the message's metadata). Types are remembered per group, because only a push's first message carries
 *     its metadata and FIFO order applies it first.
 *   - delete: staleness markers for every series of the group, given at once (committed with the state, then
 *     sent), and the group is forgotten.
 * flush(now) emits every live group once per `intervalMs`, at the last multiple of it not after `now` (or just
 * after a delete's staleness markers, if they are later), and
 * staleness markers for groups whose TTL ran out (after one last emit, if they had none since their last
 * push). Nothing is emitted twice for one boundary, so flushes may run as often as they like.
 */
export function pushSection(opts: PushSectionOptions): ShardSection {
  if (!(opts.intervalMs > 0)) throw new RangeError('intervalMs must be positive');
  return {
    refuse: (attributes) => {
      if (!attributes[ATTR_PUSH_GROUP]) return 'no_group';
      const op = attributes[ATTR_PUSH_OP];
      return op === 'push' || op === 'delete' ? undefined : 'unknown_op';
    },
    open: (saved) => openPushMachine(opts, saved),
  };
}

interface Saved {
  v: 1;
  /** The time of the last emit (0: none yet). */
  lastEmit: number;
  /** The time of the last delete's staleness markers (0: none). */
  lastMark: number;
  /** PushMerge.exportState(). */
  merge: unknown;
  types: [string, [string, MetricType][]][];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function openPushMachine(opts: PushSectionOptions, saved: Uint8Array | undefined): ShardMachine {
  const merge = new PushMerge({ ttlMs: opts.ttlMs, emitBeforeExpiry: true });
  let lastEmit = 0;
  let lastMark = 0;
  const types = new Map<string, Map<string, MetricType>>();
  if (saved !== undefined) {
    let s: Saved;
    try {
      s = JSON.parse(decoder.decode(saved)) as Saved;
      if (s.v !== 1 || !Array.isArray(s.types) || typeof s.lastEmit !== 'number' || typeof s.lastMark !== 'number') throw new Error(`not a v1 push aggregation state`);
      merge.importState(s.merge);
    } catch (err) {
      throw new SnapshotError(`push aggregation state unreadable: ${(err as Error).message}`);
    }
    lastEmit = s.lastEmit;
    lastMark = s.lastMark;
    for (const [g, t] of s.types) types.set(g, new Map(t));
  }
  const prune = (): void => {
    for (const g of types.keys()) if (!merge.hasGroup(g)) types.delete(g);
  };
  return {
    apply(input, at) {
      const group = input.attributes[ATTR_PUSH_GROUP]!;
      if (input.attributes[ATTR_PUSH_OP] === 'delete') {
        types.delete(group);
        // After anything emitted before: a marker at or before the last emitted sample would not end the series.
        const markers = merge.forget(group, Math.max(at, lastEmit + 1));
        if (markers.length) lastMark = markers[0]!.samples[0]?.timestamp ?? markers[0]!.histograms![0]!.timestamp;
        return markers;
      }
      let t = types.get(group);
      if (t === undefined) types.set(group, (t = new Map()));
      for (const m of input.request.metadata) if (m.type !== 'UNKNOWN') t.set(m.metricFamilyName, m.type);
      merge.push(group, input.request.timeseries, t, at);
      return [];
    },
    flush(now): TimeSeries[] {
      const boundary = Math.floor(now / opts.intervalMs) * opts.intervalMs;
      // A shard without groups keeps its bytes, so a flush writes nothing for it.
      if (boundary <= lastEmit || merge.groupCount === 0) return [];
      // After a delete's markers: the group may be pushed again since, and its new samples must come later.
      lastEmit = Math.max(boundary, lastMark + 1);
      const out = merge.emit(lastEmit);
      prune();
      return out;
    },
    snapshot() {
      const s: Saved = { v: 1, lastEmit, lastMark, merge: merge.exportState(), types: [...types].map(([g, t]) => [g, [...t]]) };
      return encoder.encode(JSON.stringify(s));
    },
  };
}
