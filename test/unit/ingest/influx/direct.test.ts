import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fieldValue, InfluxLineScan, seriesKeyHash } from '../../../../lib/ingest/influx/direct.ts';
import { parseFieldValue, timestampToMs } from '../../../../lib/ingest/influx/values.ts';

/** The one-pass scan (direct.ts) takes only lines the ordinary parser reads to the same labels; batch.test.ts compares the results. */
describe('influx one-pass line scan', () => {
  const scan = (line: string, precision: 'ns' | 's' = 'ns') => {
    const l = new InfluxLineScan(5, precision);
    return l.scan(line, 0, line.length) ? l : undefined;
  };

  it('takes a line in the common form, with positions, values and the timestamp in milliseconds', () => {
    const line = 'bench,host=host-7,region=r3 f1=12,f2=1.5,f3=2i,f4=-0.25,f5=7u 1700000000123456789';
    const l = scan(line)!;
    assert.ok(l);
    assert.equal(line.slice(l.keyStart, l.measurementEnd), 'bench');
    assert.equal(line.slice(l.keyStart, l.keyEnd), 'bench,host=host-7,region=r3');
    assert.deepEqual(Array.from({ length: l.tagCount }, (_, k) => line.slice(l.tags[4 * k], l.tags[4 * k + 1]) + '=' + line.slice(l.tags[4 * k + 2], l.tags[4 * k + 3])), ['host=host-7', 'region=r3']);
    assert.deepEqual(Array.from({ length: l.fieldCount }, (_, f) => line.slice(l.fields[2 * f], l.fields[2 * f + 1])), ['f1', 'f2', 'f3', 'f4', 'f5']);
    assert.deepEqual([...l.values.subarray(0, 5)], [12, 1.5, 2, -0.25, 7]);
    assert.equal(l.timestamp, 1700000000123);
    assert.equal(scan('m v=1')!.timestamp, 5, 'no timestamp: now');
    assert.equal(scan('m v=1 17', 's')!.timestamp, 17000);
  });

  it('leaves every other line to the ordinary parser', () => {
    for (const line of [
      'm,b=1,a=2 v=1', // tags not ascending: the ordinary parser sorts them
      'm,a=1,a=2 v=1', // a repeated key
      'm,__name__=x v=1',
      'm\\,x v=1', // escapes
      'm,a=x\\ y v=1',
      'm,a=é v=1', // non-ASCII
      'm s="str"', // string fields carry no sample
      'm v=x', // errors: the ordinary parser words them
      'm,a= v=1',
      'm v=1,',
      'm v=1 12x',
      'm v=1 12345678901234567890',
      'm',
    ]) {
      assert.equal(scan(line), undefined, line);
    }
  });

  it('computes field values exactly as parseFieldValue, without a string when it can (property)', () => {
    const raw = fc.oneof(
      fc.stringMatching(/^[+-]?[0-9]{0,17}\.?[0-9]{0,8}([eE][+-]?[0-9]{1,3})?[iu]?$/),
      fc.double().map(String),
      fc.integer().map((n) => `${n}i`),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(raw, (r) => {
        const padded = `x=${r},`;
        assert.ok(Object.is(fieldValue(padded, 2, 2 + r.length), parseFieldValue(r)), r);
      }),
      { numRuns: 5000 },
    );
  });

  it('hashes the series text in the same pass exactly as seriesKeyHash hashes it for the ordinary parser (property)', () => {
    const name = fc.stringMatching(/^[a-zA-Z0-9_.:-]{1,12}$/);
    const line = fc.record({ m: name, tags: fc.uniqueArray(fc.tuple(name, name), { maxLength: 5, selector: ([k]) => k }), lead: fc.constantFrom('', ' ', '  ') }).map(({ m, tags, lead }) => {
      const sorted = [...tags].sort(([a], [b]) => (a < b ? -1 : 1)).filter(([k]) => k !== '__name__');
      return `${lead}${m}${sorted.map(([k, v]) => `,${k}=${v}`).join('')} v=1,w=2i 17`;
    });
    let taken = 0;
    fc.assert(
      fc.property(line, (text) => {
        const l = new InfluxLineScan(0, 'ns');
        const start = text.length - text.trimStart().length;
        if (!l.scan(text, start, text.length)) return;
        taken++;
        assert.equal(l.keyHash, seriesKeyHash(text, l.keyStart, l.keyEnd), text);
        assert.equal(l.keyHash, seriesKeyHash(text.slice(l.keyStart, l.keyEnd), 0, l.keyEnd - l.keyStart), text);
      }),
      { numRuns: 3000 },
    );
    assert.ok(taken > 2000, `only ${taken} lines taken`);
    assert.notEqual(scan('m,a=b v=1')!.keyHash, scan('m,a=c v=1')!.keyHash);
    assert.notEqual(scan('m,ab=c v=1')!.keyHash, scan('m,a=bc v=1')!.keyHash, 'the separators are hashed');
  });

  it('computes timestamps exactly as timestampToMs in every precision (property)', () => {
    const raw = fc.oneof(fc.bigInt({ min: -(10n ** 19n), max: 10n ** 19n }).map(String), fc.stringMatching(/^-?[0-9]{1,20}$/));
    fc.assert(
      fc.property(raw, fc.constantFrom('ns', 'us', 'ms', 's', 'm', 'h'), (r, p) => {
        const l = new InfluxLineScan(0, p as 'ns');
        const line = `m v=1 ${r}`;
        const want = timestampToMs(r, p as 'ns');
        assert.equal(l.scan(line, 0, line.length) ? l.timestamp : undefined, want, `${r} ${p}`);
      }),
      { numRuns: 5000 },
    );
  });
});
