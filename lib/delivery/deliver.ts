import type { RemoteWriteConfig } from '../config/schema.ts';
import type { KindCounts, MetricMetadata, TimeSeries } from '../model/types.ts';
import { messageBodyText, type BlobStore, type Clock, type HttpClient, type Logger, type Metrics, type QueueRecord } from '../ports/index.ts';
import { blobKey } from '../queue/bucket-keys.ts';
import { isAggregationInput, isClaimCheck, messageDestination } from '../queue/envelope.ts';
import type { AggregationInputFilter } from './aggregation-input.ts';
import { countOrphans, holdBackAggregationInput, lazyAggregationInput } from './destination-only.ts';
import { claimKey, DecoderUnavailableError, MissingClaimError, openMessage, type Payload } from '../queue/unpack.ts';
import type { RequestAuthorizer } from '../remote-write/auth/types.ts';
import { encodeTimeSeries } from '../remote-write/encode.ts';
import { snappyCompress } from '../remote-write/snappy.ts';
import { writeRelabel } from './write-relabel.ts';
import { adaptSeries, buildRequests, metadataFor, noDrops, rememberV2Refused, takesUnchanged, wireMessage, type Dropped, type WireMessage, type WireRequest, WIRE_LOG } from './wire.ts';
import type { AttemptContext, DestinationHealth, DestinationHealthRegistry } from './destination-health.ts';
import { DELIVER_LOG_EVENTS } from './log-events.ts';
import { metadataText } from './meta-text.ts';
import { sendWithRetries, type SendOptions, type SendVerdict } from './send.ts';
import { filtersAtSend, limitSampleAge } from './sample-age.ts';

export interface Destination {
  config: RemoteWriteConfig;
  /** write_relabel_configs applied to a label set; undefined drops the series. Identity when absent. */
  relabel?: (series: TimeSeries[]) => TimeSeries[];
  /** Remote auth (lib/remote-write/auth): credentials per request, and a client with this destination's TLS. */
  authorizer?: RequestAuthorizer;
  http?: HttpClient;
  /** Its stream_aggregation section's input filter, loaded on first use (lib/delivery/aggregation-input.ts). */
  aggregationInput?: () => Promise<AggregationInputFilter>;
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
  /**
   * Fires when the host is stopping (the local runner's close() past its grace period): sends give up at once
   * and what they held is kept as when the time budget runs out (overflow/, or back to the queue when ordered).
   */
  stopping?: AbortSignal;
}

/** The queue message shape is the ports' (lib/ports); re-exported for delivery's callers. */
export type { QueueRecord };

type Opened = { record: QueueRecord; payload: Payload };

/** A destination with its write_relabel_configs compiled into a series transform (none when there are no rules). */
export function destinationFor(config: RemoteWriteConfig): Destination {
  const relabel = writeRelabel(config);
  const aggregationInput = lazyAggregationInput(config);
  return { config, ...(relabel ? { relabel } : {}), ...(aggregationInput ? { aggregationInput } : {}) };
}

/** One remote_write request to make: a payload forwarded as queued (1.0), or one built from decoded data. */
interface Request {
  kinds: KindCounts;
  /** The queued payload, forwarded untouched. */
  forwarded?: Uint8Array;
  /** Built from decoded data: its series and metadata, and its body in either message. */
  wire?: WireRequest;
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
      if (deps.destinations.some((d) => !canForward(d, payload, record.attributes))) await payload.decode();
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
  countOrphans(opened, deps);
  await Promise.all(
    deps.destinations.map(async (dest) => {
      // A message for one destination (its aggregation section's output) goes to that one only.
      const mine = opened.filter((o) => (messageDestination(o.record.attributes) ?? dest.config.name) === dest.config.name);
      for (const id of await deliverToDestination(mine, dest, deadline, deps)) failed.add(id);
    }),
  );
  // Claim-checked payloads are no longer needed once every destination is done with them.
  for (const o of opened) {
    if (isClaimCheck(o.record.attributes) && !failed.has(o.record.messageId)) {
      const key = claimKey(o.record.body);
      await deps.blobs.delete(key).catch((err) => deps.logger.warn('cannot delete spooled payload; lifecycle rules will expire it', { key, error: String(err) }));
    }
  }
  return { failedMessageIds: [...failed] };
}

/**
 * A payload goes as queued when the destination takes 1.0, has no write_relabel_configs (or the message is
 * for it alone: its aggregation output, sent as it is), holds back none of it for its aggregation section,
 * takes every kind the payload holds unchanged, and the payload fits max_samples_per_send (samples plus
 * histograms).
 */
function canForward(dest: Destination, payload: Payload, attributes: Readonly<Record<string, string>>): boolean {
  const own = messageDestination(attributes) !== undefined;
  if (!own && dest.aggregationInput && isAggregationInput(attributes)) return false;
  return (!dest.relabel || own) && payload.samples + payload.histograms <= dest.config.queue.maxSamplesPerSend && wireMessage(dest.config) === 'v1' && takesUnchanged(dest.config, payload.histograms, payload.exemplars) && !filtersAtSend(dest.config);
}

