import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeWriteRequest } from '../../../lib/remote-write/encode.ts';
import { decodeWriteRequest } from '../../../lib/remote-write/decode.ts';
import { encodeV2Request } from '../../../lib/remote-write/v2.ts';
import { decodeV2Request } from '../../../lib/remote-write/v2-decode.ts';
import { GatewayError } from '../../../lib/errors.ts';
import type { Exemplar, Histogram, MetricMetadata, TimeSeries } from '../../../lib/model/types.ts';
import { V1Type, V2Type } from '../../helpers/prom-proto-full.ts';

const STALE = Buffer.from([0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]);

function hist(over: Partial<Histogram> = {}): Histogram {
  return {
    timestamp: 1700000000000,
    float: false,
    count: 12,
    sum: 18.5,
    schema: 3,
    zeroThreshold: 2.938735877055719e-39,
    zeroCount: 2,
    negativeSpans: [{ offset: 0, length: 2 }],
    negativeBuckets: [1, 0],
    positiveSpans: [{ offset: -1, length: 2 }, { offset: 3, length: 1 }],
    positiveBuckets: [2, -1, 5],
    resetHint: 2,
    customValues: [],
    ...over,
  };
}

const series = (over: Partial<TimeSeries> = {}): TimeSeries => ({ labels: [{ name: '__name__', value: 'rpc_seconds' }, { name: 'job', value: 'api' }], samples: [], ...over });

// ---- arbitraries ----
const label = fc.record({ name: fc.string({ minLength: 1, maxLength: 8 }), value: fc.string({ minLength: 1, maxLength: 12 }) }).map((l) => ({ name: l.name, value: l.value }));
const span = fc.record({ offset: fc.integer({ min: -50, max: 50 }), length: fc.integer({ min: 0, max: 6 }) }).map((x) => ({ offset: x.offset, length: x.length }));
const ts = fc.integer({ min: -1e13, max: 1e13 });
const st = fc.option(fc.integer({ min: 1, max: 1e13 }), { nil: undefined });
const arbHistogram: fc.Arbitrary<Histogram> = fc
  .record({
    float: fc.boolean(),
    timestamp: ts,
    countI: fc.nat({ max: 2 ** 40 }),
    countF: fc.double({ noNaN: true }),
    sum: fc.double({ noNaN: true }),
    schema: fc.oneof(fc.integer({ min: -4, max: 8 }), fc.constant(-53)),
    zeroThreshold: fc.double({ min: 0, max: 1, noNaN: true }),
    zeroI: fc.nat({ max: 1e9 }),
    zeroF: fc.double({ noNaN: true }),
    negativeSpans: fc.array(span, { maxLength: 3 }),
    negI: fc.array(fc.integer({ min: -1e9, max: 1e9 }), { maxLength: 6 }),
    negF: fc.array(fc.double({ noNaN: true }), { maxLength: 6 }),
    positiveSpans: fc.array(span, { maxLength: 3 }),
    posI: fc.array(fc.integer({ min: -1e9, max: 1e9 }), { maxLength: 6 }),
    posF: fc.array(fc.double({ noNaN: true }), { maxLength: 6 }),
    resetHint: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<0 | 1 | 2 | 3>,
    customValues: fc.array(fc.double({ noNaN: true }), { maxLength: 4 }),
    startTimestamp: st,
    stale: fc.boolean(),
  })
  .map((r) => {
    const h: Histogram = {
      timestamp: r.timestamp,
      float: r.float,
      count: r.float ? r.countF : r.countI,
      sum: r.stale ? NaN : r.sum,
      schema: r.schema,
      zeroThreshold: r.zeroThreshold,
      zeroCount: r.float ? r.zeroF : r.zeroI,
      negativeSpans: r.negativeSpans,
      negativeBuckets: r.float ? r.negF : r.negI,
      positiveSpans: r.positiveSpans,
      positiveBuckets: r.float ? r.posF : r.posI,
      resetHint: r.resetHint,
      customValues: r.customValues,
    };
    if (r.startTimestamp) h.startTimestamp = r.startTimestamp;
    if (r.stale) h.stale = true;
    return h;
  });
