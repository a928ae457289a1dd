import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyAggregationBatch } from '../../../lib/aggregation/durable/apply.ts';
import { APPLY_OUTBOX_GRACE_MS, flushAggregation } from '../../../lib/aggregation/durable/flush.ts';
import type { ShardSection } from '../../../lib/aggregation/durable/machine.ts';
import { decodeShardState, encodeShardState } from '../../../lib/aggregation/durable/shard-state.ts';
import { loadShard, shardStateKey, aggregationGroupId } from '../../../lib/aggregation/durable/shard-store.ts';
import { ATTR_AT } from '../../../lib/aggregation/durable/route.ts';
import { BinWriter } from '../../../lib/aggregation/binary.ts';
import { packSeries } from '../../../lib/queue/envelope.ts';
import type { TimeSeries } from '../../../lib/model/types.ts';
import { MemoryBlobStore, MemoryLogger } from '../../helpers/fakes.ts';
import { CountingMetrics, FifoSequencer, MemoryConditionalStore } from './durable-helpers.ts';

/**
 * A section kind that emits at apply (as OTLP delta to cumulative does): a running sum per series, its
 * new value sent at once. Exercises machine.ts' contract on apply.ts and flush.ts.
 */
const runningSum: ShardSection = {
  refuse: (a) => (a.kind === 'sum' ? undefined : 'kind_gone'),
  open(saved) {
    const sums = new Map<string, number>(saved ? (JSON.parse(new TextDecoder().decode(saved)) as [string, number][]) : []);
    return {
      apply(input, at) {
        const out: TimeSeries[] = [];
        for (const ts of input.request.timeseries) {
          const name = ts.labels.find((l) => l.name === '__name__')!.value;
          let v = sums.get(name) ?? 0;
          for (const s of ts.samples) v += s.value;
          sums.set(name, v);
          out.push({ labels: ts.labels, samples: [{ value: v, timestamp: at }] });
        }
        return out;
      },
      flush: () => [],
      snapshot: () => new TextEncoder().encode(JSON.stringify([...sums])),
    };
  },
};

function messages(values: number[], at: number, kind = 'sum') {
  return values.map((v, i) => {
    const m = packSeries([{ labels: [{ name: '__name__', value: 'jobs_total' }], samples: [{ value: v, timestamp: at + i }] }], { maxMessageBytes: 256 * 1024, maxSamples: 1000, tenant: 'default', source: 'push', newSpoolKey: () => 'spool/x' }).messages[0]!;
    return { ...m, attributes: { ...m.attributes, [ATTR_AT]: String(at + i), kind }, groupId: aggregationGroupId('sums', 0) };
  });
}

