import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseInfluxBatch, parseInfluxLines } from '../../../../lib/ingest/influx/parse.ts';
import { labelsKey, normalizeLabels } from '../../../../lib/model/labels.ts';
import type { Label } from '../../../../lib/model/types.ts';

const opts = (extraLabels?: Label[]) => ({ now: 0, precision: 'ns' as const, maxLineLength: 1 << 20, ...(extraLabels ? { extraLabels } : {}) });

function equalSetsExist(body: string, extra?: Label[]): boolean {
  const keys = new Set<string>();
  for (const s of parseInfluxLines(body, opts(extra)).series) {
    const k = labelsKey(normalizeLabels([...s.labels]));
    if (keys.has(k)) return true;
    keys.add(k);
  }
  return false;
}

describe('influx: the distinct-label-sets proof', () => {
  const cases: { name: string; body: string; extra?: Label[]; want: boolean }[] = [
    { name: 'distinct sorted lines', body: 'cpu,host=a,zone=b v=1,w=2 1\ncpu,host=b,zone=b v=1 1\nmem,host=a v=1 1', want: true },
    { name: 'the same series twice', body: 'cpu,host=a v=1 1\ncpu,host=a v=2 2', want: false },
    { name: 'tags in another order', body: 'cpu,zone=b,host=a v=1 1\ncpu,host=a,zone=b v=1 1', want: false },
    { name: 'a field twice in a line', body: 'cpu v=1,v=2 1', want: false },
    { name: 'measurement plus field collide', body: 'm_a b=1 1\nm a_b=1 1', want: false },
    { name: 'escapes', body: 'cpu,host=a\\ b v=1 1', want: false },
    { name: 'a tag named like the db label', body: 'cpu,db=x v=1 1\ncpu v=1 1', extra: [{ name: 'db', value: 'x' }], want: false },
    { name: 'db label, no such tag', body: 'cpu,host=a v=1 1\ncpu,host=b v=1 1', extra: [{ name: 'db', value: 'x' }], want: true },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(!!parseInfluxLines(c.body, opts(c.extra)).distinctLabelSets, c.want));
  }

  it('the batch path: a line the one-pass scan takes and one the ordinary parser reads share the proof (same series text, same hash)', () => {
    // The second line of each body has a string field: the one-pass scan declines it, the ordinary parser reads it.
    assert.equal(parseInfluxBatch('cpu,host=a v=1 1\ncpu,host=a v=2,s="x" 2', opts()).batch.distinct, false);
    assert.equal(parseInfluxBatch('cpu,host=a v=2,s="x" 2\ncpu,host=a v=1 1', opts()).batch.distinct, false);
    assert.equal(parseInfluxBatch('cpu,host=a v=1 1\ncpu,host=b v=2,s="x" 2', opts()).batch.distinct, true);
    assert.equal(parseInfluxBatch('cpu,host=a v=1 1\ncpu,host=a w=2 2', opts()).batch.distinct, false);
    assert.equal(parseInfluxBatch('cpu,host=a v=1 1\ncpu,host=b v=2 2', opts()).batch.distinct, true);
  });

  it('when it claims distinct label sets, there are none equal (property)', () => {
    const tok = fc.constantFrom('a', 'b', 'a_b', 'm', 'm_a', 'db', 'x\\ y', 'x', '__name__');
    const line = fc.record({
      m: tok,
      tags: fc.array(fc.tuple(tok, tok), { maxLength: 3 }),
      fields: fc.array(tok, { minLength: 1, maxLength: 3 }),
    }).map(({ m, tags, fields }) => `${m}${tags.map(([k, v]) => `,${k}=${v}`).join('')} ${fields.map((f, i) => `${f}=${i}`).join(',')} 1`);
    let claimed = 0;
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 6 }), fc.boolean(), (lines, db) => {
        const body = lines.join('\n');
        const extra = db ? [{ name: 'db', value: 'x' }] : undefined;
        if (!parseInfluxLines(body, opts(extra)).distinctLabelSets) return;
        claimed++;
        assert.equal(equalSetsExist(body, extra), false, body);
      }),
      { numRuns: 3000 },
    );
    assert.ok(claimed > 100, `only ${claimed} bodies claimed distinct`);
  });
});
