import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { scanForwardable } from '../../../lib/remote-write/scan.ts';
import { encodeWriteRequest } from '../../../lib/remote-write/encode.ts';
import { decodeWriteRequest } from '../../../lib/remote-write/decode.ts';
import { finalizeSeries } from '../../../lib/ingest/finalize.ts';

import { DEFAULT_LIMITS } from '../../../lib/config/schema.ts';
import type { TimeSeries } from '../../../lib/model/types.ts';
import type { CompiledRelabel } from '../../../lib/relabel/types.ts';

const noRelabel: CompiledRelabel = { rules: [] };

function body(timeseries: TimeSeries[], metadata = false): Uint8Array {
  return encodeWriteRequest({ timeseries, metadata: metadata ? [{ type: 'GAUGE', metricFamilyName: 'up', help: 'h', unit: '' }] : [] });
}

const up = (extra: { name: string; value: string }[] = [], samples = [{ value: 1, timestamp: 1_700_000_000_000 }]): TimeSeries => ({ labels: [{ name: '__name__', value: 'up' }, ...extra], samples });

describe('scanForwardable: a remote_write 1.0 body queued as received', () => {
  const cases: { name: string; series: TimeSeries[]; metadata?: boolean; want: { series: number; samples: number } | undefined }[] = [
    { name: 'sorted distinct float series', series: [up([{ name: 'job', value: 'a' }]), up([{ name: 'job', value: 'b' }], [{ value: 1, timestamp: 1 }, { value: 2, timestamp: 2 }])], want: { series: 2, samples: 3 } },
    { name: 'zero value and zero timestamp (omitted fields)', series: [up([], [{ value: 0, timestamp: 0 }])], want: { series: 1, samples: 1 } },
    { name: 'unsorted labels', series: [{ labels: [{ name: 'job', value: 'a' }, { name: '__name__', value: 'up' }], samples: [{ value: 1, timestamp: 1 }] }], want: undefined },
    { name: 'duplicate label name', series: [up([{ name: 'job', value: 'a' }, { name: 'job', value: 'b' }])], want: undefined },
    { name: 'empty label value', series: [up([{ name: 'job', value: '' }])], want: undefined },
    { name: 'no __name__', series: [{ labels: [{ name: 'job', value: 'a' }], samples: [{ value: 1, timestamp: 1 }] }], want: undefined },
    { name: 'equal label sets in two series', series: [up([{ name: 'job', value: 'a' }]), up([{ name: 'job', value: 'a' }])], want: undefined },
    { name: 'samples out of timestamp order', series: [up([], [{ value: 1, timestamp: 2 }, { value: 2, timestamp: 1 }])], want: undefined },
    { name: 'negative timestamp', series: [up([], [{ value: 1, timestamp: -1 }])], want: undefined },
    { name: 'non-ASCII label value', series: [up([{ name: 'job', value: 'ü' }])], want: undefined },
    { name: 'series without samples', series: [up([], [])], want: undefined },
    { name: 'metadata', series: [up()], metadata: true, want: undefined },
    { name: 'exemplar', series: [{ ...up(), exemplars: [{ labels: [], value: 1, timestamp: 1 }] }], want: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(scanForwardable(body(c.series, c.metadata), DEFAULT_LIMITS), c.want));
  }

  it('limits at and past the limit', () => {
    const b = body([up([{ name: 'job', value: 'abcd' }])]);
    assert.ok(scanForwardable(b, { ...DEFAULT_LIMITS, maxLabelValueLength: 4, maxLabelsPerSeries: 2, maxSeriesPerRequest: 1 }));
    assert.equal(scanForwardable(b, { ...DEFAULT_LIMITS, maxLabelValueLength: 3 }), undefined);
    assert.equal(scanForwardable(b, { ...DEFAULT_LIMITS, maxLabelsPerSeries: 1 }), undefined);
    assert.equal(scanForwardable(b, { ...DEFAULT_LIMITS, maxLabelNameLength: 7 }), undefined);
    assert.equal(scanForwardable(body([up(), up([{ name: 'a', value: 'b' }])]), { ...DEFAULT_LIMITS, maxSeriesPerRequest: 1 }), undefined);
  });

  it('label strings hashed four bytes at a step: a difference or a non-ASCII byte anywhere in a long string counts', () => {
    const long = 'abcdefghijklmnopqrstu'; // 21 bytes: five words and a tail byte
    for (let i = 0; i < long.length; i++) {
      const other = long.slice(0, i) + 'X' + long.slice(i + 1);
      assert.deepEqual(scanForwardable(body([up([{ name: 'job', value: long }]), up([{ name: 'job', value: other }])]), DEFAULT_LIMITS), { series: 2, samples: 2 }, `differs at ${i}`);
      assert.equal(scanForwardable(body([up([{ name: 'job', value: long }]), up([{ name: 'job', value: long }])]), DEFAULT_LIMITS), undefined);
      const accented = long.slice(0, i) + '\u00e9' + long.slice(i + 1);
      assert.equal(scanForwardable(body([up([{ name: 'job', value: accented }])]), DEFAULT_LIMITS), undefined, `non-ASCII at ${i}`);
      assert.equal(scanForwardable(body([up([{ name: `x${accented}`, value: 'v' }])]), DEFAULT_LIMITS), undefined, `non-ASCII name at ${i}`);
    }
    // The same bytes split differently between name and value are different label sets.
    assert.deepEqual(scanForwardable(body([up([{ name: 'ab', value: 'cd' }]), up([{ name: 'abc', value: 'd' }])]), DEFAULT_LIMITS), { series: 2, samples: 2 });
  });

  it('many distinct series fill the hash table without a false duplicate; one repeated series among them is caught', () => {
    const many = Array.from({ length: 5000 }, (_, i) => up([{ name: 'instance', value: `host-${i}:9100` }, { name: 'job', value: 'node' }]));
    assert.deepEqual(scanForwardable(body(many), DEFAULT_LIMITS), { series: 5000, samples: 5000 });
    assert.equal(scanForwardable(body([...many, many[1234]!]), DEFAULT_LIMITS), undefined);
    // The table is kept between scans: nothing seen by one scan counts as seen by the next.
    assert.deepEqual(scanForwardable(body(many), DEFAULT_LIMITS), { series: 5000, samples: 5000 });
    const huge = Array.from({ length: 40_000 }, (_, i) => up([{ name: 'series', value: String(i) }]));
    assert.deepEqual(scanForwardable(body(huge), DEFAULT_LIMITS), { series: 40_000, samples: 40_000 });
    assert.equal(scanForwardable(body([...huge.slice(0, 30_000), huge[7]!]), DEFAULT_LIMITS), undefined);
    assert.deepEqual(scanForwardable(body(many.slice(0, 10)), DEFAULT_LIMITS), { series: 10, samples: 10 });
  });

  it('label fields of 128 bytes or more (two-byte lengths): ASCII checked string by string, duplicates still caught', () => {
    const long = 'v'.repeat(200);
    assert.deepEqual(scanForwardable(body([up([{ name: 'job', value: long }]), up([{ name: 'job', value: long + 'x' }])]), DEFAULT_LIMITS), { series: 2, samples: 2 });
    assert.equal(scanForwardable(body([up([{ name: 'job', value: long }]), up([{ name: 'job', value: long }])]), DEFAULT_LIMITS), undefined);
    for (const at of [0, 100, 199]) {
      const accented = long.slice(0, at) + '\u00e9' + long.slice(at + 1);
      assert.equal(scanForwardable(body([up([{ name: 'job', value: accented }])]), DEFAULT_LIMITS), undefined, `non-ASCII at ${at}`);
      assert.equal(scanForwardable(body([up([{ name: 'a\u00e9', value: long }])]), DEFAULT_LIMITS), undefined, `non-ASCII name beside a long value`);
    }
  });

  it('equal label sets written differently are left to the full path: non-minimal lengths, labels after samples', () => {
    const series = (fields: number[][]): number[] => [0x0a, fields.flat().length, ...fields.flat()];
    const label = (n: string, v: string): number[] => [0x0a, n.length + v.length + 4, 0x0a, n.length, ...Buffer.from(n), 0x12, v.length, ...Buffer.from(v)];
    const sample = [0x12, 0x02, 0x10, 0x01];
    const plain = series([label('__name__', 'up'), label('job', 'a'), sample]);
    assert.deepEqual(scanForwardable(Uint8Array.from(plain), DEFAULT_LIMITS), { series: 1, samples: 1 });
    // The job label's field length as a two-byte varint with a zero high byte (0x89 0x00 = 9).
    const job = label('job', 'a');
    const nonMinimal = series([label('__name__', 'up'), [0x0a, 0x80 | job[1]!, 0x00, ...job.slice(2)], sample]);
    assert.equal(decodeWriteRequest(Uint8Array.from(nonMinimal)).timeseries[0]!.labels[1]!.value, 'a');
    assert.equal(scanForwardable(Uint8Array.from([...plain, ...nonMinimal]), DEFAULT_LIMITS), undefined);
    assert.equal(scanForwardable(Uint8Array.from(nonMinimal), DEFAULT_LIMITS), undefined);
    // A label written after a sample: decoders take it, the scan does not.
    const late = series([label('__name__', 'up'), sample, label('job', 'a')]);
    assert.deepEqual(decodeWriteRequest(Uint8Array.from(late)).timeseries[0]!.labels, [{ name: '__name__', value: 'up' }, { name: 'job', value: 'a' }]);
    assert.equal(scanForwardable(Uint8Array.from(late), DEFAULT_LIMITS), undefined);
  });

  it('malformed bytes are left to the decoder', () => {
    const b = body([up([{ name: 'job', value: 'a' }])]);
    for (let n = 0; n < b.length; n++) assert.equal(scanForwardable(b.subarray(0, n), DEFAULT_LIMITS), undefined);
  });

  it('whatever it accepts, finalizeSeries leaves as it is (property)', () => {
    const name = fc.constantFrom('__name__', 'a', 'b', 'job', 'Z', '_x');
    const value = fc.constantFrom('', 'up', 'x', 'y', 'ü', 'node', 'a', 'b', 'c');
    const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    const labels = fc
      .tuple(fc.uniqueArray(fc.record({ name, value }), { maxLength: 4, selector: (l) => l.name }), fc.array(fc.record({ name, value }), { maxLength: 1 }), fc.boolean(), fc.boolean())
      .map(([ls, dup, sort, named]) => {
        const all = [...(named && !ls.some((l) => l.name === '__name__') ? [{ name: '__name__', value: 'up' }] : []), ...ls, ...dup];
        return sort ? all.sort(byName) : all;
      });
    const samples = fc
      .tuple(fc.array(fc.record({ value: fc.constantFrom(0, 1, -0, 2.5, NaN), timestamp: fc.constantFrom(0, 1, 5, 1_700_000_000_000, -3) }), { maxLength: 3 }), fc.boolean())
      .map(([ss, sort]) => (sort ? ss.sort((a, b) => a.timestamp - b.timestamp) : ss));
    const series = fc.record({ labels, samples });
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(series, { maxLength: 4 }), (ts) => {
        const b = encodeWriteRequest({ timeseries: ts, metadata: [] });
        const scan = scanForwardable(b, DEFAULT_LIMITS);
        if (!scan) return;
        accepted++;
        const decoded = decodeWriteRequest(b).timeseries;
        const fin = finalizeSeries(decodeWriteRequest(b).timeseries, { extraLabels: [], relabel: noRelabel, externalLabels: [], limits: DEFAULT_LIMITS, protocol: 'remote_write' });
        assert.equal(fin.invalidCount, 0);
        assert.deepEqual(fin.series, decoded);
        assert.equal(scan.series, decoded.length);
        assert.equal(scan.samples, decoded.reduce((n, s) => n + s.samples.length, 0));
      }),
      { numRuns: 3000 },
    );
    assert.ok(accepted > 50, `only ${accepted} forwardable bodies generated`);
  });

  it('timestamps read as two words (6-byte varints) order the same as those read byte by byte, across every varint length', () => {
    // 2^35 - 1 is the last 5-byte varint and 2^42 the first 7-byte one: pairs across them mix both readings.
    const edges = [0, 1, 127, 128, 2 ** 28, 2 ** 35 - 1, 2 ** 35, 2 ** 35 + 1, 1_700_000_000_000, 2 ** 42 - 1, 2 ** 42, 2 ** 49 - 1];
    for (const a of edges) {
      for (const b of edges) {
        const got = scanForwardable(body([up([], [{ value: 1, timestamp: a }, { value: 2, timestamp: b }])]), DEFAULT_LIMITS);
        assert.equal(got !== undefined, b >= a, `${a} then ${b}`);
      }
      // One more than a value read as two words, and one less.
      for (const d of [-1, 1]) {
        if (a + d < 0 || a + d >= 2 ** 49) continue;
        const got = scanForwardable(body([up([], [{ value: 1, timestamp: a }, { value: 2, timestamp: a + d }])]), DEFAULT_LIMITS);
        assert.equal(got !== undefined, d > 0, `${a} then ${a + d}`);
      }
    }
    // An 8-byte varint (2^49) is left to the full path, as before.
    assert.equal(scanForwardable(body([up([], [{ value: 1, timestamp: 2 ** 49 }])]), DEFAULT_LIMITS), undefined);
  });
});
