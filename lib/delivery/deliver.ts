import type { RemoteWriteConfig } from '../config/schema.ts';
import type { TimeSeries } from '../model/types.ts';
import { countSamples } from '../model/types.ts';
import type { BlobStore, Clock, HttpClient, Logger, Metrics } from '../ports/index.ts';
import { isClaimCheck } from '../queue/envelope.ts';
import { DecoderUnavailableError, MissingClaimError, openMessage, type Payload } from '../queue/unpack.ts';
import type { RequestAuthorizer } from '../remote-write/auth/types.ts';
import { encodeTimeSeries } from '../remote-write/encode.ts';
import { snappyCompress } from '../remote-write/snappy.ts';
import { applyRelabel, dropInternalLabels } from '../relabel/apply.ts';
import { chunkBySamples } from './chunk.ts';
import { blobKey } from './keys.ts';
import type { AttemptContext, DestinationHealth, DestinationHealthRegistry } from './destination-health.ts';
import { DELIVER_LOG_EVENTS } from './log-events.ts';
import { metadataText } from './meta-text.ts';
import { sendWithRetries, type SendOptions, type SendVerdict } from './send.ts';

export interface Destination {
  config: RemoteWriteConfig;
  /** write_relabel_configs applied to a label set; undefined drops the series. Identity when absent. */
  relabel?: (series: TimeSeries[]) => TimeSeries[];
  /** Remote auth (lib/remote-write/auth): credentials per request, and a client with this destination's TLS. */
  authorizer?: RequestAuthorizer;
  http?: HttpClient;
}

export interface DeliveryDeps {
  destinations: readonly Destination[];
  http: HttpClient;
  blobs: BlobStore;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** Uniform in [0, 1): jitter. */
  random: () => number;
  /**
   * Ordered mode (docs/ordering.md): within a batch, once a message of a group fails, later messages of that
   * group are not sent and come back as failures too; a destination that stays down holds its messages in
   * the queue (failures) instead of writing them to overflow/, whose replay would arrive out of order.
   */
  ordered?: boolean;
  /**
   * Destination health kept across invocations (one registry per process: module scope in functions/).
   * Without it every batch starts as if each destination were healthy and outages are not logged as such.
   */
  health?: DestinationHealthRegistry;
}

export interface QueueRecord {
  messageId: string;
  body: string;
  attributes: Record<string, string>;
  /** FIFO queues: the message group (SQS MessageGroupId). */
  groupId?: string;
}

type Opened = { record: QueueRecord; payload: Payload };

/** A destination with its write_relabel_configs compiled into a series transform (none when there are no rules). */
export function destinationFor(config: RemoteWriteConfig): Destination {
  const rules = config.writeRelabel;
  if (!rules.rules.length) return { config };
  return {
    config,
    relabel: (series) => {
      const out: TimeSeries[] = [];
      for (const s of series) {
        const labels = applyRelabel(rules, s.labels);
        if (labels !== undefined) out.push({ labels: dropInternalLabels(labels), samples: s.samples });
      }
      return out;
    },
  };
}

/** One remote_write request to make: its compressed body, built when first needed. */
interface Request {
  samples: number;
  body: () => Uint8Array;
  /** The series, when the request was built from decoded data (undefined for a forwarded payload). */
  series?: TimeSeries[];
}

/**
 * Delivers a batch of queue messages to every destination. Per destination, messages go in order and
 * each is sent in chunks of max_samples_per_send with retries until `deadline` (ms epoch); what cannot be
 * sent by then goes to overflow/<destination>/, what a receiver refuses for good to rejected/<destination>/.
 * Once a destination has used up its retries in this batch, its remaining messages go straight to overflow.
 * With deps.health, a destination known down from earlier batches gets one probe at most (see send()) and
 * the batch parks at once. Destinations run concurrently and never wait for each other.
 * A payload that needs no change for a destination (no relabeling, within max_samples_per_send) is
 * forwarded as queued, without decoding.
 *
 * Returns the ids of messages that must be redelivered: those whose data could not be made durable because
 * the blob store failed. Every other message is done: delivered, overflowed or rejected, never dropped.
 */