const arbExemplar: fc.Arbitrary<Exemplar> = fc.record({ labels: fc.array(label, { maxLength: 2 }), value: fc.double({ noNaN: true }), timestamp: ts }).map((e) => ({ labels: e.labels, value: e.value, timestamp: e.timestamp }));
const arbSample = fc.record({ value: fc.double({ noNaN: true }), timestamp: ts, startTimestamp: st }).map((s) => (s.startTimestamp ? { value: s.value, timestamp: s.timestamp, startTimestamp: s.startTimestamp } : { value: s.value, timestamp: s.timestamp }));
/** A series with samples or histograms (not both: 2.0 keeps them apart) and maybe exemplars. */
const arbSeries: fc.Arbitrary<TimeSeries> = fc
  .record({ labels: fc.uniqueArray(label, { selector: (l) => l.name, minLength: 1, maxLength: 4 }), samples: fc.array(arbSample, { minLength: 1, maxLength: 3 }), histograms: fc.array(arbHistogram, { minLength: 1, maxLength: 2 }), useHist: fc.boolean(), exemplars: fc.array(arbExemplar, { maxLength: 2 }) })
  .map((r) => {
    const s: TimeSeries = { labels: r.labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)), samples: r.useHist ? [] : r.samples };
    if (r.useHist) s.histograms = r.histograms;
    if (r.exemplars.length) s.exemplars = r.exemplars;
    if (s.samples.some((x) => x.startTimestamp)) s.withStartTimestamps = true;
    return s;
  });

describe('remote_write 1.0: native histograms and exemplars', () => {
  it('round-trips integer and float histograms, custom buckets, reset hints and exemplars', () => {
    const wr = {
      timeseries: [
        series({ histograms: [hist(), hist({ timestamp: 1700000015000, resetHint: 1 })], exemplars: [{ labels: [{ name: 'trace_id', value: 'abc' }], value: 0.3, timestamp: 1700000000001 }] }),
        series({ labels: [{ name: '__name__', value: 'f' }], histograms: [hist({ float: true, count: 3.5, zeroCount: 0.5, negativeBuckets: [1.5, 0.25], positiveBuckets: [0, 1, 0.25], resetHint: 3 })] }),
        series({ labels: [{ name: '__name__', value: 'nhcb' }], histograms: [hist({ schema: -53, zeroThreshold: 0, zeroCount: 0, negativeSpans: [], negativeBuckets: [], positiveSpans: [{ offset: 0, length: 4 }], positiveBuckets: [1, 1, -2, 3], customValues: [0.1, 0.5, 1, 5] })] }),
      ],
      metadata: [{ type: 'HISTOGRAM' as const, metricFamilyName: 'rpc_seconds', help: 'RPC latency.', unit: 'seconds' }],
    };
    const got = decodeWriteRequest(encodeWriteRequest(wr));
    assert.deepEqual(got, wr);
  });

  it('writes what protobufjs reads, and reads what protobufjs writes (integer histogram, exemplar)', () => {
    const wr = { timeseries: [series({ samples: [{ value: 1, timestamp: 5 }], histograms: [hist()], exemplars: [{ labels: [{ name: 'trace_id', value: 'x' }], value: 2, timestamp: 7 }] })], metadata: [] };
    const theirs = V1Type.toObject(V1Type.decode(encodeWriteRequest(wr)), { longs: Number, defaults: false, oneofs: true }) as any;
    const h = theirs.timeseries[0].histograms[0];
    assert.equal(h.countInt, 12);
    assert.equal(h.zeroCountInt, 2);
    assert.deepEqual(h.positiveDeltas, [2, -1, 5]);
    assert.deepEqual(h.positiveSpans, [{ offset: -1, length: 2 }, { offset: 3, length: 1 }]);
    assert.equal(h.schema, 3);
    assert.equal(h.resetHint, 2);
    assert.deepEqual(theirs.timeseries[0].exemplars[0], { labels: [{ name: 'trace_id', value: 'x' }], value: 2, timestamp: 7 });
    const back = decodeWriteRequest(V1Type.encode(V1Type.fromObject(theirs)).finish());
    assert.deepEqual(back.timeseries, wr.timeseries);
  });

  it('reads unpacked repeated fields as well as packed ones', () => {
    // Histogram with positive_deltas written unpacked (field 12, wire type 0): zigzag(3) = 6, zigzag(-1) = 1.
    const h = [0x08, 0x02, 0x30, 0x00, 0x5a, 0x02, 0x10, 0x02, 0x60, 0x06, 0x60, 0x01];
    const tsBody = [0x0a, 0x05, 0x0a, 0x01, 0x61, 0x12, 0x00, 0x22, h.length, ...h];
    const got = decodeWriteRequest(Uint8Array.from([0x0a, tsBody.length, ...tsBody]));
    assert.deepEqual(got.timeseries[0]!.histograms![0]!.positiveBuckets, [3, -1]);
  });

  it('keeps a histogram staleness marker bit-exact', () => {
    const bytes = Buffer.from(encodeWriteRequest({ timeseries: [series({ histograms: [hist({ stale: true, sum: NaN })] })], metadata: [] }));
    assert.ok(bytes.includes(STALE));
    assert.equal(decodeWriteRequest(bytes).timeseries[0]!.histograms![0]!.stale, true);
  });

  it('start timestamps are written only for series withStartTimestamps (the float path never looks them up)', () => {
    const smp = { value: 1, timestamp: 1, startTimestamp: 7 };
    const withFlag = decodeWriteRequest(encodeWriteRequest({ timeseries: [series({ samples: [smp], withStartTimestamps: true })], metadata: [] })).timeseries[0]!;
    assert.deepEqual(withFlag, series({ samples: [smp], withStartTimestamps: true }));
    const without = decodeWriteRequest(encodeWriteRequest({ timeseries: [series({ samples: [smp] })], metadata: [] })).timeseries[0]!;
    assert.deepEqual(without.samples, [{ value: 1, timestamp: 1 }]);
  });

  it('a float-only series decodes without histogram or exemplar properties (the float path is unchanged)', () => {
    const got = decodeWriteRequest(encodeWriteRequest({ timeseries: [series({ samples: [{ value: 1, timestamp: 1 }] })], metadata: [] }));
    assert.deepEqual(Object.keys(got.timeseries[0]!), ['labels', 'samples']);
  });

  it('random requests with histograms and exemplars round-trip (property)', () => {
    fc.assert(
      fc.property(fc.array(arbSeries, { maxLength: 4 }), (tss) => {
        assert.deepEqual(decodeWriteRequest(encodeWriteRequest({ timeseries: tss, metadata: [] })).timeseries, tss);
      }),
      { numRuns: 300 },
    );
  });
});

