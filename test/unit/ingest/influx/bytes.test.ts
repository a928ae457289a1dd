import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseInfluxBatch, parseInfluxLines } from '../../../../lib/ingest/influx/parse.ts';
import { finalizeBatch, finalizeSeries } from '../../../../lib/ingest/finalize.ts';
import { batchToSeries } from '../../../../lib/model/batch-adapter.ts';
import { normalizeLabels } from '../../../../lib/model/labels.ts';
import { encodeTimeSeries } from '../../../../lib/remote-write/encode.ts';
import { encodeBatchSeries, seriesBodies } from '../../../../lib/remote-write/encode-batch.ts';
import { compileRelabelConfigs } from '../../../../lib/relabel/index.ts';
import { DEFAULT_LIMITS } from '../../../../lib/config/schema.ts';
import type { Label } from '../../../../lib/model/types.ts';

const noRelabel = compileRelabelConfigs([], 'relabel_configs');
const opts = (extraLabels?: Label[], maxLineLength = 1 << 20) => ({ now: 1_700_000_000_000, precision: 'ns' as const, maxLineLength, ...(extraLabels ? { extraLabels } : {}) });

/**
 * A request body read as bytes (what the route does) against the same body decoded by TextDecoder and read
 * by the object parser (what the route did): the same errors (line numbers, reasons, excerpts), the same
 * distinct proof and the same WriteRequest bytes. Returns whether the batch path queued it.
 */
function sameAsDecoded(body: Uint8Array, extra?: Label[], maxLineLength?: number): boolean {
  const text = new TextDecoder().decode(body);
  const objects = parseInfluxLines(text, opts(extra, maxLineLength));
  const got = parseInfluxBatch(body, opts(extra, maxLineLength));
  assert.deepEqual(got.errors, objects.errors);
  assert.equal(got.errorCount, objects.errorCount);
  assert.equal(got.batch.distinct, !!objects.distinctLabelSets);
  const norm = (s: { labels: Label[] }[]) => s.map((x) => ({ ...x, labels: normalizeLabels([...x.labels]) }));
  assert.deepEqual(norm(batchToSeries(got.batch)), norm(objects.series));
  const grouped = finalizeBatch(got.batch, true, DEFAULT_LIMITS, 'p');
  if (grouped === undefined) return false;
  const want = finalizeSeries(objects.series, { extraLabels: [], relabel: noRelabel, externalLabels: [], limits: DEFAULT_LIMITS, protocol: 'p', ...(objects.distinctLabelSets ? { distinctLabelSets: true } : {}) }).series;
  const bytes = encodeBatchSeries(got.batch, grouped, seriesBodies(got.batch, grouped), 0, grouped.count);
  assert.equal(Buffer.from(bytes).toString('hex'), Buffer.from(encodeTimeSeries(want)).toString('hex'));
  return true;
}

