import { createHash } from 'node:crypto';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type MessageAttributeValue,
  type SQSClient,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { messageBodyText, type MessageQueue, type OutgoingMessage, type QueueConsumer, type ReceivedMessage } from '../../ports/index.ts';

/** SendMessageBatch takes at most 10 entries and, like one message, at most 1 MiB in total. */
const MAX_BATCH_ENTRIES = 10;
const SQS_BATCH_BYTES = 1024 * 1024;

/**
 * MessageQueue and QueueConsumer on SQS. A bytes body (MessageBody, lib/ports) is sent as its base64, a text
 * body as it is; received bodies are the text SQS holds (lib/queue/unpack.ts reads either). Attributes travel
 * as String message attributes. A batch entry SQS refuses makes send() throw, so the caller answers 503 and
 * the client retries (at-least-once).
 *
 * A queue whose URL ends in `.fifo` gets each message's groupId as MessageGroupId ("default" without one)
 * and a MessageDeduplicationId derived from the message's content (see fifoDeduplicationId): a send that
 * is retried within SQS's five-minute deduplication window (a client retrying a push after a 503 that came
 * after part of it was queued) enqueues each identical message once.
 */
export class SqsMessageQueue implements MessageQueue, QueueConsumer {
  readonly maxMessageBytes: number;
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly fifo: boolean;

  /** The queue's URL, for building a second adapter on the same queue. */
  get url(): string {
    return this.queueUrl;
  }

  get sqsClient(): SQSClient {
    return this.client;
  }

  constructor(client: SQSClient, queueUrl: string, maxMessageBytes: number) {
    this.client = client;
    this.queueUrl = queueUrl;
    this.maxMessageBytes = maxMessageBytes;
    this.fifo = queueUrl.endsWith('.fifo');
  }

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    let batch: SendMessageBatchRequestEntry[] = [];
    let bytes = 0;
    const flush = async (): Promise<void> => {
      if (!batch.length) return;
      const res = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: batch }));
      if (res.Failed?.length) {
        const f = res.Failed[0]!;
        throw new Error(`SQS refused ${res.Failed.length} of ${batch.length} messages: ${f.Code}: ${f.Message}`);
      }
      batch = [];
      bytes = 0;
    };
    for (const original of messages) {
      const m = asText(original);
      const size = messageSize(m);
      if (size > this.maxMessageBytes) throw new Error(`message of ${size} bytes exceeds the queue's ${this.maxMessageBytes}`);
      if (batch.length === MAX_BATCH_ENTRIES || bytes + size > SQS_BATCH_BYTES) await flush();
      const attrs: Record<string, MessageAttributeValue> = {};
      for (const [k, v] of Object.entries(m.attributes)) attrs[k] = { DataType: 'String', StringValue: v };
      const entry: SendMessageBatchRequestEntry = { Id: String(batch.length), MessageBody: m.body, MessageAttributes: attrs };
      if (this.fifo) {
        entry.MessageGroupId = m.groupId ?? 'default';
        entry.MessageDeduplicationId = fifoDeduplicationId(m);
      }
      batch.push(entry);
      bytes += size;
    }
    await flush();
  }

  async receive(max: number, waitMs: number): Promise<ReceivedMessage[]> {
    const res = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: Math.min(20, Math.floor(waitMs / 1000)),
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'MessageGroupId'],
      }),
    );
    return (res.Messages ?? []).map((m) => {
      const attributes: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.MessageAttributes ?? {})) if (v.StringValue !== undefined) attributes[k] = v.StringValue;
      return {
        messageId: m.MessageId ?? '',
        receiptHandle: m.ReceiptHandle ?? '',
        body: m.Body ?? '',
        attributes,
        receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? '1'),
        ...(m.Attributes?.MessageGroupId !== undefined ? { groupId: m.Attributes.MessageGroupId } : {}),
      };
    });
  }

  async ack(messages: readonly ReceivedMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += MAX_BATCH_ENTRIES) {
      const part = messages.slice(i, i + MAX_BATCH_ENTRIES);
      await this.client.send(new DeleteMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: part.map((m, j) => ({ Id: String(j), ReceiptHandle: m.receiptHandle })) }));
    }
  }

  async release(messages: readonly ReceivedMessage[], delayMs: number): Promise<void> {
    for (let i = 0; i < messages.length; i += MAX_BATCH_ENTRIES) {
      const part = messages.slice(i, i + MAX_BATCH_ENTRIES);
      await this.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: part.map((m, j) => ({ Id: String(j), ReceiptHandle: m.receiptHandle, VisibilityTimeout: Math.ceil(delayMs / 1000) })),
        }),
      );
    }
  }
}

type TextMessage = OutgoingMessage & { body: string };

/** The message as SQS carries it: a bytes body as its base64 (encoded once, here), a text body as it is. */
function asText(m: OutgoingMessage): TextMessage {
  if (typeof m.body === 'string') return m as TextMessage;
  return { ...m, body: messageBodyText(m.body) };
}

/**
 * SHA-256 (hex, 64 characters; SQS allows 128) over the group, the body as SQS carries it (a bytes body's
 * base64) and the attributes in name order:
 * equal only for messages that carry the same samples to the same group, which are safe to enqueue once.
 * A claim check's body is a unique spool key, so two claim checks never collide.
 */
export function fifoDeduplicationId(m: OutgoingMessage): string {
  const h = createHash('sha256');
  // JSON has no raw newline, so the first one ends the header unambiguously.
  h.update(JSON.stringify([m.groupId ?? 'default', Object.entries(m.attributes).sort((a, b) => (a[0] < b[0] ? -1 : 1))]));
  h.update('\n');
  h.update(asText(m).body);
  return h.digest('hex');
}

/**
 * What SQS counts against the size limit: the body as SQS carries it (a bytes body's base64: 4 characters
 * per 3 bytes, padded) plus each attribute's name, type and value.
 */
export function messageSize(m: OutgoingMessage): number {
  let n = typeof m.body === 'string' ? Buffer.byteLength(m.body) : 4 * Math.ceil(m.body.byteLength / 3);
  for (const [k, v] of Object.entries(m.attributes)) n += Buffer.byteLength(k) + 'String'.length + Buffer.byteLength(v);
  return n;
}
