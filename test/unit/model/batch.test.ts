import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseInfluxBatch, parseInfluxLines } from '../../../lib/ingest/influx/parse.ts';
import { parsePrometheusTextBatch, parsePrometheusTextForPush } from '../../../lib/ingest/prometheus/parse.ts';
import { finalizeBatch, finalizeSeries } from '../../../lib/ingest/finalize.ts';
import { FloatBatch } from '../../../lib/model/batch.ts';
import { batchToSeries, withBatch } from '../../../lib/model/batch-adapter.ts';
import { normalizeLabels } from '../../../lib/model/labels.ts';
import { encodeTimeSeries } from '../../../lib/remote-write/encode.ts';
import { encodeBatchSeries, groupBatch, seriesBodies } from '../../../lib/remote-write/encode-batch.ts';
import { packBatch, packSeries } from '../../../lib/queue/envelope.ts';
import { unpackMessage } from '../../../lib/queue/unpack.ts';
import { compileRelabelConfigs } from '../../../lib/relabel/index.ts';
import { DEFAULT_LIMITS, type IngestLimits } from '../../../lib/config/schema.ts';
import type { BatchParseResult, ParseResult } from '../../../lib/ingest/types.ts';
import type { Label, TimeSeries } from '../../../lib/model/types.ts';
import { MemoryBlobStore } from '../../helpers/fakes.ts';

const noRelabel = compileRelabelConfigs([], 'relabel_configs');

/**
 * The batch path must queue exactly what the object path queues: the same WriteRequest bytes for the same
 * body (finalizeSeries then encodeTimeSeries against finalizeBatch then encodeBatchSeries), and when the batch
 * path declines (a broken label rule, a limit), batchToSeries must give the object parser's series.
 */
function sameAsObjectPath(objects: ParseResult, batch: BatchParseResult, limits: IngestLimits = DEFAULT_LIMITS): 'batch' | 'objects' {
  assert.deepEqual(batch.errors, objects.errors);
  assert.equal(batch.errorCount, objects.errorCount);
  assert.equal(batch.batch.distinct, !!objects.distinctLabelSets);
  const adapted = batchToSeries(batch.batch);
  assert.deepEqual(adapted.map((s) => ({ ...s, labels: normalizeLabels([...s.labels]) })), objects.series.map((s) => ({ ...s, labels: normalizeLabels([...s.labels]) })));
  const grouped = finalizeBatch(batch.batch, true, limits, 'p');
  let want: TimeSeries[];
  try {
    want = finalizeSeries(objects.series, { extraLabels: [], relabel: noRelabel, externalLabels: [], limits, protocol: 'p', ...(objects.distinctLabelSets ? { distinctLabelSets: true } : {}) }).series;
  } catch (err) {
    assert.equal(grouped, undefined, `the batch path took a body the object path refuses: ${String(err)}`);
    return 'objects';
  }
  if (grouped === undefined) return 'objects';
  assert.equal(grouped.count, want.length);
  const got = encodeBatchSeries(batch.batch, grouped, seriesBodies(batch.batch, grouped), 0, grouped.count);
  assert.deepEqual(Buffer.from(got).toString('hex'), Buffer.from(encodeTimeSeries(want)).toString('hex'));
  return 'batch';
}

const influxOpts = (extraLabels?: Label[]) => ({ now: 1_700_000_000_000, precision: 'ns' as const, maxLineLength: 1 << 20, ...(extraLabels ? { extraLabels } : {}) });

