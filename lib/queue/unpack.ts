import { BadRequestError } from '../errors.ts';
import type { BlobStore, MessageBody } from '../ports/index.ts';
import type { DecodedWriteRequest } from '../remote-write/decode.ts';
import { snappyUncompress } from '../remote-write/snappy.ts';
import { isClaimCheck, MAX_PAYLOAD_BYTES, READABLE_ENVELOPE_VERSIONS, SPOOL_PREFIX } from './envelope.ts';

/** The read side of the queue envelope (envelope.ts describes it). */

/**
 * A message's payload: the snappy-compressed WriteRequest as queued, decoded only when asked. The decoder
 * loads with the first decode, so a deliver function that only forwards payloads never
 * compiles it at a cold start.
 */
export interface Payload {
  compressed: Uint8Array;
  /** Float samples in the payload, from the envelope (NaN when the attribute is missing). */
  samples: number;
  /** Native histograms and exemplars in the payload, from the envelope (0 when absent: version 1 carries none). */
  histograms: number;
  exemplars: number;
  /** Metadata entries in the payload (0 when absent). */
  metadata: number;
  /** Decodes once; later calls return the same result (or the same error). */
  decode(): Promise<DecodedWriteRequest>;
}

/** A claim check's blob key: its body's text (a queue that keeps bytes would give its UTF-8 back as bytes). */
export function claimKey(body: MessageBody): string {
  return typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}

/** Decodes a message back into its WriteRequest, following a claim check into the blob store. */
export async function unpackMessage(body: MessageBody, attributes: Record<string, string>, blobs: BlobStore): Promise<DecodedWriteRequest> {
  return await (await openMessage(body, attributes, blobs)).decode();
}

/**
 * Fetches a message's compressed payload (following a claim check) without decoding it, so delivery can
 * forward it untouched when nothing needs to change. A bytes body is the payload itself (kept, not copied);
 * a text body is its base64 (SQS records, and disk queue files of earlier releases) or a claim check's key.
 */
export async function openMessage(body: MessageBody, attributes: Record<string, string>, blobs: BlobStore): Promise<Payload> {
  if (attributes.v !== undefined && !READABLE_ENVELOPE_VERSIONS.includes(attributes.v)) {
    throw new BadRequestError(`queue message: unsupported envelope version ${JSON.stringify(attributes.v)}`);
  }
  let compressed: Uint8Array;
  if (isClaimCheck(attributes)) {
    const key = claimKey(body);
    if (!key.startsWith(SPOOL_PREFIX)) throw new BadRequestError(`queue message: claim check key ${JSON.stringify(key.slice(0, 100))} is not under ${SPOOL_PREFIX}`);
    const blob = await blobs.get(key);
    if (!blob) throw new MissingClaimError(key);
    compressed = blob.body;
  } else {
    compressed = typeof body === 'string' ? Buffer.from(body, 'base64') : body;
  }
  let decoded: Promise<DecodedWriteRequest> | undefined;
  return {
    compressed,
    samples: Number(attributes.samples ?? NaN),
    histograms: Number(attributes.histograms ?? 0),
    exemplars: Number(attributes.exemplars ?? 0),
    metadata: Number(attributes.metadata ?? 0),
    decode: () => (decoded ??= decodePayload(compressed)),
  };
}

/** The blob a claim check points at is gone (already delivered and deleted, or expired by lifecycle). */
export class MissingClaimError extends Error {
  constructor(key: string) {
    super(`queue message: claim check blob ${key} not found`);
    this.name = 'MissingClaimError';
  }
}

/** The decoder's code could not be loaded (a broken bundle): nothing is known about the message itself. */
export class DecoderUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`cannot load the remote_write decoder: ${String(cause)}`);
    this.name = 'DecoderUnavailableError';
  }
}

async function decodePayload(compressed: Uint8Array): Promise<DecodedWriteRequest> {
  let decoder: typeof import('../remote-write/decode.ts');
  try {
    decoder = await import('../remote-write/decode.ts');
  } catch (err) {
    throw new DecoderUnavailableError(err);
  }
  return decoder.decodeWriteRequest(snappyUncompress(compressed, MAX_PAYLOAD_BYTES, 'queue message'));
}
