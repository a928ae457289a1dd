import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DiskBlobStore } from '../../../lib/adapters/local/disk-blob-store.ts';

/** The disk store's compare-and-swap (ConditionalBlobStore), which the local runner's aggregation shards rely on. */
describe('DiskBlobStore compare-and-swap', () => {
  const withDir = async (fn: (dir: string, store: DiskBlobStore) => Promise<void>): Promise<void> => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cas-'));
    try {
      await fn(dir, new DiskBlobStore(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

  test('create only when absent; write only at the version read; a stale version writes nothing', () =>
    withDir(async (_dir, store) => {
      assert.equal(await store.getVersioned('state/a'), undefined);
      const v1 = await store.putIfVersion('state/a', bytes('one'), undefined);
      assert.ok(v1);
      assert.equal(await store.putIfVersion('state/a', bytes('again'), undefined), undefined, 'create-only on an existing blob');
      const v2 = await store.putIfVersion('state/a', bytes('two'), v1);
      assert.ok(v2 && v2 !== v1);
      assert.equal(await store.putIfVersion('state/a', bytes('three'), v1), undefined, 'stale version');
      const cur = await store.getVersioned('state/a');
      assert.equal(new TextDecoder().decode(cur!.body), 'two');
      assert.equal(cur!.version, v2);
      assert.equal(await store.putIfVersion('state/b', bytes('x'), 'some-version'), undefined, 'a version of a blob that does not exist');
      assert.deepEqual((await store.list('')).map((b) => b.key), ['state/a'], 'no lock or temp files listed');
    }));

  test('fifty writers incrementing one counter in one process: no update lost', () =>
    withDir(async (_dir, store) => {
      const increment = async (): Promise<number> => {
        for (let attempts = 1; ; attempts++) {
          const cur = await store.getVersioned('n');
          const n = cur ? Number(new TextDecoder().decode(cur.body)) : 0;
          if ((await store.putIfVersion('n', bytes(String(n + 1)), cur?.version)) !== undefined) return attempts;
        }
      };
      const attempts = await Promise.all(Array.from({ length: 50 }, increment));
      const cur = await store.getVersioned('n');
      assert.equal(new TextDecoder().decode(cur!.body), '50');
      assert.ok(attempts.some((a) => a > 1), 'the writers must actually have collided');
    }));

  test('a lock left by a process that died (SIGKILL) is taken over; a live one is waited for', () =>
    withDir(async (dir, store) => {
      const key = 'state/aggregation/global/0';
      const lockDir = path.join(dir, '.cas-locks');
      mkdirSync(lockDir, { recursive: true });
      const lock = path.join(lockDir, createHash('sha256').update(key).digest('hex').slice(0, 32));
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
      writeFileSync(lock, dead.stdout.toString());
      assert.ok(await store.putIfVersion(key, bytes('after a crash'), undefined));
      // A live owner (this test's parent process, standing in for another runner): the write waits for it.
      writeFileSync(lock, String(process.ppid));
      let done = false;
      const p = store.putIfVersion(key, bytes('later'), (await store.getVersioned(key))!.version).then((v) => ((done = true), v));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(done, false, 'waits while the owner lives');
      rmSync(lock);
      assert.ok(await p);
    }));
});