describe('FloatBatch: the batch path queues what the object path queues', () => {
  it('Influx, hand-picked bodies', () => {
    const bodies = [
      'cpu,host=a,zone=b usage=1.5,idle=2i 1700000000123456789',
      'cpu,zone=b,host=a v=1 1\ncpu,host=a,zone=b v=2 2',
      'cpu,host=a v=1 3000000\ncpu,host=a v=2 1000000\ncpu,host=a v=3 2000000',
      'm,A=1,__a=2,_z=3 v=-0,w=0 -5000000',
      'cpu,host=a,host=b v=1',
      'cpu,__name__=x v=1',
      'cpu,h\\ st=ä€𝄞 v=1,s="str" 1\nlog s="only a string"',
      'bad line\ncpu v=1 1\ncpu v=oops',
    ];
    for (const b of bodies) sameAsObjectPath(parseInfluxLines(b, influxOpts()), parseInfluxBatch(b, influxOpts()));
    for (const b of bodies) sameAsObjectPath(parseInfluxLines(b, influxOpts([{ name: 'db', value: 'd' }])), parseInfluxBatch(b, influxOpts([{ name: 'db', value: 'd' }])));
  });

  it('Influx, generated bodies (property)', () => {
    const tok = fc.constantFrom('a', 'b', 'a_b', 'm', 'm_a', 'db', 'x\\ y', 'Z', '__name__', 'é', '_');
    const value = fc.constantFrom('1', '-0', '0', '1.5e300', '7i', 't', '"s"', 'x');
    const ts = fc.constantFrom('', ' 1', ' 0', ' -1000000', ' 1700000000000000000', ' 2000000');
    const line = fc
      .record({ m: tok, tags: fc.array(fc.tuple(tok, tok), { maxLength: 3 }), fields: fc.array(fc.tuple(tok, value), { minLength: 1, maxLength: 3 }), ts })
      .map(({ m, tags, fields, ts }) => `${m}${tags.map(([k, v]) => `,${k}=${v}`).join('')} ${fields.map(([f, v]) => `${f}=${v}`).join(',')}${ts}`);
    const taken = { batch: 0, objects: 0 };
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), fc.boolean(), (lines, db) => {
        const body = lines.join('\n');
        const extra = db ? [{ name: 'db', value: 'x' }] : undefined;
        taken[sameAsObjectPath(parseInfluxLines(body, influxOpts(extra)), parseInfluxBatch(body, influxOpts(extra)))]++;
      }),
      { numRuns: 1500 },
    );
    assert.ok(taken.batch > 300 && taken.objects > 50, JSON.stringify(taken));
  });

  it('Influx one-pass: a line reuses the previous line\'s `__name__` entries only for the same measurement and field names', () => {
    const bodies = [
      'm1 a=1,b=2\nm2 a=3\nm2 a=4,b=5',
      'm a=1,b=2\nm a=3\nm a=4,b=5\nm b=6,a=7',
      'm a=1,a=2\nm a=3,a=4\nm a=5',
      'm,t=1 a=1 1\nm,t=2 a=2 1\nm_a,t=1 b=1\nm,t=1 a_b=2',
      'cpu v=1\ncpu\\ x v=2\ncpu v=3',
    ];
    for (const b of bodies) sameAsObjectPath(parseInfluxLines(b, influxOpts()), parseInfluxBatch(b, influxOpts()));
  });

  it('Influx lines in the one-pass form (direct.ts), every precision and extra labels merged at any place (property)', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'db', 'host', 'zone', '_x', 'A', 'm=x');
    const val = fc.constantFrom('1', 'x', 'host-7', 'é', 'a b');
    const num = fc.oneof(
      fc.integer({ min: -1e15, max: 1e15 }).map(String),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.integer({ min: -99999, max: 99999 }).map((n) => `${n}i`),
      fc.nat().map((n) => `${n}u`),
      fc.constantFrom('1.', '.5', '+3', '-0', '-0.0', '007.250', '1.5e3', '9007199254740993', '123456789012345.6', '0.1234567890123456', 't', 'FALSE', '1i5', '-1u'),
    );
    const ts = fc.oneof(fc.constant(''), fc.bigInt({ min: -(10n ** 19n) + 1n, max: 10n ** 19n - 1n }).map((n) => ` ${n}`), fc.integer({ min: 0, max: 2e9 }).map((n) => ` ${n}`));
    const line = fc
      .record({ m: fc.constantFrom('cpu', 'm', 'm_a', 'a=b'), tags: fc.uniqueArray(fc.tuple(key, val), { maxLength: 4, selector: ([k]) => k }), fields: fc.array(fc.tuple(fc.constantFrom('v', 'f1', 'f_2', 'a'), num), { minLength: 1, maxLength: 4 }), ts, sorted: fc.boolean() })
      .map(({ m, tags, fields, ts, sorted }) => {
        const t = sorted ? [...tags].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : tags;
        return `${m}${t.map(([k, v]) => `,${k}=${v.replace(' ', '\\ ')}`).join('')} ${fields.map(([f, v]) => `${f}=${v}`).join(',')}${ts}`;
      });
    const extras = fc.constantFrom(undefined, [{ name: 'db', value: 'd' }], [{ name: 'a', value: 'x' }, { name: 'zz', value: 'y' }], [{ name: '_a', value: '1' }], [{ name: 'b', value: '' }], [{ name: 'z', value: '1' }, { name: 'a', value: '2' }]);
    const taken = { batch: 0, objects: 0 };
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 6 }), extras, fc.constantFrom('ns', 'us', 'ms', 's', 'm', 'h'), (lines, extra, precision) => {
        const body = lines.join('\n');
        const opts = { now: 1_700_000_000_000, precision: precision as 'ns', maxLineLength: 1 << 20, ...(extra ? { extraLabels: extra } : {}) };
        taken[sameAsObjectPath(parseInfluxLines(body, opts), parseInfluxBatch(body, opts))]++;
      }),
      { numRuns: 2000 },
    );
    assert.ok(taken.batch > 400, JSON.stringify(taken));
  });

  it('Prometheus text, hand-picked bodies: the direct path and every way out of it', () => {
    const bodies = [
      'a{b="1",c="2"} 1 5',
      'a{c="2",b="1"} 1 5',
      'a {b="1"} 1 5\na{b="1"} 2 6',
      'a{b="1",} 1\na{} 2\na{b=""} 3',
      'a{b="q\\"x"} 1\na{b="é"} 2',
      'a{__name__="x"} 1\na{A="1",_a="2",__a="3",z="4"} 2',
      'a{b="1"} 1 5\na{b="1"} 0 4\na 7\na 8 1',
      'a{b="1" 1\na{b="1"}\na{b="1"} x\na{b="1"} 1 2 3',
    ];
    const opts = { defaultTimestamp: 1_700_000_000_000, maxLineLength: 1 << 20 };
    for (const b of bodies) sameAsObjectPath(parsePrometheusTextForPush(b, opts), parsePrometheusTextBatch(b, opts));
  });

  it('one-pass writers at the one-byte length limits and past them (text labels, metric names, Influx names)', () => {
    const x = (n: number) => 'x'.repeat(n);
    const opts = { defaultTimestamp: 1_700_000_000_000, maxLineLength: 1 << 20 };
    for (const n of [121, 122, 123, 124, 200]) {
      const body = `a{b="${x(n)}"} 1 5\n${x(n - 8)}{b="1",cc="${x(n - 2)}"} 2 6\na{b="1",${x(3)}="${x(n - 4)}"} 3`;
      sameAsObjectPath(parsePrometheusTextForPush(body, opts), parsePrometheusTextBatch(body, opts));
    }
    for (const n of [114, 115, 116, 117, 130]) {
      const text = `${x(n)} 1 5\n${x(n)}{b="1"} 2 6`;
      sameAsObjectPath(parsePrometheusTextForPush(text, opts), parsePrometheusTextBatch(text, opts));
      const influx = `${x(n - 3)},t=${x(n)} f=1 1\n${x(n - 3)},t=1 ff=2,f=3 1`;
      sameAsObjectPath(parseInfluxLines(influx, influxOpts()), parseInfluxBatch(influx, influxOpts()));
    }
  });

  it('Prometheus text, generated bodies (property)', () => {
    const name = fc.constantFrom('a', 'b', 'up', 'A_b', 'x:y');
    const label = fc.tuple(fc.constantFrom('a', 'b', 'Z', '_x', '__name__', 'le'), fc.constantFrom('', '1', 'x y', 'é', 'q\\"t', 'n\\nl'));
    const value = fc.constantFrom('1', '-0', '0', 'NaN', '+Inf', '1e-3', 'x');
    const ts = fc.constantFrom('', ' 1', ' 0', ' -5', ' 1700000000000', ' 12x');
    const line = fc
      .record({ n: name, labels: fc.array(label, { maxLength: 3 }), braces: fc.boolean(), v: value, ts })
      .map(({ n, labels, braces, v, ts }) => `${n}${labels.length || braces ? `{${labels.map(([k, x]) => `${k}="${x}"`).join(',')}}` : ''} ${v}${ts}`);
    const taken = { batch: 0, objects: 0 };
    fc.assert(
      fc.property(fc.array(fc.oneof(line, fc.constant('# TYPE a counter')), { minLength: 1, maxLength: 8 }), (lines) => {
        const body = lines.join('\n');
        const opts = { defaultTimestamp: 1_700_000_000_000, maxLineLength: 1 << 20 };
        taken[sameAsObjectPath(parsePrometheusTextForPush(body, opts), parsePrometheusTextBatch(body, opts))]++;
      }),
      { numRuns: 1500 },
    );
    assert.ok(taken.batch > 300, JSON.stringify(taken));
  });

  it('declines a batch past a label limit, at the limit takes it', () => {
    const b = parseInfluxBatch('cpu,a=1,b=1234 v=1 1', influxOpts());
    assert.equal(sameAsObjectPath(parseInfluxLines('cpu,a=1,b=1234 v=1 1', influxOpts()), b, { ...DEFAULT_LIMITS, maxLabelsPerSeries: 3, maxLabelValueLength: 5 }), 'batch');
    assert.equal(finalizeBatch(b.batch, true, { ...DEFAULT_LIMITS, maxLabelsPerSeries: 2 }, 'p'), undefined);
    assert.equal(finalizeBatch(b.batch, true, { ...DEFAULT_LIMITS, maxLabelValueLength: 4 }, 'p'), undefined);
    assert.equal(finalizeBatch(b.batch, true, { ...DEFAULT_LIMITS, maxLabelNameLength: 7 }, 'p'), undefined, '__name__ has 8 characters');
    assert.equal(finalizeBatch(b.batch, false, DEFAULT_LIMITS, 'p'), undefined, 'extra labels, relabel rules, external labels or shards');
    assert.throws(() => finalizeBatch(b.batch, true, { ...DEFAULT_LIMITS, maxSeriesPerRequest: 0 }, 'p'), /request has 1 series, over max_series_per_request=0/);
  });

  it('withBatch builds the object form only when read', () => {
    const { batch } = parseInfluxBatch('cpu,h=a v=1 1000000', influxOpts());
    const o = withBatch(batch, { kind: 'series' as const });
    assert.equal(o.distinctLabelSets, true);
    assert.deepEqual(o.series, [{ labels: [{ name: '__name__', value: 'cpu_v' }, { name: 'h', value: 'a' }], samples: [{ value: 1, timestamp: 1 }] }]);
    assert.equal(o.series, o.series);
  });

  it('a batch sized from the body grows when the guess is short (short lines: more samples and label bytes than the body length suggests)', () => {
    // `m{k="1"} 1` is 11 characters against the 48 per sample the text parser sizes for, and its arena bytes
    // (a Label for k plus one for __name__) outnumber its characters; `m a=1,b=2` has 4 samples in 10.
    const text = Array.from({ length: 5000 }, (_, i) => `m${i % 10}{k="${i}"} ${i}`).join('\n');
    const t = parsePrometheusTextBatch(text, { defaultTimestamp: 1 });
    assert.equal(t.batch.length, 5000);
    assert.ok(t.batch.entrySet.length > Math.ceil(text.length / 48) + 16 && t.batch.buf.length > text.length + 1024, 'grew past the guess');
    assert.equal(sameAsObjectPath(parsePrometheusTextForPush(text, { defaultTimestamp: 1 }), t), 'batch');
    const influx = Array.from({ length: 5000 }, (_, i) => `m,h=${i} a=1,b=2,c=3,d=4 ${i}`).join('\n');
    const b = parseInfluxBatch(influx, influxOpts());
    assert.equal(b.batch.length, 20000);
    assert.equal(sameAsObjectPath(parseInfluxLines(influx, influxOpts()), b), 'batch');
    const tiny = new FloatBatch(0, 0);
    assert.ok(tiny.buf.length >= 256 && tiny.entrySet.length >= 64, 'a zero guess still starts from a floor');
  });

  it('grows past its initial capacity (sets, entries, arena)', () => {
    const b = new FloatBatch();
    const long = 'v'.repeat(300);
    for (let i = 0; i < 5000; i++) b.addSample(b.addLabelSet([{ name: 'k', value: `${long}${i}` }]), 'm', undefined, i, i);
    const series = batchToSeries(b);
    assert.equal(series.length, 5000);
    assert.deepEqual(series[4999]!.labels, [{ name: '__name__', value: 'm' }, { name: 'k', value: `${long}4999` }]);
  });
});

