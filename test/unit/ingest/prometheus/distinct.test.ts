import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parsePrometheusTextForPush } from '../../../../lib/ingest/prometheus/parse.ts';
import { labelsKey } from '../../../../lib/model/labels.ts';

const parse = (body: string) => parsePrometheusTextForPush(body, { defaultTimestamp: 0 });

describe('Prometheus text push: the distinct-label-sets proof', () => {
  const cases: { name: string; body: string; want: boolean }[] = [
    { name: 'distinct canonical lines', body: 'up{a="1",b="2"} 1 5\nup{a="1",b="3"} 1 5\nup 1\ndown{a="1"} 2', want: true },
    { name: 'the same series twice', body: 'up{a="1"} 1 5\nup{a="1"} 2 6', want: false },
    { name: 'labels in another order', body: 'up{b="2",a="1"} 1\nup{a="1",b="2"} 1', want: false },
    { name: 'blanks', body: 'up{a="1"} 1\nup{ a="1"} 1', want: false },
    { name: 'empty value', body: 'up{a=""} 1\nup 1', want: false },
    { name: 'empty braces', body: 'up{} 1\nup 1', want: false },
    { name: 'trailing comma', body: 'up{a="1",} 1\nup{a="1"} 1', want: false },
    { name: 'escapes', body: 'up{a="x\\"y"} 1\nup{a="z"} 1', want: false },
    { name: 'comments and TYPE lines do not matter', body: '# TYPE up gauge\nup{a="1"} 1\n# x\nup{a="2"} 1', want: true },
  ];
  for (const c of cases) it(c.name, () => assert.equal(!!parse(c.body).distinctLabelSets, c.want));

  it('when it claims distinct label sets, there are none equal (property)', () => {
    const name = fc.constantFrom('up', 'a', 'b');
    const lname = fc.constantFrom('a', 'b', 'c', '__name__');
    const value = fc.constantFrom('', 'x', 'y', 'x\\\\', 'x\\"', 'ü');
    const sep = fc.constantFrom('', '', '', ' ');
    const line = fc
      .record({ n: name, ls: fc.array(fc.tuple(lname, value, sep), { maxLength: 3 }), braces: fc.boolean(), trailing: fc.boolean() })
      .map(({ n, ls, braces, trailing }) => (braces || ls.length ? `${n}{${ls.map(([k, v, b]) => `${b}${k}="${v}"`).join(',')}${trailing ? ',' : ''}} 1` : `${n} 1`));
    let claimed = 0;
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 6 }), (lines) => {
        const r = parse(lines.join('\n'));
        if (!r.distinctLabelSets) return;
        claimed++;
        const keys = new Set(r.series.map((s) => labelsKey(s.labels)));
        assert.equal(keys.size, r.series.length, lines.join('\n'));
      }),
      { numRuns: 3000 },
    );
    assert.ok(claimed > 100, `only ${claimed} bodies claimed distinct`);
  });
});
