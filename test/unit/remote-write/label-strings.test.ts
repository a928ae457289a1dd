import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeWriteRequest } from '../../../lib/remote-write/decode.ts';
import { encodeWriteRequest } from '../../../lib/remote-write/encode.ts';
import { MAX_ENTRIES, MAX_INTERNED } from '../../../lib/remote-write/label-strings.ts';
import type { TimeSeries } from '../../../lib/model/types.ts';
import { V1Type } from '../../helpers/prom-proto-full.ts';

/** The label strings protobufjs (an independent decoder) reads from the same bytes, as a Buffer body. */
function theirLabels(bytes: Uint8Array): { name: string; value: string }[][] {
  const m = V1Type.toObject(V1Type.decode(Buffer.from(bytes)), { defaults: true }) as { timeseries: { labels: { name: string; value: string }[] }[] };
  return m.timeseries.map((s) => s.labels.map((l) => ({ name: l.name, value: l.value })));
}

const mine = (bytes: Uint8Array) => decodeWriteRequest(bytes).timeseries.map((s) => s.labels);
const series = (labels: { name: string; value: string }[]): TimeSeries => ({ labels: labels.map((l) => ({ name: l.name, value: l.value })), samples: [{ value: 1, timestamp: 1 }] });

describe('remote_write 1.0 decoder: label strings interned per request', () => {
  it('repeated, near-identical and long strings across series and requests read as protobufjs reads them (property)', () => {
    // Small pools so that strings repeat (interning hits), differ in one byte at any place, or straddle the
    // interning length limit; several requests in a row so that one request's table never serves the next.
    const base = ['a', 'ab', 'abc', 'abcd', 'abcde', 'host-1:9100', 'host-2:9100', 'x'.repeat(MAX_INTERNED), 'x'.repeat(MAX_INTERNED + 1), 'y'.repeat(MAX_INTERNED - 1) + 'x', 'näme ✓', '日本'];
    const str = fc.constantFrom(...base);
    const req = fc.array(fc.array(fc.record({ name: str, value: str }), { minLength: 1, maxLength: 6 }).map(series), { maxLength: 12 });
    fc.assert(
      fc.property(fc.array(req, { minLength: 1, maxLength: 4 }), (reqs) => {
        for (const ts of reqs) {
          const bytes = encodeWriteRequest({ timeseries: ts, metadata: [] });
          assert.deepEqual(mine(bytes), theirLabels(bytes));
          assert.deepEqual(mine(bytes), ts.map((s) => s.labels));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('invalid UTF-8 in a label reads as Buffer#toString reads it (U+FFFD), also when repeated', () => {
    const bytes = encodeWriteRequest({ timeseries: [series([{ name: 'job', value: 'ab' }]), series([{ name: 'job', value: 'ab' }])], metadata: [] });
    const broken = Uint8Array.from(bytes);
    for (let i = 0; i < broken.length - 1; i++) if (broken[i] === 0x61 && broken[i + 1] === 0x62) broken[i] = 0xff; // 'a' of each 'ab'
    const want = Buffer.from([0xff, 0x62]).toString('utf8');
    assert.deepEqual(mine(broken).map((l) => l[0]!.value), [want, want]);
    assert.deepEqual(mine(Buffer.from(broken)).map((l) => l[0]!.value), [want, want]);
  });

  it(`a request with more than ${MAX_ENTRIES} distinct short strings: the ones past the table are decoded each time`, () => {
    for (const distinct of [MAX_ENTRIES - 1, MAX_ENTRIES, MAX_ENTRIES + 1, MAX_ENTRIES + 500]) {
      // `distinct` distinct values (plus the name `v`), then every value again.
      const values = Array.from({ length: distinct }, (_, i) => `v${i}`);
      const ts = [...values, ...values.slice().reverse()].map((v) => series([{ name: 'v', value: v }]));
      const bytes = encodeWriteRequest({ timeseries: ts, metadata: [] });
      assert.deepEqual(mine(bytes), ts.map((s) => s.labels), `${distinct} distinct values`);
    }
  });
});
