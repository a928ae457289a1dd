import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileGlob, globProblem } from '../../../../lib/scrape/discovery/glob.ts';

/** Cases from Go's path/filepath Match semantics, which Prometheus' file SD uses through filepath.Glob. */
describe('file SD glob patterns (Go filepath.Match)', () => {
  const cases: { name: string; pattern: string; input: string; want: boolean }[] = [
    { name: 'star matches a run', pattern: 'tg_*.json', input: 'tg_web.json', want: true },
    { name: 'star matches nothing', pattern: 'tg_*.json', input: 'tg_.json', want: true },
    { name: 'star is anchored', pattern: 'tg_*.json', input: 'xtg_a.json', want: false },
    { name: 'leading dot is not special', pattern: '*.json', input: '.hidden.json', want: true },
    { name: 'two stars', pattern: '*_*.yml', input: 'a_b.yml', want: true },
    { name: 'question mark is one char', pattern: 'n?.json', input: 'n1.json', want: true },
    { name: 'question mark is not zero chars', pattern: 'n?.json', input: 'n.json', want: false },
    { name: 'class', pattern: 'n[0-9].json', input: 'n7.json', want: true },
    { name: 'class miss', pattern: 'n[0-9].json', input: 'na.json', want: false },
    { name: 'negated class', pattern: 'n[^0-9].json', input: 'na.json', want: true },
    { name: 'negated class miss', pattern: 'n[^0-9].json', input: 'n1.json', want: false },
    { name: 'escaped star is literal', pattern: 'a\\*.json', input: 'a*.json', want: true },
    { name: 'escaped star does not glob', pattern: 'a\\*.json', input: 'ab.json', want: false },
    { name: 'dot is literal', pattern: '*.json', input: 'ajson', want: false },
    { name: 'regex metacharacters are literal', pattern: 'a+(b)*.json', input: 'a+(b)x.json', want: true },
    { name: 'dash outside a class is literal', pattern: 'nodes-*.yaml', input: 'nodes-1.yaml', want: true },
  ];
  for (const t of cases) {
    it(`${t.name}: ${t.pattern} ${t.want ? 'matches' : 'does not match'} ${t.input}`, () => {
      const g = compileGlob(t.pattern);
      assert.ok(g.match);
      assert.equal(g.match.test(t.input), t.want);
    });
  }

  it('splits the directory and the literal start of the last element', () => {
    assert.deepEqual(
      { ...compileGlob('sd/prod/nodes-*.json'), match: undefined },
      { dir: 'sd/prod/', match: undefined, literalPrefix: 'nodes-' },
    );
    assert.equal(compileGlob('sd/a.json').match, undefined);
    assert.equal(compileGlob('sd/a.json').literalPrefix, 'a.json');
    assert.equal(compileGlob('x\\[1\\]*.json').literalPrefix, 'x[1]');
  });

  const bad: { name: string; pattern: string; want: string }[] = [
    { name: 'unclosed class', pattern: 'a[0-9.json', want: 'syntax error in pattern "a[0-9.json"' },
    { name: 'empty class', pattern: 'a[].json', want: 'syntax error in pattern' },
    { name: 'reversed range', pattern: 'a[9-0].json', want: 'syntax error in pattern' },
    { name: 'trailing backslash', pattern: 'a.json\\', want: 'syntax error in pattern' },
    { name: 'wildcard in a directory', pattern: 'a[12]/b.json', want: 'only the last path element may contain wildcards' },
  ];
  for (const t of bad) it(`refuses ${t.name}`, () => assert.match(globProblem(t.pattern) ?? '', new RegExp(t.want.replace(/[[\]().*?\\]/g, '\\$&'))));
});
