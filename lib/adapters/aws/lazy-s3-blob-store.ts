import type { BlobInfo, BlobStore } from '../../ports/index.ts';
import type { AwsClientOptions } from './clients.ts';

/**
 * An S3BlobStore loaded on first use. The ingest function touches the blob store only for claim checks, so
 * keeping @aws-sdk/client-s3 (and its checksum code) out of the module graph at start-up shortens every
 * cold start; esbuild's code splitting puts it in its own chunk.
 */
export class LazyS3BlobStore implements BlobStore {
  private store: Promise<BlobStore> | undefined;
  private readonly opts: AwsClientOptions;
  private readonly bucket: string;

  constructor(opts: AwsClientOptions, bucket: string) {
    this.opts = opts;
    this.bucket = bucket;
  }

  private load(): Promise<BlobStore> {
    this.store ??= (async () => {
      const [{ S3BlobStore }, { createS3Client }] = await Promise.all([import('./s3-blob-store.ts'), import('./s3-client.ts')]);
      return new S3BlobStore(createS3Client(this.opts), this.bucket);
    })();
    return this.store;
  }

  async put(key: string, body: Uint8Array, metadata?: Record<string, string>): Promise<void> {
    return (await this.load()).put(key, body, metadata);
  }
  async get(key: string): Promise<{ body: Uint8Array; metadata: Record<string, string> } | undefined> {
    return (await this.load()).get(key);
  }
  async delete(key: string): Promise<void> {
    return (await this.load()).delete(key);
  }
  async list(prefix: string, opts?: { startAfter?: string; limit?: number }): Promise<BlobInfo[]> {
    return (await this.load()).list(prefix, opts);
  }
}
