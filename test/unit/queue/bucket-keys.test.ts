import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { aggregationStateKey, blobKey, BUCKET_PREFIXES, destinationPrefix, parkedAt, rejectedKeyForOverflow, SCRAPE_STATE_PREFIX, selfMetricsSpoolKey, spoolKey } from '../../../lib/queue/bucket-keys.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const T = Date.UTC(2026, 11, 2, 13, 4, 5, 678);

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Code only: block and line comments removed (prose may name a prefix). */
const code = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

describe('bucket key layout (lib/queue/bucket-keys.ts)', () => {
  it('no other file of lib/, functions/ or infra/ spells a bucket prefix as a string', () => {
    const spelled = new RegExp(`['"\`](${Object.values(BUCKET_PREFIXES).map((p) => p.slice(0, -1)).join('|')})/`);
    const offenders = ['lib', 'functions', 'infra']
      .flatMap((d) => sources(path.join(ROOT, d)))
      .filter((f) => !f.endsWith(path.join('queue', 'bucket-keys.ts')) && spelled.test(code(readFileSync(f, 'utf8'))))
      .map((f) => path.relative(ROOT, f));
    assert.deepEqual(offenders, []);
  });

  it('spool keys carry the day and the id', () => {
    assert.equal(spoolKey(T, 'abc'), 'spool/2026-12-02/abc.snappy');
    assert.equal(selfMetricsSpoolKey('i-1', T), `spool/self-metrics/i-1-${T}.snappy`);
  });

  it('parked keys start with the time, sort oldest first and read back', () => {
    const a = blobKey('overflow', 'vm', T, 'm/1');
    const b = blobKey('overflow', 'vm', T + 1, 'm/0');
    assert.equal(a, 'overflow/vm/2026-12-02T13-04-05.678Z-m_1.snappy');
    assert.ok(a < b);
    assert.equal(parkedAt(a), T);
    assert.ok(a.startsWith(destinationPrefix('overflow', 'vm')));
    assert.equal(blobKey('rejected', 'vm', T, 'x', 2), 'rejected/vm/2026-12-02T13-04-05.678Z-x-2.snappy');
  });

  it('replay moves a refused overflow object to rejected/ under the same file name, -<chunk> past the first', () => {
    const key = blobKey('overflow', 'vm', T, 'id');
    assert.equal(rejectedKeyForOverflow(key, 'vm', 0), blobKey('rejected', 'vm', T, 'id'));
    assert.equal(rejectedKeyForOverflow(key, 'vm', 3), blobKey('rejected', 'vm', T, 'id', 3));
  });

  it('state keys: scrape under state/scrape/, stream aggregation under state/aggregation/<section>/<shard>', () => {
    assert.equal(SCRAPE_STATE_PREFIX, 'state/scrape/');
    assert.equal(aggregationStateKey('default', 3), 'state/aggregation/default/3');
    assert.equal(aggregationStateKey('by-job', 'shard-0'), 'state/aggregation/by-job/shard-0');
  });

  it('an aggregation section or shard name cannot add a level or leave state/aggregation/', () => {
    const key = aggregationStateKey('../../overflow/vm', 'a/b');
    assert.ok(key.startsWith('state/aggregation/'));
    assert.equal(key.split('/').length, 4);
  });
});
