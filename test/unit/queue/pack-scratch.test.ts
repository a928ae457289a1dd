import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseInfluxBatch } from '../../../lib/ingest/influx/parse.ts';
import { packBatch } from '../../../lib/queue/envelope.ts';
import { unpackMessage } from '../../../lib/queue/unpack.ts';
import { groupBatch } from '../../../lib/remote-write/encode-batch.ts';
import { batchToSeries } from '../../../lib/model/batch-adapter.ts';
import { normalizeLabels } from '../../../lib/model/labels.ts';
import { MemoryBlobStore } from '../../helpers/fakes.ts';
import type { TimeSeries } from '../../../lib/model/types.ts';

const opts = { maxMessageBytes: 4096, maxSamples: 50, tenant: 't', source: 'push' as const, newSpoolKey: () => `spool/x/${Math.random()}.snappy` };
const influx = { now: 1_700_000_000_000, precision: 'ns' as const, maxLineLength: 1 << 20 };

async function unpacked(packed: ReturnType<typeof packBatch>): Promise<TimeSeries[]> {
  const blobs = new MemoryBlobStore();
  for (const s of packed.spills) await blobs.put(s.key, s.body, { tenant: 't' });
  const out: TimeSeries[] = [];
  for (const m of packed.messages) out.push(...(await unpackMessage(m.body, m.attributes, blobs)).timeseries);
  return out.map((s) => ({ ...s, labels: normalizeLabels([...s.labels]) }));
}

describe('packBatch encodes into a buffer it reuses', () => {
  it('messages and claim-checked payloads of one call are intact after the next call reused the buffer', async () => {
    let seed = 7;
    const big = Array.from({ length: 4000 }, () => String.fromCharCode(97 + ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 26))).join('');
    const bodyA = `m,a=${big}1,b=${big}2 v=1 1000000\n` + Array.from({ length: 500 }, (_, i) => `a,h=${i} v=${i},w=${i / 3} 1000000`).join('\n');
    const bodyB = Array.from({ length: 800 }, (_, i) => `b,h=${i} x=${-i} 2000000`).join('\n');
    const a = parseInfluxBatch(Buffer.from(bodyA), influx).batch;
    const wantA = batchToSeries(a).map((s) => ({ ...s, labels: normalizeLabels([...s.labels]) }));
    const packedA = packBatch(a, groupBatch(a), opts);
    assert.equal(packedA.spills.length, 1);
    const b = parseInfluxBatch(Buffer.from(bodyB), influx).batch;
    const packedB = packBatch(b, groupBatch(b), opts);
    assert.deepEqual(await unpacked(packedA), wantA);
    assert.equal((await unpacked(packedB)).length, 800);
  });
});
