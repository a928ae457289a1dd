import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SnapshotError } from '../../../lib/aggregation/index.ts';
import { ATTR_RULE, findRule, outputLabelsFor, routeToShards } from '../../../lib/aggregation/durable/route.ts';
import { compareSeq, decodeShardState, encodeShardState } from '../../../lib/aggregation/durable/shard-state.ts';
import { aggregationGroupId, parseAggregationGroupId, shardStateKey } from '../../../lib/aggregation/durable/shard-store.ts';
import { rulesOf } from './durable-helpers.ts';
import { T0, ts } from './helpers.ts';

const PACK = { maxMessageBytes: 256 * 1024, maxSamples: 10_000, tenant: 'default', source: 'push' as const, newSpoolKey: () => 'spool/x' };

describe('durable aggregation parts', () => {
  const seqCases: [string, string, string, number][] = [
    ['equal', '18000000000000000001', '18000000000000000001', 0],
    ['SQS numbers compare as numbers, not strings', '9', '10', -1],
    ['longer number is larger', '100000000000000000000', '99999999999999999999', 1],
    ['leading zeros do not matter', '007', '7', 0],
    ['nothing applied yet is before everything', '', '1', -1],
    ['local queue ids compare as strings', '000001764-000000002-aa', '000001764-000000010-aa', -1],
  ];
  for (const [name, a, b, want] of seqCases) test(`compareSeq: ${name}`, () => assert.equal(Math.sign(compareSeq(a, b)), want));

  test('shard state round-trips exactly, and malformed bytes are a SnapshotError', () => {
    const s = { lastSeq: '18000000000000000042', engine: new Uint8Array([1, 2, 3]), clock: T0 + 0.5, outbox: [ts('a:1m_sum_samples', { job: 'x' }, NaN, T0), ts('b', {}, -Infinity, T0 + 1)], outboxId: 7 };
    const back = decodeShardState(encodeShardState(s));
    assert.deepEqual({ ...back, engine: [...back.engine!] }, { ...s, engine: [1, 2, 3] });
    const bytes = encodeShardState(s);
    assert.throws(() => decodeShardState(bytes.subarray(0, bytes.length - 1)), SnapshotError);
    assert.throws(() => decodeShardState(new Uint8Array([...bytes, 0])), /trailing bytes/);
    assert.throws(() => decodeShardState(new TextEncoder().encode('\u0005hello')), /bad magic/);
  });

  test('section names: 64 characters of [A-Za-z0-9_.-] are taken, 65 or a slash are not', () => {
    const ok = 'a'.repeat(64);
    assert.equal(shardStateKey(ok, 3), `state/aggregation/${ok}/3`);
    assert.deepEqual(parseAggregationGroupId(aggregationGroupId(ok, 999)), { section: ok, shard: 999 });
    assert.throws(() => shardStateKey('a'.repeat(65), 0), /must match/);
    assert.throws(() => aggregationGroupId('a/b', 0), /must match/);
    assert.equal(parseAggregationGroupId('shard-3'), undefined);
  });

  test('shards: 1000 is the most, 1001 is refused', () => {
    const rules = rulesOf([{ interval: '1m', by: ['job'], outputs: ['count_samples'] }]);
    assert.equal(routeToShards(rules, [ts('x', { job: 'a' }, 1, T0)], { section: 'global', shards: 1000, now: T0, nonce: 'n', pack: PACK }).messages.length, 1);
    assert.throws(() => routeToShards(rules, [], { section: 'global', shards: 1001, now: T0, nonce: 'n', pack: PACK }), /1\.\.1000/);
  });

  test('routing: every input series of one group goes to one shard; a series two rules match travels once per rule; unmatched ones stay', () => {
    const rules = rulesOf([
      { match: 'jobs_total', interval: '1m', by: ['job'], outputs: ['sum_samples'] },
      { match: '{__name__=~"jobs_total|other"}', interval: '1m', without: ['instance'], outputs: ['count_samples'] },
    ]);
    const series = [...Array.from({ length: 40 }, (_, i) => ts('jobs_total', { job: `j${i % 4}`, instance: `i${i}` }, 1, T0)), ts('unrelated', { job: 'x' }, 1, T0)];
    const r = routeToShards(rules, series, { section: 'global', shards: 16, now: T0, nonce: 'n', pack: PACK });
    assert.deepEqual([...r.matched], [...Array(40).fill(1), 0]);
    const shardOf = new Map<string, Set<string>>();
    for (const m of r.messages) {
      assert.match(m.groupId!, /^agg\.global\.\d+$/);
      const rule = m.attributes[ATTR_RULE]!;
      assert.equal(findRule(rules, rule), Number(rule.split(':')[0]));
      const set = shardOf.get(rule) ?? new Set<string>();
      set.add(m.groupId!);
      shardOf.set(rule, set);
    }
    // Both rules make 4 groups (by job; without instance), so each rule's messages use at most 4 shards.
    assert.equal(shardOf.size, 2);
    for (const shards of shardOf.values()) assert.ok(shards.size >= 1 && shards.size <= 4);
    for (let j = 0; j < 4; j++) {
      const labels = outputLabelsFor(rules[0]!, series[j]!.labels);
      assert.deepEqual(labels, [{ name: '__name__', value: 'jobs_total' }, { name: 'job', value: `j${j}` }]);
    }
    assert.equal(new Set(r.messages.map((m) => m.attributes.agg_nonce)).size, r.messages.length, 'every message unique for FIFO deduplication');
  });

  test('findRule: a moved rule is found by its fingerprint; a changed one is not', () => {
    const a = rulesOf([{ interval: '1m', outputs: ['count_samples'] }, { interval: '5m', outputs: ['sum_samples'] }]);
    const moved = rulesOf([{ interval: '5m', outputs: ['sum_samples'] }, { interval: '1m', outputs: ['count_samples'] }]);
    const ref = `1:${routeToShards(a, [ts('x', {}, 1, T0)], { section: 'g', shards: 1, now: T0, nonce: 'n', pack: PACK }).messages[1]!.attributes[ATTR_RULE]!.split(':')[1]}`;
    assert.equal(findRule(moved, ref), 0);
    assert.equal(findRule(rulesOf([{ interval: '5m', outputs: ['max'] }]), ref), undefined);
    assert.equal(findRule(a, 'garbage'), undefined);
  });
});