describe('durable shards: a section that emits at apply', () => {
  it('commits the output in the same write as the state, sends it once, and a redelivery neither re-applies nor re-sends', async () => {
    const store = new MemoryConditionalStore();
    const sent: TimeSeries[] = [];
    const metrics = new CountingMetrics();
    const deps = { state: store, blobs: new MemoryBlobStore(), sections: new Map([['sums', runningSum]]), logger: new MemoryLogger(), metrics, send: async (s: TimeSeries[]) => void sent.push(...s) };
    const seq = new FifoSequencer();
    const records = seq.records(messages([5, 7, 11], 1_000_000));
    assert.deepEqual((await applyAggregationBatch(deps, records)).failed, []);
    assert.deepEqual(sent.map((s) => s.samples[0]!.value), [5, 12, 23]);
    const { state } = await loadShard(store, shardStateKey('sums', 0));
    assert.deepEqual(state.outbox, [], 'cleared once sent');
    const again = await applyAggregationBatch(deps, records);
    assert.equal(again.skipped, 3);
    assert.equal(sent.length, 3, 'a redelivered batch sends nothing again');
    assert.equal(metrics.sum('aggregation_output_series_total'), 3);
  });

  it('output whose send fails stays in the outbox and the next flush sends it', async () => {
    const store = new MemoryConditionalStore();
    const sent: TimeSeries[] = [];
    let down = true;
    const send = async (s: TimeSeries[]) => {
      if (down) throw new Error('queue down');
      sent.push(...s);
    };
    const deps = { state: store, blobs: new MemoryBlobStore(), sections: new Map([['sums', runningSum]]), logger: new MemoryLogger(), metrics: new CountingMetrics(), send };
    const r = await applyAggregationBatch(deps, new FifoSequencer().records(messages([2, 3], 2_000_000)));
    assert.deepEqual(r.failed, [], 'the input was applied: it is not redelivered');
    assert.equal((await loadShard(store, shardStateKey('sums', 0))).state.outbox.length, 2);
    down = false;
    await flushAggregation({ ...deps, list: store }, 3_000_000);
    assert.deepEqual(sent.map((s) => s.samples[0]!.value), [2, 5]);
  });

  it('a flush while the apply is still sending leaves that outbox to it: each point is sent once, in order', async () => {
    const store = new MemoryConditionalStore();
    const sent: TimeSeries[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let first = true;
    const send = async (s: TimeSeries[]) => {
      if (first) {
        first = false;
        await gate; // the consumer's send is slow: the flush runs meanwhile
      }
      sent.push(...s);
    };
    const deps = { state: store, blobs: new MemoryBlobStore(), sections: new Map([['sums', runningSum]]), logger: new MemoryLogger(), metrics: new CountingMetrics(), send };
    const applying = applyAggregationBatch(deps, new FifoSequencer().records(messages([4, 6], 5_000_000)));
    while ((await loadShard(store, shardStateKey('sums', 0))).state.outbox.length === 0) await new Promise((r) => setImmediate(r));
    await flushAggregation({ ...deps, list: store }, 5_000_000 + APPLY_OUTBOX_GRACE_MS - 1);
    assert.equal(sent.length, 0, 'the flush did not send the outbox its apply is sending');
    release();
    await applying;
    assert.deepEqual(sent.map((s) => s.samples[0]!.value), [4, 10]);
    await flushAggregation({ ...deps, list: store }, 5_000_000 + 10 * APPLY_OUTBOX_GRACE_MS);
    assert.equal(sent.length, 2, 'cleared by the apply: nothing left to send');
  });

  it('a message the section refuses is dropped for good with the section reason', async () => {
    const store = new MemoryConditionalStore();
    const metrics = new CountingMetrics();
    const deps = { state: store, blobs: new MemoryBlobStore(), sections: new Map([['sums', runningSum]]), logger: new MemoryLogger(), metrics, send: async () => {} };
    const r = await applyAggregationBatch(deps, new FifoSequencer().records(messages([1], 1_000_000, 'other')));
    assert.equal(r.dropped, 1);
    assert.equal(metrics.values.get('aggregation_dropped_messages_total{"reason":"kind_gone"}'), 1);
  });
});

describe('shard state encoding', () => {
  it('the outbox carries native histograms, exemplars and staleness markers exactly', () => {
    const outbox: TimeSeries[] = [
      { labels: [{ name: '__name__', value: 'h' }], samples: [], histograms: [{ timestamp: 5, float: true, count: 3.5, sum: 1.5, schema: 0, zeroThreshold: 1e-128, zeroCount: 1, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [1.25, 1.25], negativeSpans: [], negativeBuckets: [], resetHint: 0, customValues: [] }], exemplars: [{ labels: [{ name: 'trace_id', value: 'ab' }], value: 0.5, timestamp: 4 }] },
      { labels: [{ name: '__name__', value: 'c' }], samples: [{ value: Number.NaN, timestamp: 6, stale: true }] },
    ];
    const back = decodeShardState(encodeShardState({ lastSeq: '42', engine: new Uint8Array([1, 2]), clock: 7, outbox, outboxId: 3 }));
    assert.equal(back.lastSeq, '42');
    assert.deepEqual(back.outbox[0]!.histograms, outbox[0]!.histograms);
    assert.deepEqual(back.outbox[0]!.exemplars, outbox[0]!.exemplars);
    assert.ok(back.outbox[1]!.samples[0]!.stale, 'a staleness marker stays one');
  });

  it('a v1 state (outbox of floats, written before histograms could be in it) is still read', () => {
    const w = new BinWriter();
    w.str('metrics-gateway/aggregation-shard/v1');
    w.str('9');
    w.f64(123);
    w.bool(false);
    w.uvarint(1);
    w.uvarint(1);
    w.uvarint(1);
    w.str('__name__');
    w.str('x');
    w.uvarint(1);
    w.f64(2.5);
    w.f64(1000);
    const s = decodeShardState(w.finish());
    assert.deepEqual(s, { lastSeq: '9', engine: undefined, clock: 123, outboxId: 1, outbox: [{ labels: [{ name: '__name__', value: 'x' }], samples: [{ value: 2.5, timestamp: 1000 }] }] });
  });
});
