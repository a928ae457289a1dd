import { leastSuperlinearity, superlinearity } from '../../helpers/cost.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RE2JS } from 're2js';
import { compilePromRegex, compileUnanchoredRegex, PromRegex, RegexSyntaxError } from '../../../lib/relabel/regex.ts';
import { isMatchOnly, planFastRegex } from '../../../lib/relabel/regex-fast.ts';
import { compileTemplate, expandTemplate } from '../../../lib/relabel/expand.ts';

// Patterns the string-operation plan must accept; each is checked against RE2 on generated inputs.
const FAST = [
  '',
  'foo',
  'foo|bar|baz',
  '^foo$',
  'a\\.b',
  'go_.*',
  'go_.+',
  '.*_total',
  '.+_total',
  '(.*)',
  '(.+)',
  '__meta_kubernetes_pod_label_(.+)',
  'prefix_(.*)_suffix',
  '(foo|bar)_.*',
  '(a|ab)(.*)',
  '(?:a|ab)(c|bcd)(.*)',
  'x(.*)(y|yy)',
  '.*foo.*',
  '.+foo.+',
  '.*o.+',
  '(?P<name>.*)-(?<n2>a|b)',
  '(|a)b',
  '()',
  'ä(ö|ü)',
  '(GET|HEAD);/debug/.*|.*;/healthz',
  '__tmp_.*|pod_template_hash',
  'a.*|.*b|c|',
  '^(a)$|b(.*)',
];

// Patterns that must fall back to RE2 (not provably handled by the plan).
const SLOW = ['(?i)foo', 'a+', '.*?x', '(a|b)+', 'a.b', '[ab]c', '\\d+', '.*a.*b.*', '(.*)(.*)', '((a))', '\\pL', 'a{2}', '(?s:a)', 'a.*|[b]'];

const ALPHABET = fc.constantFrom('a', 'b', 'c', 'o', 'f', 'x', 'y', '_', '.', '-', '\n', 'ä', 'ö', 'ü', '😀');
const TEXT = fc.array(ALPHABET, { maxLength: 12 }).map((a) => a.join(''));

function inputsFor(pattern: string): fc.Arbitrary<string> {
  // Mix random text with fragments of the pattern's literals so matches are common.
  const words = pattern.replace(/\\./g, (m) => m[1]!).split(/[^a-zA-Z_äöü\-]+/).filter((w) => w !== '');
  const parts = words.length > 0 ? fc.oneof(ALPHABET, fc.constantFrom(...words)) : ALPHABET;
  return fc.oneof(TEXT, fc.array(parts, { maxLength: 8 }).map((a) => a.join('')));
}