describe('packBatch: message sizing from measured bytes', () => {
  const opts = { maxMessageBytes: 4096, maxSamples: 50, tenant: 't', source: 'push' as const, newSpoolKey: () => `spool/x/${Math.random()}.snappy` };

  async function unpacked(packed: ReturnType<typeof packBatch>): Promise<TimeSeries[]> {
    const blobs = new MemoryBlobStore();
    for (const s of packed.spills) await blobs.put(s.key, s.body, { tenant: 't' });
    const out: TimeSeries[] = [];
    for (const m of packed.messages) {
      assert.ok(m.body.length + 256 <= opts.maxMessageBytes, 'within the message budget');
      out.push(...(await unpackMessage(m.body, m.attributes, blobs)).timeseries);
    }
    return out;
  }

  it('splits into messages within the byte and sample budgets, carrying every series once, like packSeries', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) lines.push(`cpu,host=h${i % 300},zone=z${i % 7} a=${i},b=${i * 2}i ${1_000_000 * (i % 5)}`);
    const body = lines.join('\n');
    const { batch } = parseInfluxBatch(body, influxOpts());
    const grouped = groupBatch(batch);
    const packed = packBatch(batch, grouped, opts);
    assert.ok(packed.messages.length > 10);
    for (const m of packed.messages) assert.ok(Number(m.attributes.samples) <= 50);
    const want = finalizeSeries(parseInfluxLines(body, influxOpts()).series, { extraLabels: [], relabel: noRelabel, externalLabels: [], limits: DEFAULT_LIMITS, protocol: 'p' }).series;
    const fromObjects = await unpacked(packSeries(want, opts));
    assert.deepEqual(await unpacked(packed), fromObjects);
  });

  it('claim-checks a single series too large for a message', async () => {
    // Incompressible text: snappy must not bring it under the budget.
    let seed = 7;
    const big = Array.from({ length: 4000 }, () => String.fromCharCode(97 + ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 26))).join('');
    const body = `m,a=${big}1,b=${big}2,c=${big}3 v=1 1000000\nsmall v=2 1000000`;
    const { batch } = parseInfluxBatch(body, influxOpts());
    const packed = packBatch(batch, groupBatch(batch), opts);
    assert.equal(packed.spills.length, 1);
    assert.equal(packed.messages.filter((m) => m.attributes.claim === '1').length, 1);
    assert.equal((await unpacked(packed)).length, 2);
  });
});
