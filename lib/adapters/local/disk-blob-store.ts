import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BlobInfo, BlobStore } from '../../ports/index.ts';
import { writeDurably, type DurableFs } from './disk-queue.ts';

const META_SUFFIX = '.meta.json';

/**
 * BlobStore on a directory: key `a/b/c.snappy` is the file `<dir>/a/b/c.snappy`, metadata in a sidecar
 * `<file>.meta.json`. Writes are durable (fsync + rename). Keys must be relative paths without `..`.
 */
export class DiskBlobStore implements BlobStore {
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
}