describe('relabel regex: a plan stands in for RE2 compilation', () => {
  // PromRegex skips RE2 for planned patterns without named groups, so it must still accept exactly what RE2
  // accepts, with the same groups; and a plan for a pattern without names must imply a valid RE2 pattern.
  const check = (p: string): void => {
    let alone: RE2JS | undefined;
    try {
      alone = RE2JS.compile(p);
      RE2JS.compile('^(?s:' + p + ')$');
    } catch {
      alone = undefined;
    }
    let re: PromRegex | undefined;
    try {
      re = new PromRegex(p);
    } catch (e) {
      assert.ok(e instanceof RegexSyntaxError, String(e));
    }
    assert.equal(re !== undefined, alone !== undefined, `PromRegex and RE2 agree on whether ${JSON.stringify(p)} compiles`);
    if (re !== undefined && alone !== undefined) {
      assert.equal(re.groupCount, alone.groupCount(), `groups of ${JSON.stringify(p)}`);
      assert.deepEqual([...re.groupNames], Object.entries(alone.namedGroups()));
    }
    const plan = planFastRegex(p);
    if (plan !== undefined && !/\(\?P?</.test(p)) {
      assert.ok(alone !== undefined, `planned ${JSON.stringify(p)} is valid RE2`);
      assert.equal(plan.groupCount, alone.groupCount());
    }
  };
  it('for the planned corpus', () => FAST.forEach(check));
  it('for named groups RE2 refuses (a plan alone would accept a duplicate name)', () => check('(?<m>)(?<m>)'));
  it('for generated patterns', () => {
    const PIECES = fc.constantFrom('a', 'b', 'ä', '😀', '.', '*', '+', '?', '|', '(', ')', '(?:', '(?P<n>', '(?<m>', '\\', '\\.', '\\-', '\\_', '\\d', '[', ']', '{', '}', '^', '$', ' ', '\n');
    let planned = 0;
    fc.assert(fc.property(fc.array(PIECES, { maxLength: 10 }).map((a) => a.join('')), (p) => {
      if (planFastRegex(p) !== undefined) planned++;
      check(p);
    }), { numRuns: 5000 });
    assert.ok(planned > 250, `only ${planned} generated patterns had a plan`);
  });
});

describe('relabel regex: string-operation plans agree with RE2', () => {
  for (const p of FAST) {
    it(`plans ${JSON.stringify(p)} and agrees with RE2`, () => {
      const re = new PromRegex(p);
      assert.equal(re.fast, true, 'expected a fast plan');
      fc.assert(
        fc.property(inputsFor(p), (s) => {
          assert.equal(re.matches(s), re.matchesWithRe2(s), `matches(${JSON.stringify(s)})`);
          if (!isMatchOnly(planFastRegex(p)!)) {
            assert.deepEqual(re.groups(s), re.groupsWithRe2(s), `groups(${JSON.stringify(s)})`);
          }
        }),
        { numRuns: 400 },
      );
    });
  }
  for (const p of SLOW) {
    it(`leaves ${JSON.stringify(p)} to RE2`, () => {
      assert.equal(new PromRegex(p).fast, false);
    });
  }
  it('the slow path memo returns the same answers', () => {
    const re = compilePromRegex('(a|b)+c');
    for (const s of ['abac', 'abac', 'x', 'x', 'abc']) assert.equal(re.matches(s), re.matchesWithRe2(s));
    assert.deepEqual(re.groups('abac'), ['abac', 'a']);
    assert.deepEqual(re.groups('abac'), ['abac', 'a']);
    assert.equal(re.groups('zz'), undefined);
  });
  it('caches compiled regexes per source string', () => {
    assert.equal(compilePromRegex('cache_me_.*'), compilePromRegex('cache_me_.*'));
  });
});

describe('relabel regex: RE2 syntax and errors', () => {
  const errors = [
    { input: '(', want: 'missing closing )' },
    { input: 'a)', want: 'unexpected )' },
    { input: 'x**', want: 'invalid nested repetition operator' },
    { input: '(?=a)', want: 'invalid or unsupported Perl syntax' },
    { input: 'a{1001}', want: 'invalid repeat count' },
  ];
  for (const c of errors) {
    it(`rejects ${JSON.stringify(c.input)}`, () => {
      assert.throws(() => compilePromRegex(c.input), (e: unknown) => e instanceof RegexSyntaxError && e.description.includes(c.want));
    });
  }
  it('a balanced regex cannot escape the anchors', () => {
    // `)|(` would turn ^(?s:a)|(b)$ into an unanchored alternation if the wrapper were the only compile.
    assert.throws(() => compilePromRegex('a)|(b'), RegexSyntaxError);
  });
});

describe('relabel regex: linear time on hostile values', () => {
  // A backtracking engine needs ~2^n steps on these; RE2 is linear. Cost is compared between a 10 KB and a
  // 100 KB value as a ratio of CPU time (never a wall-clock bound): linear gives ~1, quadratic ~10 (the least of up to three measurements).
  const cases = [
    { re: '(x+x+)+y', value: (n: number) => 'x'.repeat(n) },
    { re: '(a+)+$', value: (n: number) => 'a'.repeat(n) + 'b' },
    { re: '(.*a){20}', value: (n: number) => 'a'.repeat(n) },
    { re: '(x|x)*y', value: (n: number) => 'x'.repeat(n) },
  ];
  for (const c of cases) {
    it(`${c.re}: cost grows linearly with the value (10 KB to 100 KB)`, async () => {
      const re = compilePromRegex(c.re);
      const growth = await leastSuperlinearity((n) => {
        const v = c.value(n);
        re.matches(v);
        re.groups(v);
      }, 10_000, 100_000);
      assert.ok(growth < 4, `cost grew ${growth.toFixed(2)}x faster than the input`);
    });
  }
  it('the same pattern in a JavaScript RegExp blows up (sanity check of the test input), as a CPU-time ratio', async () => {
    // Backtracking makes (x+x+)+y exponential: 12 to 22 characters multiplies its CPU time by about 2^10,
    // where a linear matcher's would grow 1.8x. The greatest of up to three measurements (noise on the small
    // side only lowers one), stopping once one shows it; no wall-clock bound.
    const run = (n: number): boolean => /^(?:(x+x+)+y)$/.test('x'.repeat(n));
    let growth = 0;
    for (let i = 0; i < 3 && growth < 20; i++) growth = Math.max(growth, await superlinearity(run, 12, 22, 5));
    assert.ok(growth >= 20, `backtracking grew only ${growth.toFixed(1)}x faster than the input`);
  });
});

describe('relabel regex: Go Regexp.Expand templates', () => {
  const re = compilePromRegex('(?P<first>a)(b)?(?P<x1>c)?');
  const groups = re.groups('ac')!;
  const cases = [
    { t: '$1', want: 'a' },
    { t: '${1}', want: 'a' },
    { t: '$1x', want: '' },
    { t: '${1}x', want: 'ax' },
    { t: '$2', want: '' },
    { t: '$first-$x1', want: 'a-c' },
    { t: '${first}', want: 'a' },
    { t: '$0', want: 'ac' },
    { t: '$00', want: '' },
    { t: '$99', want: '' },
    { t: '$$', want: '$' },
    { t: '$', want: '$' },
    { t: '${', want: '${' },
    { t: '${1', want: '${1' },
    { t: '$-', want: '$-' },
    { t: '$é1', want: '' },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.t)} -> ${JSON.stringify(c.want)}`, () => {
      assert.equal(expandTemplate(compileTemplate(c.t, re.groupNames), groups), c.want);
    });
  }
});

describe('relabel regex: unanchored replaceAll (vmagent replace_all)', () => {
  it('a quadratic regex/value pair is cut off: the value is left unchanged, at a cost that stops growing', async () => {
    // One RE2 search per match, each scanning to the end for `a.*c`: O(n^2) without the bound. From 2 KB
    // (under the bound: the whole quadratic scan) to 20 KB (cut off) the CPU cost must not grow like n^2 (10x
    // the input growth); a ratio of CPU times, never a wall-clock bound.
    const re = compileUnanchoredRegex('b|a.*c');
    const hostile = 'ab'.repeat(50_000);
    assert.equal(re.replaceAll(hostile, () => 'X', 'X'), hostile);
    const growth = await leastSuperlinearity((n) => re.replaceAll('ab'.repeat(n / 2), () => 'X', 'X'), 2_000, 20_000);
    assert.ok(growth < 4, `cost grew ${growth.toFixed(2)}x faster than the input`);
    assert.equal(re.replaceAll('abab', () => 'X', 'X'), 'aXaX'); // short values are replaced as usual
  });
  it('a value with a match at every character stays under the bound at 1 KB', () => {
    const re = compileUnanchoredRegex('b|a.*c');
    assert.equal(re.replaceAll('ab'.repeat(512), () => 'X', 'X'), 'aX'.repeat(512));
  });
  const cases = [
    { re: 'a*', s: 'baaac', t: '-', want: '-b-c-' },
    { re: '', s: 'abc', t: '-', want: '-a-b-c-' },
    { re: '', s: '😀x', t: '-', want: '-😀-x-' },
    { re: 'x', s: 'axbxc', t: '[$0]', want: 'a[x]b[x]c' },
    { re: '^a', s: 'aaa', t: 'b', want: 'baa' },
    { re: '(a)(b)?', s: 'xaab', t: '[$1$2]', want: 'x[a][ab]' },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.re)} on ${JSON.stringify(c.s)}`, () => {
      const re = compileUnanchoredRegex(c.re);
      const tpl = compileTemplate(c.t, re.groupNames);
      assert.equal(re.replaceAll(c.s, (g) => expandTemplate(tpl, g), c.t), c.want);
    });
  }
});