export async function deliverBatch(records: readonly QueueRecord[], deadline: number, deps: DeliveryDeps): Promise<{ failedMessageIds: string[] }> {
  const failed = new Set<string>();
  const opened: Opened[] = [];
  const blocked = new Set<string>();
  for (const record of records) {
    if (deps.ordered && blocked.has(record.groupId ?? '')) {
      failed.add(record.messageId);
      continue;
    }
    try {
      const payload = await openMessage(record.body, record.attributes, deps.blobs);
      if (deps.destinations.some((d) => !canForward(d, payload))) await payload.decode();
      opened.push({ record, payload });
    } catch (err) {
      // Not the message's fault: fail the invocation so the batch is redelivered (and reaches the DLQ).
      if (err instanceof DecoderUnavailableError) throw err;
      if (!(await quarantine(record, err, deps))) {
        failed.add(record.messageId);
        blocked.add(record.groupId ?? '');
      }
    }
  }
  await Promise.all(
    deps.destinations.map(async (dest) => {
      for (const id of await deliverToDestination(opened, dest, deadline, deps)) failed.add(id);
    }),
  );
  // Claim-checked payloads are no longer needed once every destination is done with them.
  for (const o of opened) {
    if (isClaimCheck(o.record.attributes) && !failed.has(o.record.messageId)) {
      await deps.blobs.delete(o.record.body).catch((err) => deps.logger.warn('cannot delete spooled payload; lifecycle rules will expire it', { key: o.record.body, error: String(err) }));
    }
  }
  return { failedMessageIds: [...failed] };
}

function canForward(dest: Destination, payload: Payload): boolean {
  return !dest.relabel && payload.samples <= dest.config.queue.maxSamplesPerSend;
}

async function requestsFor(dest: Destination, payload: Payload): Promise<Request[]> {
  if (canForward(dest, payload)) return [{ samples: payload.samples, body: () => payload.compressed }];
  const input = (await payload.decode()).timeseries;
  const series = dest.relabel ? dest.relabel(input) : input;
  return chunkBySamples(series, dest.config.queue.maxSamplesPerSend).map((chunk) => ({ samples: countSamples(chunk), series: chunk, body: () => snappyCompress(encodeTimeSeries(chunk)) }));
}

/** A message that cannot be decoded is kept under rejected/_undecodable/ and acknowledged; false if even that failed. */
async function quarantine(record: QueueRecord, err: unknown, deps: DeliveryDeps): Promise<boolean> {
  const reason = (err as Error).message;
  if (err instanceof MissingClaimError) {
    // Already delivered by an earlier attempt (the blob is deleted after delivery), or expired.
    deps.metrics.inc('delivery_missing_claim_total', {});
    deps.logger.warn('claim-checked payload is gone; treating the message as delivered', { messageId: record.messageId, reason });
    return true;
  }
  try {
    await deps.blobs.put(blobKey('rejected', '_undecodable', deps.clock.now(), record.messageId), new TextEncoder().encode(record.body), { reason: metadataText(reason, 512) });
    deps.metrics.inc('delivery_undecodable_messages_total', {});
    deps.logger.error('undecodable queue message kept under rejected/_undecodable/', { messageId: record.messageId, reason });
    return true;
  } catch (putErr) {
    deps.logger.error('cannot quarantine undecodable message; it will be redelivered', { messageId: record.messageId, error: String(putErr) });
    return false;
  }
}

