import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BlobInfo, BlobStore, ConditionalBlobStore, VersionedBlob } from '../../ports/index.ts';
import { writeDurably, type DurableFs } from './disk-queue.ts';

const META_SUFFIX = '.meta.json';

/**
 * BlobStore on a directory: key `a/b/c.snappy` is the file `<dir>/a/b/c.snappy`, metadata in a sidecar
 * `<file>.meta.json`. Writes are durable (fsync + rename). Keys must be relative paths without `..`.
 *
 * ConditionalBlobStore: a blob's version is a hash of its content (as an S3 ETag is for a single-part
 * upload; two equal contents are the same state, so a write based on either is right). putIfVersion holds
 * the key's lock while it compares and renames: in the process a promise chain per key, across processes a
 * lock file `<dir>/.cas-locks/<hash of key>` created exclusively and holding the owner's pid, taken over when
 * that process is gone (a local runner killed with SIGKILL). Taking over assumes one live process at a time
 * competes for a dead one's lock, which holds for the local runner (one process per data directory).
 */
export class DiskBlobStore implements BlobStore, ConditionalBlobStore {
  private readonly dir: string;
  private readonly io: DurableFs;

  /** `io` replaces the file operations of writes (tests: a disk that fills up). */
  constructor(dir: string, io: DurableFs = fs) {
    this.dir = path.resolve(dir);
    this.io = io;
  }

  private file(key: string): string {
    if (!key || key.startsWith('/') || key.split('/').some((p) => p === '..' || p === '.' || p === '') || key.endsWith(META_SUFFIX)) {
      throw new Error(`invalid blob key ${JSON.stringify(key)}`);
    }
    return path.join(this.dir, key);
  }

  async put(key: string, body: Uint8Array, metadata: Record<string, string> = {}): Promise<void> {
    const f = this.file(key);
    await fs.mkdir(path.dirname(f), { recursive: true });
    const tmp = `${f}.tmp-${randomBytes(4).toString('hex')}`;
    if (Object.keys(metadata).length) await writeDurably(tmp + 'm', f + META_SUFFIX, JSON.stringify(metadata), this.io);
    await writeDurably(tmp, f, body, this.io);
  }

  async get(key: string): Promise<{ body: Uint8Array; metadata: Record<string, string> } | undefined> {
    const f = this.file(key);
    try {
      const body = await fs.readFile(f);
      let metadata: Record<string, string> = {};
      try {
        metadata = JSON.parse(await fs.readFile(f + META_SUFFIX, 'utf8')) as Record<string, string>;
      } catch {
        /* no metadata */
      }
      return { body, metadata };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    const f = this.file(key);
    await fs.rm(f, { force: true });
    await fs.rm(f + META_SUFFIX, { force: true });
  }

  async list(prefix: string, opts: { startAfter?: string; limit?: number } = {}): Promise<BlobInfo[]> {
    const limit = opts.limit ?? 1000;
    const out: BlobInfo[] = [];
    const walk = async (rel: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(path.join(this.dir, rel), { withFileTypes: true });
      } catch {
        return;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        if (out.length >= limit) return;
        const key = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) {
          if (!rel && e.name === '.cas-locks') continue;
          // Descend only where keys can match the prefix and come after startAfter.
          if (!(key + '/').startsWith(prefix) && !prefix.startsWith(key + '/')) continue;
          await walk(key);
        } else if (key.startsWith(prefix) && !key.endsWith(META_SUFFIX) && !/\.tmp-[0-9a-f]{8}m?$/.test(key)) {
          if (opts.startAfter !== undefined && key <= opts.startAfter) continue;
          const st = await fs.stat(path.join(this.dir, key));
          out.push({ key, size: st.size });
        }
      }
    };
    await walk('');
    return out;
  }

  private readonly casChains = new Map<string, Promise<unknown>>();

  async getVersioned(key: string): Promise<VersionedBlob | undefined> {
    const f = this.file(key);
    try {
      const body = await fs.readFile(f);
      return { body, version: contentVersion(body) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async putIfVersion(key: string, body: Uint8Array, expected: string | undefined): Promise<string | undefined> {
    const f = this.file(key);
    const prev = this.casChains.get(f) ?? Promise.resolve();
    const run = prev.then(async () => {
      const lock = await this.lock(key);
      try {
        const current = await this.getVersioned(key);
        if (current?.version !== expected) return undefined;
        await fs.mkdir(path.dirname(f), { recursive: true });
        await writeDurably(`${f}.tmp-${randomBytes(4).toString('hex')}`, f, body, this.io);
        return contentVersion(body);
      } finally {
        await fs.rm(lock, { force: true });
      }
    });
    const settled = run.catch(() => undefined);
    this.casChains.set(f, settled);
    void settled.then(() => {
      if (this.casChains.get(f) === settled) this.casChains.delete(f);
    });
    return run;
  }

  /** Takes the cross-process lock of key; resolves to the lock file's path. Gives up after LOCK_WAIT_MS. */
  private async lock(key: string): Promise<string> {
    const dir = path.join(this.dir, '.cas-locks');
    await fs.mkdir(dir, { recursive: true });
    const lock = path.join(dir, createHash('sha256').update(key).digest('hex').slice(0, 32));
    for (let waited = 0; ; waited += LOCK_POLL_MS) {
      // The lock appears with its owner's pid already in it (written to a file of this process, then hard-linked
      // into place, which fails if the lock exists): a process killed while taking the lock can never leave an
      // empty lock that no one could tell is dead (seen: SIGKILL between open('wx') and the pid write).
      const mine = `${lock}.${process.pid}`;
      await fs.writeFile(mine, String(process.pid));
      try {
        await fs.link(mine, lock);
        return lock;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      } finally {
        await fs.rm(mine, { force: true });
      }
      const owner = Number(await fs.readFile(lock, 'utf8').catch(() => ''));
      // No owner: the lock was released between link and read; a pid that is gone left it behind when killed.
      if (owner > 0 && owner !== process.pid && !processAlive(owner)) {
        await fs.rm(lock, { force: true });
        continue;
      }
      if (waited >= LOCK_WAIT_MS) throw new Error(`blob ${key}: lock held by process ${owner || '?'} for over ${LOCK_WAIT_MS} ms`);
      await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
    }
  }
}

const LOCK_POLL_MS = 5;
const LOCK_WAIT_MS = 30_000;

/** The version of a blob's content: the first 128 bits of its SHA-256, in hex. */
export function contentVersion(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 32);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