describe('remote_write 2.0 codec', () => {
  const v2Body = (o: object): Uint8Array => V2Type.encode(V2Type.fromObject(o)).finish();

  it('decodes symbols, label refs, samples, histograms, exemplars, metadata and start timestamps', () => {
    const body = v2Body({
      symbols: ['', '__name__', 'rpc_seconds', 'job', 'api', 'trace_id', 'abc', 'RPC latency.', 'seconds', 'up'],
      timeseries: [
        { labelsRefs: [1, 2, 3, 4], histograms: [{ countInt: 12, zeroCountInt: 2, schema: 3, positiveSpans: [{ offset: 0, length: 1 }], positiveDeltas: [10], timestamp: 1000, startTimestamp: 500 }], exemplars: [{ labelsRefs: [5, 6], value: 0.3, timestamp: 999 }], metadata: { type: 3, helpRef: 7, unitRef: 8 } },
        { labelsRefs: [1, 9, 3, 4], samples: [{ value: 1, timestamp: 1000 }], createdTimestamp: 400, metadata: { type: 2 } },
      ],
    });
    const got = decodeV2Request(body);
    assert.deepEqual(got.invalid, []);
    assert.deepEqual(got.timeseries[0]!.labels, [{ name: '__name__', value: 'rpc_seconds' }, { name: 'job', value: 'api' }]);
    const h = got.timeseries[0]!.histograms![0]!;
    assert.equal(h.count, 12);
    assert.equal(h.startTimestamp, 500);
    assert.deepEqual(h.positiveBuckets, [10]);
    assert.deepEqual(got.timeseries[0]!.exemplars, [{ labels: [{ name: 'trace_id', value: 'abc' }], value: 0.3, timestamp: 999 }]);
    assert.deepEqual(got.timeseries[1]!.samples, [{ value: 1, timestamp: 1000, startTimestamp: 400 }]);
    assert.deepEqual(got.metadata, [
      { type: 'HISTOGRAM', metricFamilyName: 'rpc_seconds', help: 'RPC latency.', unit: 'seconds' },
      { type: 'GAUGE', metricFamilyName: 'up', help: '', unit: '' },
    ]);
  });

  const invalid: { name: string; ts: object; want: RegExp }[] = [
    { name: 'a label reference outside the symbols table', ts: { labelsRefs: [1, 7], samples: [{ value: 1, timestamp: 1 }] }, want: /reference 7 is outside the symbols table \(size 3\)/ },
    { name: 'an odd number of label references', ts: { labelsRefs: [1, 2, 1], samples: [{ value: 1, timestamp: 1 }] }, want: /odd number of label references \(3\)/ },
    { name: 'no sample and no histogram', ts: { labelsRefs: [1, 2], exemplars: [{ value: 1 }] }, want: /at least one sample or histogram/ },
    { name: 'a metadata help reference outside the table', ts: { labelsRefs: [1, 2], samples: [{ value: 1, timestamp: 1 }], metadata: { helpRef: 9 } }, want: /metadata help reference 9/ },
  ];
  for (const c of invalid) {
    it(`leaves out a series with ${c.name} and keeps the rest`, () => {
      const got = decodeV2Request(v2Body({ symbols: ['', '__name__', 'x'], timeseries: [c.ts, { labelsRefs: [1, 2], samples: [{ value: 2, timestamp: 2 }] }] }));
      assert.equal(got.invalid.length, 1);
      assert.equal(got.invalid[0]!.series, 1);
      assert.match(got.invalid[0]!.reason, c.want);
      assert.equal(got.timeseries.length, 1);
    });
  }

  it('keeps a series whose exemplar has a bad reference, without that exemplar (as Prometheus 3)', () => {
    const got = decodeV2Request(v2Body({ symbols: ['', '__name__', 'x'], timeseries: [{ labelsRefs: [1, 2], samples: [{ value: 2, timestamp: 2 }], exemplars: [{ labelsRefs: [1, 5], value: 1 }] }] }));
    assert.equal(got.timeseries.length, 1);
    assert.equal(got.timeseries[0]!.exemplars, undefined);
    assert.match(got.invalid[0]!.reason, /exemplar reference 5/);
  });

  it('arbitrary bytes never escape as anything but a GatewayError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeV2Request(bytes);
        } catch (e) {
          assert.ok(e instanceof GatewayError, String(e));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('what it encodes protobufjs reads with the symbols resolved', () => {
    const { body } = encodeV2Request([series({ samples: [{ value: 1, timestamp: 5 }], exemplars: [{ labels: [{ name: 'trace_id', value: 'api' }], value: 1, timestamp: 5 }] })], [{ type: 'COUNTER', metricFamilyName: 'rpc_seconds', help: 'h', unit: '' }]);
    const o = V2Type.toObject(V2Type.decode(body), { longs: Number, defaults: false }) as any;
    assert.equal(o.symbols[0], '');
    assert.deepEqual(o.timeseries[0].labelsRefs.map((r: number) => o.symbols[r]), ['__name__', 'rpc_seconds', 'job', 'api']);
    assert.equal(o.symbols.filter((s: string) => s === 'api').length, 1, 'symbols are interned');
    assert.deepEqual(o.timeseries[0].metadata, { type: 1, helpRef: o.symbols.indexOf('h') });
    assert.deepEqual(o.timeseries[0].exemplars[0].labelsRefs.map((r: number) => o.symbols[r]), ['trace_id', 'api']);
  });

  it('splits a series with samples and histograms into two entries and leaves out exemplar-only series (counted)', () => {
    const res = encodeV2Request([series({ samples: [{ value: 1, timestamp: 5 }], histograms: [hist()] }), series({ labels: [{ name: '__name__', value: 'e' }], exemplars: [{ labels: [], value: 1, timestamp: 1 }] })]);
    const got = decodeV2Request(res.body);
    assert.equal(got.timeseries.length, 2);
    assert.equal(got.timeseries[0]!.samples.length, 1);
    assert.equal(got.timeseries[1]!.histograms!.length, 1);
    assert.equal(res.exemplarsLeftOut, 1);
  });

  it('random requests round-trip through 2.0, and 1.0 -> 2.0 -> 1.0 is lossless (property)', () => {
    fc.assert(
      fc.property(fc.array(arbSeries, { maxLength: 4 }), fc.boolean(), (tss, withMeta) => {
        const metadata: MetricMetadata[] = [];
        if (withMeta) {
          const seen = new Set<string>();
          for (const s of tss) {
            const name = s.labels.find((l) => l.name === '__name__')?.value;
            if (name && !seen.has(name)) {
              seen.add(name);
              metadata.push({ type: 'COUNTER', metricFamilyName: name, help: `help ${name}`, unit: 'bytes' });
            }
          }
        }
        const v1 = decodeWriteRequest(encodeWriteRequest({ timeseries: tss, metadata }));
        const v2 = decodeV2Request(encodeV2Request(v1.timeseries, v1.metadata).body);
        assert.deepEqual(v2.invalid, []);
        assert.deepEqual(v2.timeseries, tss);
        assert.deepEqual(v2.metadata, metadata);
        assert.deepEqual(decodeWriteRequest(encodeWriteRequest({ timeseries: v2.timeseries, metadata: v2.metadata })), { timeseries: tss, metadata });
      }),
      { numRuns: 300 },
    );
  });
});