async function deliverToDestination(batch: readonly Opened[], dest: Destination, deadline: number, deps: DeliveryDeps): Promise<string[]> {
  const name = dest.config.name;
  const failed: string[] = [];
  const parked = { samples: 0, messages: 0 };
  let down = false;
  const blocked = new Set<string>();
  const health = deps.health?.for(name);
  const ctx: AttemptContext = { via: 'deliver', data: deps.ordered ? 'retried within the time budget, then held in the queue (ordered mode)' : 'retried within the time budget, then parked under overflow/' };
  // Ordered mode keeps waiting out the budget while known down: a quick hold would only bring the messages back sooner.
  const observe: SendOptions['observe'] = health
    ? (o) => {
        health.record(o, ctx);
        return !deps.ordered && health.knownDown ? 'give-up' : undefined;
      }
    : undefined;
  const hold = (record: QueueRecord): void => {
    failed.push(record.messageId);
    blocked.add(record.groupId ?? '');
  };
  const held = (): void => {
    deps.metrics.inc('delivery_held_messages_total', { destination: name });
    health?.held(1);
  };
  for (const { record, payload } of batch) {
    if (deps.ordered && (down || blocked.has(record.groupId ?? ''))) {
      hold(record);
      held();
      continue;
    }
    const requests = await requestsFor(dest, payload);
    let next = 0;
    while (next < requests.length && !down) {
      const req = requests[next]!;
      const body = req.body();
      const result = await send(body, dest, deadline, deps, health, observe);
      if (result.kind === 'gave-up') {
        down = true;
        deps.logger.info(DELIVER_LOG_EVENTS.unavailable, { destination: name, reason: result.reason });
        break;
      }
      if (result.kind === 'sent') {
        deps.metrics.inc('delivery_sent_samples_total', { destination: name }, req.samples);
      } else {
        deps.metrics.inc('delivery_rejected_samples_total', { destination: name, status: String(result.status) }, req.samples);
        deps.logger.error(DELIVER_LOG_EVENTS.rejected, { destination: name, status: result.status, samples: req.samples, response: result.excerpt.slice(0, 200) });
        const meta = { status: String(result.status), response: metadataText(result.excerpt, 1024), samples: String(req.samples) };
        if (!(await store(deps, blobKey('rejected', name, deps.clock.now(), record.messageId, next), body, meta))) {
          hold(record);
          if (deps.ordered) break;
        }
      }
      next++;
    }
    const rest = requests.slice(next);
    if (rest.length && deps.ordered) {
      // Held in the queue and redelivered in order; chunks already sent are sent again then.
      if (failed.at(-1) !== record.messageId) hold(record);
      held();
    } else if (rest.length) {
      const samples = rest.reduce((n, r) => n + r.samples, 0);
      const body = rest.length === 1 ? rest[0]!.body() : snappyCompress(encodeTimeSeries(rest.flatMap((r) => r.series ?? [])));
      if (await store(deps, blobKey('overflow', name, deps.clock.now(), record.messageId), body, { samples: String(samples) })) {
        deps.metrics.inc('delivery_overflow_samples_total', { destination: name }, samples);
        parked.samples += samples;
        parked.messages++;
      } else hold(record);
    }
  }
  if (parked.messages) {
    deps.logger.info(DELIVER_LOG_EVENTS.parked, { destination: name, ...parked });
    health?.parked(parked.samples, parked.messages);
  }
  return failed;
}

/**
 * One request through the retry loop, as the destination's health allows: normally retried within the
 * budget (a whole budget spent without a 2xx makes the destination known down); while it is known down
 * (standard mode), one probe with a short timeout when one is due (DestinationHealth.probe), and no request
 * at all in between, so a batch parks its data at once instead of waiting out the budget.
 */
async function send(body: Uint8Array, dest: Destination, deadline: number, deps: DeliveryDeps, health: DestinationHealth | undefined, observe: SendOptions['observe']): Promise<SendVerdict> {
  const opts: SendOptions = { ...sendOptionsFor(dest), ...(observe ? { observe } : {}) };
  if (!health?.knownDown || deps.ordered) {
    const result = await sendWithRetries(body, dest.config, deadline, deps, opts);
    if (result.kind === 'gave-up') health?.budgetSpent();
    return result;
  }
  const probe = health.probe(dest.config.queue.maxBackoffMs, dest.config.remoteTimeoutMs);
  if (!probe) return { kind: 'gave-up', reason: 'known down; next probe not due yet' };
  const started = deps.clock.now();
  const result = await sendWithRetries(body, dest.config, deadline, deps, { ...opts, maxAttempts: 1, attemptTimeoutMs: probe.timeoutMs });
  if (result.kind !== 'sent') health.probed(started, result.kind === 'gave-up' && deps.clock.now() - started >= probe.timeoutMs);
  return result;
}

async function store(deps: DeliveryDeps, key: string, body: Uint8Array, metadata: Record<string, string>): Promise<boolean> {
  try {
    await deps.blobs.put(key, body, metadata);
    return true;
  } catch (err) {
    deps.metrics.inc('delivery_blob_store_errors_total', {});
    deps.logger.error('blob store write failed; the message will be redelivered', { key, error: String(err) });
    return false;
  }
}

/** A destination's own HTTP client (TLS, proxy) and authorizer, for the shared retry loop. */
export function sendOptionsFor(dest: Destination): SendOptions {
  return { ...(dest.http ? { http: dest.http } : {}), ...(dest.authorizer ? { authorizer: dest.authorizer } : {}) };
}