async function requestsFor(dest: Destination, payload: Payload, attributes: Readonly<Record<string, string>>, deps: DeliveryDeps): Promise<Request[]> {
  if (canForward(dest, payload, attributes)) return [{ kinds: { samples: payload.samples, histograms: payload.histograms, exemplars: payload.exemplars }, forwarded: payload.compressed }];
  const decoded = await payload.decode();
  const own = messageDestination(attributes) !== undefined;
  let relabeled = dest.relabel && !own ? dest.relabel(decoded.timeseries) : decoded.timeseries;
  if (!own && dest.aggregationInput && isAggregationInput(attributes)) relabeled = holdBackAggregationInput(dest.config.name, (await dest.aggregationInput())(relabeled), deps);
  const dropped = noDrops();
  const series = limitSampleAge(adaptSeries(relabeled, dest.config, dropped), dest.config, deps);
  countDropped(dest.config.name, dropped, deps);
  // metadata_config.send: false sends none.
  const metadata = dest.config.sendMetadata === false ? [] : decoded.metadata;
  const v2Metadata = wireMessage(dest.config) === 'v2' ? metadataFor(dest.config, metadata) : undefined;
  return buildRequests(series, metadata, dest.config.queue.maxSamplesPerSend, v2Metadata).map((wire) => ({ kinds: wire.kinds, wire }));
}

/** Data a destination does not take is counted and logged, never dropped silently. */
function countDropped(name: string, d: Dropped, deps: Pick<DeliveryDeps, 'metrics' | 'logger'>): void {
  if (d.histograms) {
    deps.metrics.inc('delivery_dropped_total', { destination: name, kind: 'histogram', reason: 'send_native_histograms_false' }, d.histograms);
    deps.logger.warn(WIRE_LOG.dropped, { destination: name, kind: 'histogram', reason: 'send_native_histograms: false', count: d.histograms });
  }
  if (d.exemplars) {
    deps.metrics.inc('delivery_dropped_total', { destination: name, kind: 'exemplar', reason: 'send_exemplars_false' }, d.exemplars);
  }
  if (d.convertedHistograms) deps.metrics.inc('delivery_converted_histograms_total', { destination: name }, d.convertedHistograms);
}

/**
 * Sends one request with the destination's message; a 2.0 request answered 415 (or a 2xx that wrote nothing)
 * is sent again as 1.0, and the destination gets 1.0 from then on (wire.ts). Returns the verdict, the body
 * finally sent and the kinds it held.
 */
async function sendRequest(req: Request, dest: Destination, deadline: number, deps: DeliveryDeps, health: DestinationHealth | undefined, observe: SendOptions['observe']): Promise<{ result: SendVerdict; body: Uint8Array; message: WireMessage; kinds: KindCounts }> {
  if (req.forwarded) return { result: await send(req.forwarded, dest, deadline, deps, health, observe, 'v1'), body: req.forwarded, message: 'v1', kinds: req.kinds };
  const wire = req.wire!;
  if (wireMessage(dest.config) === 'v2') {
    const body = wire.body('v2');
    let kinds = req.kinds;
    if (wire.exemplarsLeftOut) {
      deps.metrics.inc('delivery_dropped_total', { destination: dest.config.name, kind: 'exemplar', reason: 'no_sample_in_v2_series' }, wire.exemplarsLeftOut);
      deps.logger.warn(WIRE_LOG.dropped, { destination: dest.config.name, kind: 'exemplar', reason: 'series without samples or histograms cannot carry exemplars in remote_write 2.0', count: wire.exemplarsLeftOut });
      kinds = { ...kinds, exemplars: kinds.exemplars - wire.exemplarsLeftOut };
    }
    // 2.0 has no series-less metadata (metadataFor kept it) and no exemplar-only series: nothing left to send.
    if (kinds.samples + kinds.histograms === 0) return { result: { kind: 'sent' }, body, message: 'v2', kinds };
    const result = await send(body, dest, deadline, deps, health, observe, 'v2');
    if (!refused415(result) && !speaksOnly1(result, kinds)) return { result, body, message: 'v2', kinds };
    rememberV2Refused(dest.config);
    deps.metrics.inc('delivery_protobuf_fallback_total', { destination: dest.config.name });
    deps.logger.warn(WIRE_LOG.fallback, { destination: dest.config.name, ...(result.kind === 'rejected' ? { response: result.excerpt.slice(0, 200) } : { reason: '2xx without X-Prometheus-Remote-Write-*-Written counts: a 1.0 receiver that ignores Content-Type' }) });
  }
  const v1 = wire.body('v1');
  return { result: await send(v1, dest, deadline, deps, health, observe, 'v1'), body: v1, message: 'v1', kinds: req.kinds };
}

