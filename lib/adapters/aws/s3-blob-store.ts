import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BlobInfo, BlobStore, ConditionalBlobStore, VersionedBlob } from '../../ports/index.ts';

/**
 * BlobStore on one S3 bucket. Metadata travels as S3 user metadata (x-amz-meta-*; ASCII values, 2 KB in all).
 * ConditionalBlobStore through S3's conditional writes (PutObject with If-Match on the ETag, or
 * If-None-Match: * to create): S3 answers 412 PreconditionFailed when the object changed, 409
 * ConditionalRequestConflict when another conditional write to it is in progress, and 404 NoSuchKey for
 * If-Match on an object that is gone; all three mean "someone else wrote first".
 */
export class S3BlobStore implements BlobStore, ConditionalBlobStore {
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

  async getVersioned(key: string): Promise<VersionedBlob | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body = await res.Body!.transformToByteArray();
      if (!res.ETag) throw new Error(`S3 returned no ETag for ${key}`);
      return { body, version: res.ETag };
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  async putIfVersion(key: string, body: Uint8Array, expected: string | undefined): Promise<string | undefined> {
    try {
      const res = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/octet-stream',
          ...(expected === undefined ? { IfNoneMatch: '*' } : { IfMatch: expected }),
        }),
      );
      if (!res.ETag) throw new Error(`S3 returned no ETag for ${key}`);
      return res.ETag;
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }
}

function isConditionFailure(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  return e.name === 'PreconditionFailed' || e.name === 'ConditionalRequestConflict' || e.name === 'NoSuchKey' || status === 412 || status === 409;
}
