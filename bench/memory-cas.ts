import { createHash } from 'node:crypto';
import type { BlobInfo, BlobStore, ConditionalBlobStore, Logger, Metrics, VersionedBlob } from '../lib/ports/index.ts';

/**
 * The aggregation benchmarks' shard-state store: S3's compare-and-swap semantics in memory (the version is
 * a content hash, as an ETag), so apply and flush are measured without a bucket's latency. Claim checks are
 * not kept (put/get are no-ops); list() lists the shard states (what the flush needs).
 */
export class MemoryCas implements ConditionalBlobStore, BlobStore {
  readonly objects = new Map<string, Uint8Array>();
  async getVersioned(key: string): Promise<VersionedBlob | undefined> {
    const b = this.objects.get(key);
    return b && { body: b, version: createHash('md5').update(b).digest('hex') };
  }
  async putIfVersion(key: string, body: Uint8Array, expected: string | undefined): Promise<string | undefined> {
    if ((await this.getVersioned(key))?.version !== expected) return undefined;
    this.objects.set(key, body);
    return createHash('md5').update(body).digest('hex');
  }
  async list(prefix: string): Promise<BlobInfo[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort().map((key) => ({ key, size: this.objects.get(key)!.length, lastModified: new Date(0) }));
  }
  async put(): Promise<void> {}
  async get(): Promise<undefined> {
    return undefined;
  }
  async delete(): Promise<void> {}
}

export const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
export const noMetrics: Metrics = { inc() {}, set() {} };
