import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BlobInfo, BlobStore } from '../../ports/index.ts';

/** BlobStore on one S3 bucket. Metadata travels as S3 user metadata (x-amz-meta-*; ASCII values, 2 KB in all). */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(client: S3Client, bucket: string) {
    this.client = client;
    this.bucket = bucket;
  }

  async put(key: string, body: Uint8Array, metadata: Record<string, string> = {}): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, Metadata: metadata, ContentType: 'application/octet-stream' }));
  }

  async get(key: string): Promise<{ body: Uint8Array; metadata: Record<string, string> } | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body = await res.Body!.transformToByteArray();
      return { body, metadata: res.Metadata ?? {} };
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async list(prefix: string, opts: { startAfter?: string; limit?: number } = {}): Promise<BlobInfo[]> {
    const limit = opts.limit ?? 1000;
    const out: BlobInfo[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          MaxKeys: Math.min(1000, limit - out.length),
          ...(token ? { ContinuationToken: token } : opts.startAfter ? { StartAfter: opts.startAfter } : {}),
        }),
      );
      for (const o of res.Contents ?? []) if (o.Key) out.push({ key: o.Key, size: o.Size ?? 0 });
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token && out.length < limit);
    return out;
  }
}
