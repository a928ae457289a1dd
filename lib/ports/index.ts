/**
 * What the core needs from the outside world. functions/ and lib/local/ provide the implementations
 * (lib/adapters/); tests provide their own.
 */

/**
 * A queue message's body: bytes (a payload: lib/queue/envelope.ts), or text carried as it is (a claim
 * check's blob key). The core carries payloads as bytes; a queue that carries only text (SQS) sends bytes as
 * their base64, so its records arrive as text, which the reader (lib/queue/unpack.ts) takes as base64 unless
 * the message is a claim check. The disk queue keeps each body as it was given: bytes come back as bytes,
 * text as text. A queue's size limit counts a bytes body as its base64 length (what SQS sees).
 */
export type MessageBody = string | Uint8Array;

/** A body as a text-only queue (SQS) carries it: bytes as their base64, text as it is. */
export function messageBodyText(body: MessageBody): string {
  return typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64');
}

/** A message on the way to the deliver function. */
export interface OutgoingMessage {
  body: MessageBody;
  attributes: Record<string, string>;
  /** FIFO queues only: the ordering group. */
  groupId?: string;
}

export interface MessageQueue {
  /** The largest body plus attributes one message may have, in bytes. */
  readonly maxMessageBytes: number;
  /** Sends every message or throws; on a throw, any subset may have been sent (at-least-once). */
  send(messages: readonly OutgoingMessage[]): Promise<void>;
}

/** An HTTP request as the core reads it, whatever carried it (API Gateway event, local HTTP server). */
export interface HttpLikeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: Uint8Array;
}

/** The core's answer to an HttpLikeRequest. */
export interface HttpLikeResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** A queue message as delivery reads it (an SQS record, or a ReceivedMessage of the local queue). */
export interface QueueRecord {
  messageId: string;
  /** Text from SQS (a payload's base64, or a claim check's key); the disk queue gives back what was sent. */
  body: MessageBody;
  attributes: Record<string, string>;
  /** FIFO queues: the message group (SQS MessageGroupId). */
  groupId?: string;
}

/** A received message, shaped like an SQS record so the deliver handler sees the same thing everywhere. */
export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: MessageBody;
  attributes: Record<string, string>;
  /** How many times it has been received, this time included. */
  receiveCount: number;
  /** FIFO queues (and the disk queue in ordered mode): the ordering group. */
  groupId?: string;
}

/** Used by the local runner only; in AWS the Lambda event source mapping does this. */
export interface QueueConsumer {
  /** Waits up to waitMs for at least one message; returns at most max. */
  receive(max: number, waitMs: number): Promise<ReceivedMessage[]>;
  /** Removes delivered messages for good. */
  ack(messages: readonly ReceivedMessage[]): Promise<void>;
  /** Makes messages visible again (after delayMs) for another attempt. */
  release(messages: readonly ReceivedMessage[], delayMs: number): Promise<void>;
}

export interface BlobStore {
  put(key: string, body: Uint8Array, metadata?: Record<string, string>): Promise<void>;
  /** Undefined when the key does not exist. */
  get(key: string): Promise<{ body: Uint8Array; metadata: Record<string, string> } | undefined>;
  delete(key: string): Promise<void>;
  /** Keys under prefix in ascending order, after startAfter, at most limit of them. */
  list(prefix: string, opts?: { startAfter?: string; limit?: number }): Promise<BlobInfo[]>;
}

/** A blob with the store's version of it (S3: its ETag; the disk store: a hash of its content). */
export interface VersionedBlob {
  body: Uint8Array;
  version: string;
}

/**
 * Compare-and-swap on single blobs, for state that several writers may update at once (durable aggregation
 * shards): of two writers that read the same version, exactly one write succeeds.
 */
export interface ConditionalBlobStore {
  /** Undefined when the key does not exist. */
  getVersioned(key: string): Promise<VersionedBlob | undefined>;
  /**
   * Writes body only if the blob is still at version `expected` (undefined: only if it does not exist).
   * Resolves to the new version, or to undefined when the condition did not hold (someone else wrote
   * first; nothing was written). Rejects on any other failure, after which the write may or may not have
   * happened: the caller reads again before deciding anything.
   */
  putIfVersion(key: string, body: Uint8Array, expected: string | undefined): Promise<string | undefined>;
}

export interface BlobInfo {
  key: string;
  size: number;
}

export interface HttpRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  /** Abort the request after this many milliseconds. */
  timeoutMs: number;
  /** Read at most this many bytes of the response body. */
  maxResponseBytes: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** At most maxResponseBytes of the body. */
  body: Uint8Array;
}

/** Rejects with an Error for network failures and timeouts; any HTTP status resolves. */
export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** Counters for every accept, reject, drop, retry and overflow, and a few gauges. Names without the `gateway_` prefix. */
export interface Metrics {
  inc(name: string, labels: Record<string, string>, by?: number): void;
  /** A gauge: its current value (e.g. consecutive failures), exported as is rather than as increments. */
  set(name: string, labels: Record<string, string>, value: number): void;
}

/**
 * Secrets come in by reference, never as literals in config or bundles:
 *   env:NAME                 an environment variable (local runs)
 *   file:/path/to/file       a file's contents, trailing newline removed (local runs, Kubernetes-style mounts)
 *   secretsmanager:<arn|name>[#json-key]   AWS Secrets Manager (AWS adapter)
 *   ssm:/parameter/name      SSM Parameter Store, decrypted (AWS adapter)
 * Implementations cache values for the life of the process (a Lambda container) and never log them.
 */
export interface SecretStore {
  /** Rejects with an Error naming the reference (never the value) when it cannot be resolved. */
  get(ref: string): Promise<string>;
}

/** The forms a secret reference may take; config validation checks references against this. */
export const SECRET_REF_RE = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+|secretsmanager:.+|ssm:\/.+)$/;