describe('influx: the body read as bytes', () => {
  it('hand-picked bodies: byte order mark, CRLF, blank and comment lines, non-ASCII and invalid UTF-8, in error excerpts too', () => {
    const bodies: (string | number[])[] = [
      'cpu,host=a v=1,w=2i 1\r\n\r\n  # comment\n\tcpu,host=b v=3 2\n',
      [0xef, 0xbb, 0xbf, ...Buffer.from('cpu,host=a v=1 1\ncpu v=2 2')], // a byte order mark: TextDecoder drops it
      [...Buffer.from('cpu v=1 1\n'), 0xef, 0xbb, 0xbf, ...Buffer.from('cpu v=2 2')], // not at the start: part of the text
      'cpu,host=ä v=1 1\ncpu,host=a v=2 2\ncpu,hé=b v=oops 3',
      [...Buffer.from('cpu,host='), 0xff, 0xc3, ...Buffer.from(' v=1 1\ncpu,host=a v='), 0xc3, 0x28, ...Buffer.from(' 2\ncpu v=3 3')],
      [...Buffer.from('cpu v=1 1\ncpu,host=x v=2'), 0xe2, 0x82, ...Buffer.from('\ncpu v=4 4')], // a truncated sequence at a line's end
      'cpu v=1 1\ncpu v=14.285714285714286,w=1e3,x=-7u,y=t 2\ncpu v=1 99999999999999999999',
      'cpu,host=a v="a string é",w=1 1\ncpu,host=a w=2 2',
    ];
    for (const b of bodies) {
      const bytes = typeof b === 'string' ? Buffer.from(b) : Uint8Array.from(b);
      sameAsDecoded(bytes);
      sameAsDecoded(bytes, [{ name: 'db', value: 'd' }]);
    }
  });

  it('max_line_length counts characters, as the decoded text did: a line of more bytes than the limit but not more characters is read', () => {
    const line = 'm,t=éééé v=1 1'; // 14 characters, 18 bytes
    assert.equal(parseInfluxBatch(Buffer.from(line), opts(undefined, 14)).errors.length, 0);
    const past = parseInfluxBatch(Buffer.from(line), opts(undefined, 13));
    assert.deepEqual(past.errors.map((e) => [e.line, e.reason]), [[1, 'line of 14 characters exceeds max_line_length=13']]);
    assert.equal(parseInfluxBatch(Buffer.from('m,t=a v=1 1'), opts(undefined, 11)).batch.length, 1, 'ASCII at the limit');
    assert.equal(parseInfluxBatch(Buffer.from('m,t=a v=1 1'), opts(undefined, 10)).errors.length, 1, 'ASCII past the limit');
    for (const max of [10, 13, 14, 18]) sameAsDecoded(Buffer.from(`${line}\nm v=1 1`), undefined, max);
  });

  it('generated bodies of any bytes around the common form (property)', () => {
    const piece = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('cpu', 'host', 'a', 'b', 'm_a', 'db', '=', ',', ' ', '1', '2.5', '14.285714285714286', '7i', '"s"', 't', '\\ ', '#', '\t', '__name__', '17000000') },
      { weight: 1, arbitrary: fc.constantFrom('é', '€', '𝄞', '\r', '\n', '\uFEFF') },
    );
    const line = fc.oneof(
      { weight: 3, arbitrary: fc.record({ m: fc.constantFrom('cpu', 'mem', 'm_a'), tags: fc.uniqueArray(fc.constantFrom('a', 'b', 'host', 'db', 'zone'), { maxLength: 3 }), v: fc.constantFrom('a', 'b', 'é'), f: fc.uniqueArray(fc.constantFrom('v', 'w', 'a_b'), { minLength: 1, maxLength: 3 }), ts: fc.constantFrom('', ' 1', ' 1700000000000000000') }).map(({ m, tags, v, f, ts }) => `${m}${tags.sort().map((t) => `,${t}=${v}`).join('')} ${f.map((x, i) => `${x}=${i}.5`).join(',')}${ts}`) },
      { weight: 1, arbitrary: fc.array(piece, { maxLength: 12 }).map((p) => p.join('')) },
    );
    const raw = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 3 });
    let queued = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(line, raw, fc.boolean()), { minLength: 1, maxLength: 8 }), fc.boolean(), fc.boolean(), (lines, bom, db) => {
        const parts: Buffer[] = bom ? [Buffer.from([0xef, 0xbb, 0xbf])] : [];
        for (const [l, bytes, junk] of lines) parts.push(Buffer.from(l), junk ? Buffer.from(bytes) : Buffer.alloc(0), Buffer.from(junk ? '\r\n' : '\n'));
        if (sameAsDecoded(Buffer.concat(parts), db ? [{ name: 'db', value: 'x' }] : undefined)) queued++;
      }),
      { numRuns: 1500 },
    );
    assert.ok(queued > 300, `only ${queued} bodies took the batch path`);
  });
});
