import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { batchBytes, KEEP, KEEP_BYTES, resetBatch, returnBatch, takeBatch } from '../../../lib/ingest/batch-pool.ts';
import { FloatBatch } from '../../../lib/model/batch.ts';
import { parseInfluxBatch } from '../../../lib/ingest/influx/parse.ts';
import { groupBatch, encodeBatchSeries, seriesBodies } from '../../../lib/remote-write/encode-batch.ts';
import { concurrentRequestsQueueTheirOwn } from '../../helpers/ingest.ts';

/** Every fact of a batch that is not its storage (arena, typed arrays): what a reset must put back. */
function facts(b: FloatBatch): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(b)) if (!ArrayBuffer.isView(v)) out[k] = v;
  return out;
}

const opts = { now: 1_700_000_000_000, precision: 'ns' as const, maxLineLength: 1 << 20 };
const encoded = (b: FloatBatch): string => {
  const g = groupBatch(b);
  return encodeBatchSeries(b, g, seriesBodies(b, g), 0, g.count).toString('hex');
};

describe('batch pool', () => {
  it('a reset batch has every fact of a new one (a field added to FloatBatch and not reset fails here)', () => {
    const b = new FloatBatch();
    b.addSample(b.addLabelSet([{ name: 'b', value: '' }, { name: 'a', value: 'x'.repeat(300) }]), 'm', 'f', 1, 2);
    b.distinct = true;
    assert.notDeepEqual(facts(b), facts(new FloatBatch()));
    resetBatch(b);
    assert.deepEqual(facts(b), facts(new FloatBatch()));
  });

  it('a batch taken again parses a body exactly as a new one', () => {
    const first = 'cpu,host=a,zone=z v=1,w=2 1\ncpu,host=a,zone=z v=3 2\n' + 'x'.repeat(3000) + ' v=1\nm,t=é v=1';
    const second = 'mem,host=b used=7i,free=1.5 3\nmem,host=c used=8i 4';
    const fresh = encoded(parseInfluxBatch(Buffer.from(second), opts).batch);
    const a = parseInfluxBatch(Buffer.from(first), opts).batch;
    returnBatch(a);
    const b = parseInfluxBatch(Buffer.from(second), opts);
    assert.equal(b.batch, a, 'the pooled batch was taken');
    assert.equal(encoded(b.batch), fresh);
    assert.equal(b.batch.distinct, true);
    assert.equal(b.batch.length, 3);
    assert.equal(takeBatch(10, 24) === a, false, 'taken once, not handed out twice');
  });

  it('requests in flight at once each queue their own lines (the pipeline gives a batch back only once it is packed and answered)', async () => {
    const body = (r: number) => Array.from({ length: 200 }, (_, i) => `req${r},host=h${i} v=${r * 1000 + i},w=${i}i ${1_700_000_000_000 + i}000000`).join('\n');
    await concurrentRequestsQueueTheirOwn('/write', body, 6 * 200 * 2, (s, name, host) => {
      const r = Number(name.slice(3, name.indexOf('_')));
      const i = Number(host.slice(1));
      assert.equal(s.samples[0]!.value, name.endsWith('_v') ? r * 1000 + i : i, `${name} ${host}`);
    });
  });
});

describe('batch pool limits', () => {
  /** Empties the pool (other tests may have left batches in it). */
  const drain = (): void => {
    for (let i = 0; i < KEEP; i++) takeBatch(64, 16);
  };

  it('keeps KEEP batches given back, not one more', () => {
    drain();
    const given = Array.from({ length: KEEP + 1 }, () => FloatBatch.forBody(64, 16));
    for (const b of given) returnBatch(b);
    const taken = Array.from({ length: KEEP + 1 }, () => takeBatch(64, 16));
    assert.equal(taken.filter((b) => given.includes(b)).length, KEEP);
    assert.ok(!given.includes(taken[KEEP]!), 'the batch past KEEP was not kept: a new one is made');
  });

  it('keeps a batch of KEEP_BYTES storage, not one grown past it', () => {
    drain();
    const big = FloatBatch.forBody(64, 16);
    big.buf = Buffer.alloc(KEEP_BYTES - (batchBytes(big) - big.buf.length));
    assert.equal(batchBytes(big), KEEP_BYTES);
    returnBatch(big);
    assert.equal(takeBatch(64, 16), big);
    big.buf = Buffer.alloc(big.buf.length + 1);
    returnBatch(big);
    assert.notEqual(takeBatch(64, 16), big);
  });
});