/**
 * A 2.0 receiver says what it wrote: what it accepted (2xx) but did not write (a receiver without native
 * histograms or exemplar storage, say) is counted and logged, never silent.
 */
function countReceiverDrops(name: string, sent: KindCounts, written: KindCounts, deps: Pick<DeliveryDeps, 'metrics' | 'logger'>): void {
  for (const kind of ['samples', 'histograms', 'exemplars'] as const) {
    const lost = sent[kind] - written[kind];
    if (lost <= 0) continue;
    deps.metrics.inc('delivery_receiver_unwritten_total', { destination: name, kind }, lost);
    deps.logger.warn('destination accepted data it did not write (remote_write 2.0 written counts)', { destination: name, kind, sent: sent[kind], written: written[kind] });
  }
}

function refused415(r: SendVerdict): boolean {
  return r.kind === 'rejected' && r.status === 415;
}

/**
 * A 2xx to a 2.0 request that says nothing was written (no written-count headers, or all zero) while data was
 * sent: a 1.0 receiver that does not check Content-Type read the body as an empty 1.0 request (the 2.0 spec's
 * case; Prometheus' sender treats it as a failure). Nothing was written, so sending 1.0 now duplicates nothing.
 */
function speaksOnly1(r: SendVerdict, k: KindCounts): boolean {
  if (r.kind !== 'sent' || k.samples + k.histograms + k.exemplars === 0) return false;
  return !r.written || r.written.samples + r.written.histograms + r.written.exemplars === 0;
}

function countKindsSent(prefix: string, name: string, k: KindCounts, deps: Pick<DeliveryDeps, 'metrics'>, extra: Record<string, string> = {}): void {
  deps.metrics.inc(`${prefix}_samples_total`, { destination: name, ...extra }, k.samples);
  if (k.histograms) deps.metrics.inc(`${prefix}_histograms_total`, { destination: name, ...extra }, k.histograms);
  if (k.exemplars) deps.metrics.inc(`${prefix}_exemplars_total`, { destination: name, ...extra }, k.exemplars);
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
    await deps.blobs.put(blobKey('rejected', '_undecodable', deps.clock.now(), record.messageId), new TextEncoder().encode(messageBodyText(record.body)), { reason: metadataText(reason, 512) });
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
    const requests = await requestsFor(dest, payload, record.attributes, deps);
    let next = 0;
    while (next < requests.length && !down) {
      const req = requests[next]!;
      const { result, body, message, kinds } = await sendRequest(req, dest, deadline, deps, health, observe);
      if (result.kind === 'gave-up') {
        down = true;
        deps.logger.info(DELIVER_LOG_EVENTS.unavailable, { destination: name, reason: result.reason });
        break;
      }
      if (result.kind === 'sent') {
        countKindsSent('delivery_sent', name, kinds, deps);
        if (result.written) countReceiverDrops(name, kinds, result.written, deps);
      } else {
        countKindsSent('delivery_rejected', name, req.kinds, deps, { status: String(result.status) });
        deps.logger.error(DELIVER_LOG_EVENTS.rejected, { destination: name, status: result.status, samples: req.kinds.samples, response: result.excerpt.slice(0, 200) });
        const meta: Record<string, string> = { status: String(result.status), response: metadataText(result.excerpt, 1024), samples: String(req.kinds.samples) };
        if (req.kinds.histograms) meta.histograms = String(req.kinds.histograms);
        if (message === 'v2') meta.protobuf_message = 'io.prometheus.write.v2.Request';
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
      // overflow/ always holds 1.0 (replay decodes it, and re-encodes for a 2.0 destination).
      const samples = rest.reduce((n, r) => n + r.kinds.samples, 0);
      const histograms = rest.reduce((n, r) => n + r.kinds.histograms, 0);
      const body = rest.length === 1 && rest[0]!.forwarded ? rest[0]!.forwarded : overflowBody(rest);
      const meta: Record<string, string> = { samples: String(samples) };
      if (histograms) meta.histograms = String(histograms);
      if (await store(deps, blobKey('overflow', name, deps.clock.now(), record.messageId), body, meta)) {
        deps.metrics.inc('delivery_overflow_samples_total', { destination: name }, samples);
        if (histograms) deps.metrics.inc('delivery_overflow_histograms_total', { destination: name }, histograms);
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
async function send(body: Uint8Array, dest: Destination, deadline: number, deps: DeliveryDeps, health: DestinationHealth | undefined, observe: SendOptions['observe'], message: WireMessage): Promise<SendVerdict> {
  const opts: SendOptions = { ...sendOptionsFor(dest), message, ...(observe ? { observe } : {}) };
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

function overflowBody(rest: readonly Request[]): Uint8Array {
  const series: TimeSeries[] = [];
  const metadata: MetricMetadata[] = [];
  for (const r of rest) {
    if (!r.wire) continue;
    for (const s of r.wire.series) series.push(s);
    for (const m of r.wire.metadata) metadata.push(m);
  }
  return snappyCompress(encodeTimeSeries(series, metadata));
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
