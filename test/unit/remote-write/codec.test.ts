import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Encoder, encodeWriteRequest, encodeTimeSeries } from '../../../lib/remote-write/encode.ts';
import { varintSize } from '../../../lib/remote-write/proto-size.ts';

/** Encoded size of one TimeSeries entry inside a WriteRequest (tag, length and body), from the encoder's sizing pass. */
function encodedSeriesSize(s: TimeSeries): number {
  const n = new Encoder().seriesSize(s);
  return 1 + varintSize(n) + n;
}
import { decodeWriteRequest } from '../../../lib/remote-write/decode.ts';
import { snappyCompress, snappyUncompress } from '../../../lib/remote-write/snappy.ts';
import { GatewayError } from '../../../lib/errors.ts';
import type { TimeSeries, WriteRequest } from '../../../lib/model/types.ts';
import { V1Type as WriteRequestType } from '../../helpers/prom-proto-full.ts';

const STALE_BYTES = [0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f];

function req(timeseries: TimeSeries[]): WriteRequest {
  return { timeseries, metadata: [] };
}

describe('remote_write codec', () => {
  it('round-trips series, labels, values and timestamps', () => {
    const wr = req([
      { labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'näme ✓' }], samples: [{ value: 1, timestamp: 1700000000000 }, { value: -0.5, timestamp: 1700000015000 }] },
      { labels: [{ name: '__name__', value: 'x' }], samples: [{ value: Infinity, timestamp: 0 }, { value: -Infinity, timestamp: -5 }, { value: 0, timestamp: 2 ** 52 }] },
    ]);
    const got = decodeWriteRequest(encodeWriteRequest(wr));
    assert.deepEqual(got.timeseries, wr.timeseries);
  });

  it('writes the exact bytes protobufjs writes for the same message (differential)', () => {
    const wr = req([
      { labels: [{ name: '__name__', value: 'a' }, { name: 'b', value: 'ü' }], samples: [{ value: 1.5, timestamp: 1 }, { value: 0, timestamp: 0 }, { value: 3, timestamp: -1 }] },
    ]);
    const mine = Buffer.from(encodeWriteRequest(wr));
    const theirs = Buffer.from(WriteRequestType.encode(WriteRequestType.fromObject(wr)).finish());
    assert.equal(mine.toString('hex'), theirs.toString('hex'));
  });

  it('keeps the staleness marker bit-exact (0x7ff0000000000002) through encode and decode', () => {
    const wr = req([{ labels: [{ name: '__name__', value: 's' }], samples: [{ value: NaN, timestamp: 5, stale: true }, { value: NaN, timestamp: 6 }] }]);
    const bytes = encodeWriteRequest(wr);
    const hex = Buffer.from(bytes).toString('hex');
    assert.ok(hex.includes(Buffer.from(STALE_BYTES).toString('hex')), hex);
    const got = decodeWriteRequest(bytes);
    assert.equal(got.timeseries[0]!.samples[0]!.stale, true);
    assert.ok(!got.timeseries[0]!.samples[1]!.stale, 'a plain NaN is not a staleness marker');
    assert.ok(Number.isNaN(got.timeseries[0]!.samples[1]!.value));
    // re-encoding what was decoded keeps the bits
    assert.equal(Buffer.from(encodeWriteRequest(got)).toString('hex'), hex);
  });

  it('decodes a staleness marker written by another encoder', () => {
    const b = Buffer.from(WriteRequestType.encode(WriteRequestType.fromObject(req([{ labels: [{ name: '__name__', value: 's' }], samples: [{ value: 7, timestamp: 5 }] }]))).finish());
    const i = b.indexOf(Buffer.from([0x09])) + 1;
    Buffer.from(STALE_BYTES).copy(b, i);
    assert.equal(decodeWriteRequest(b).timeseries[0]!.samples[0]!.stale, true);
  });

  it('round-trips metadata and accepts metadata-only requests', () => {
    const wr: WriteRequest = { timeseries: [], metadata: [{ type: 'COUNTER', metricFamilyName: 'http_requests_total', help: 'Requests.', unit: '' }] };
    assert.deepEqual(decodeWriteRequest(encodeWriteRequest(wr)).metadata, wr.metadata);
  });

  it('decodes exemplars written by another encoder', () => {
    const bytes = WriteRequestType.encode(WriteRequestType.fromObject({ timeseries: [{ labels: [{ name: '__name__', value: 'a' }], samples: [{ value: 1, timestamp: 1 }], exemplars: [{ labels: [{ name: 'trace_id', value: 'x' }], value: 1, timestamp: 1 }] }] })).finish();
    const got = decodeWriteRequest(bytes);
    assert.deepEqual(got.timeseries[0]!.exemplars, [{ labels: [{ name: 'trace_id', value: 'x' }], value: 1, timestamp: 1 }]);
    assert.deepEqual(got.timeseries[0]!.samples, [{ value: 1, timestamp: 1 }]);
  });

  it('encodedSeriesSize matches the bytes each series adds', () => {
    const s: TimeSeries = { labels: [{ name: '__name__', value: 'abc' }], samples: [{ value: 1, timestamp: 1700000000000 }] };
    assert.equal(encodeTimeSeries([s, s]).length, 2 * encodedSeriesSize(s));
  });

  const bad: { name: string; bytes: number[]; want: string }[] = [
    { name: 'truncated length', bytes: [0x0a, 0x05, 0x0a], want: 'runs past the end' },
    { name: 'invalid wire type', bytes: [0x0f], want: 'invalid tag' },
    { name: 'truncated double', bytes: [0x0a, 0x04, 0x12, 0x02, 0x09, 0x00], want: 'remote_write: cannot decode protobuf' },
    { name: 'field number zero', bytes: [0x00], want: 'invalid tag' },
  ];
  for (const c of bad) {
    it(`rejects ${c.name} with a 400 naming the offset`, () => {
      assert.throws(() => decodeWriteRequest(Uint8Array.from(c.bytes)), (e: GatewayError) => e.status === 400 && e.message.includes(c.want));
    });
  }

  it('snappy round trip, and 413 when the announced length passes the cap before decompressing', () => {
    const data = new TextEncoder().encode('x'.repeat(1000));
    const c = snappyCompress(data);
    assert.deepEqual(snappyUncompress(c, 1000, 'remote_write'), data);
    assert.throws(() => snappyUncompress(c, 999, 'remote_write'), /remote_write: decompressed body of 1000 bytes exceeds max_decompressed_body_bytes=999/);
    assert.throws(() => snappyUncompress(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 1000, 'remote_write'), /not snappy/);
  });

  it('arbitrary bytes never escape as anything but a GatewayError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeWriteRequest(bytes);
        } catch (e) {
          assert.ok(e instanceof GatewayError, String(e));
        }
        try {
          snappyUncompress(bytes, 10000, 'remote_write');
        } catch (e) {
          assert.ok(e instanceof GatewayError, String(e));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('random write requests round-trip', () => {
    const label = fc.record({ name: fc.string({ minLength: 1, maxLength: 10 }), value: fc.string({ minLength: 1, maxLength: 20 }) });
    const sample = fc.record({ value: fc.double({ noNaN: true }), timestamp: fc.integer({ min: -1e13, max: 1e13 }) });
    fc.assert(
      fc.property(fc.array(fc.record({ labels: fc.array(label, { maxLength: 5 }), samples: fc.array(sample, { maxLength: 5 }) }), { maxLength: 5 }), (ts) => {
        const got = decodeWriteRequest(encodeWriteRequest(req(ts)));
        assert.deepEqual(got.timeseries, ts.map((s) => ({ labels: s.labels.map((l) => ({ name: l.name, value: l.value })), samples: s.samples.map((x) => ({ value: x.value, timestamp: x.timestamp })) })));
      }),
      { numRuns: 500 },
    );
  });
});
