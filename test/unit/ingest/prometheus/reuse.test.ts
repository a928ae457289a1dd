import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KEEP, returnBatch, takeBatch } from '../../../../lib/ingest/batch-pool.ts';
import { parsePrometheusTextBatch, parseTextBytesBatch } from '../../../../lib/ingest/prometheus/parse.ts';
import { SeriesKeys } from '../../../../lib/ingest/prometheus/series-keys.ts';
import { FloatBatch } from '../../../../lib/model/batch.ts';
import { encodeBatchSeries, groupBatch, seriesBodies } from '../../../../lib/remote-write/encode-batch.ts';
import { concurrentRequestsQueueTheirOwn } from '../../../helpers/ingest.ts';
import { batchState } from '../../../helpers/batch-state.ts';

const NOW = 1_700_000_000_000;

const encoded = (b: FloatBatch): string => {
  const g = groupBatch(b);
  return encodeBatchSeries(b, g, seriesBodies(b, g), 0, g.count).toString('hex');
};

/** Empties the pool (other tests may have left batches in it). */
const drain = (): void => {
  for (let i = 0; i < KEEP; i++) takeBatch(64, 16);
};

const first = 'a{x="1"} 1\n' + `long_${'n'.repeat(200)}{${'l'.repeat(130)}="v"} 2 5\nb{y="é"} 3\n`.repeat(40);
const second = 'up{job="a"} 1 1000\nup{job="b"} 0\n# HELP x y\nm{a="1",b="\\"q"} 7\nup{job="a"} 2 2000\n';

describe('prometheus text: pooled batch and reused key set', () => {
  for (const [name, parse] of [
    ['bytes', (s: string) => parseTextBytesBatch(Buffer.from(s), { defaultTimestamp: NOW })],
    ['string', (s: string) => parsePrometheusTextBatch(s, { defaultTimestamp: NOW })],
  ] as const) {
    it(`a batch taken from the pool parses a body (${name}) exactly as a new one`, () => {
      drain();
      const fresh = parse(second);
      const freshState = batchState(fresh.batch);
      const freshBytes = encoded(fresh.batch);
      const a = parse(first).batch;
      assert.ok(a.used > second.length * 4, 'the first body left more in the batch than the second writes');
      returnBatch(a);
      const b = parse(second);
      assert.equal(b.batch, a, 'the pooled batch was taken');
      assert.deepEqual(batchState(b.batch), freshState);
      assert.equal(encoded(b.batch), freshBytes);
      assert.deepEqual(b.errors, fresh.errors);
      assert.equal(b.batch.distinct, false, 'up{job="a"} twice');
    });
  }

  it('the key set is cleared between bodies: the same distinct body proves distinct every time', () => {
    const body = Buffer.from(Array.from({ length: 3000 }, (_, i) => `m${i % 7}{i="${i}"} ${i}\n`).join(''));
    for (let k = 0; k < 3; k++) assert.equal(parseTextBytesBatch(body, { defaultTimestamp: NOW }).batch.distinct, true, `parse ${k}`);
    // A body that repeats a series still fails the proof after a distinct one (and a distinct one after it passes).
    assert.equal(parseTextBytesBatch(Buffer.from('a 1\nb 2\na 3\n'), { defaultTimestamp: NOW }).batch.distinct, false);
    assert.equal(parseTextBytesBatch(Buffer.from('a 1\nb 2\n'), { defaultTimestamp: NOW }).batch.distinct, true);
  });

  it('SeriesKeys.reset empties the set, keeps a table that fits and replaces one too small or four times too large', () => {
    const keys = new SeriesKeys(10);
    for (let k = 0; k < 1000; k++) assert.equal(keys.add(k * 7919), true);
    assert.equal(keys.add(0), false);
    assert.equal(keys.count, 1000);
    const table = (): Int32Array => (keys as unknown as { table: Int32Array }).table;
    assert.equal(table().length, 2048);
    keys.reset(600); // needs 2048: kept, cleared
    const kept = table();
    assert.equal(kept.length, 2048);
    assert.equal(keys.count, 0);
    for (let k = 0; k < 1000; k++) assert.equal(keys.add(k * 7919), true, `key ${k} again`);
    keys.reset(128); // needs 256: 2048 is 8 times that, replaced
    assert.equal(table().length, 256);
    assert.equal(keys.count, 0);
    keys.reset(256); // needs 512: 256 too small, replaced
    assert.equal(table().length, 512);
    keys.reset(64); // needs 128: 512 is 4 times that, kept (at the limit)
    assert.equal(table().length, 512);
    keys.reset(63); // needs 128 too
    assert.equal(table().length, 512);
    keys.reset(32); // needs 64: 512 is 8 times that, replaced
    assert.equal(table().length, 64);
  });

  it('import requests in flight at once each queue their own lines (batches given back only once packed)', async () => {
    const body = (r: number) => Array.from({ length: 300 }, (_, i) => `req${r}{host="h${i}"} ${r * 1000 + i} ${NOW + i}`).join('\n');
    await concurrentRequestsQueueTheirOwn('/api/v1/import/prometheus', body, 6 * 300, (s, name, host) => {
      const r = Number(name.slice(3));
      const i = Number(host.slice(1));
      assert.equal(s.samples[0]!.value, r * 1000 + i, `${name} ${host}`);
      assert.equal(s.samples[0]!.timestamp, NOW + i);
    });
  });
});
