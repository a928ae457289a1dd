import { readdir, readFile } from 'node:fs/promises';
import type { DiscoveryDeps } from '../../../../lib/scrape/discovery/index.ts';
import { FakeClock, MemoryBlobStore } from '../../../helpers/fakes.ts';

/** Discovery deps on the real file system, an in-memory blob store and a fake clock; http and ec2 refuse. */
export function fileDeps(over: Partial<DiscoveryDeps> = {}): DiscoveryDeps & { blobs: MemoryBlobStore; clock: FakeClock } {
  return {
    http: { request: async () => Promise.reject(new Error('no network in this test')) },
    blobs: new MemoryBlobStore(),
    readFile: (p) => readFile(p, 'utf8'),
    readDir: (d) => readdir(d),
    clock: new FakeClock(),
    ...over,
  } as DiscoveryDeps & { blobs: MemoryBlobStore; clock: FakeClock };
}
