import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedCache } from '../../../lib/relabel/bounded-cache.ts';

describe('BoundedCache (the relabel memos and compiled-regex caches)', () => {
  it('keeps up to maxEntries entries; the next one empties it first', () => {
    const c = new BoundedCache<number>(3);
    for (const k of ['a', 'b', 'c']) c.set(k, k.charCodeAt(0));
    assert.equal(c.size, 3);
    assert.equal(c.get('a'), 97);
    c.set('d', 100);
    assert.equal(c.size, 1);
    assert.equal(c.get('a'), undefined);
    assert.equal(c.get('d'), 100);
  });

  it('keeps a key of maxKeyLength characters and not a longer one', () => {
    const c = new BoundedCache<string | null>(10, 4);
    c.set('abcd', null);
    c.set('abcde', 'x');
    assert.equal(c.get('abcd'), null);
    assert.equal(c.get('abcde'), undefined);
    assert.equal(c.size, 1);
  });

  it('replacing an existing key when full still empties it (the bound holds whatever the keys)', () => {
    const c = new BoundedCache<number>(2);
    c.set('a', 1);
    c.set('b', 2);
    c.set('a', 3);
    assert.ok(c.size <= 2);
    assert.equal(c.get('a'), 3);
  });
});
