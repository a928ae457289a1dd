import type { ReplayConfig } from '../config/overflow.ts';
import type { TimeSeries } from '../model/types.ts';
import type { BlobInfo, BlobStore } from '../ports/index.ts';
import { encodeTimeSeries } from '../remote-write/encode.ts';
import { snappyCompress, snappyUncompress } from '../remote-write/snappy.ts';
import { MAX_PAYLOAD_BYTES } from '../queue/envelope.ts';
import { buildRequests, rememberV2Refused, wireMessage, type WireMessage } from './wire.ts';
import { sendOptionsFor, type Destination } from './deliver.ts';
import type { AttemptContext, AttemptOutcome, DestinationHealthRegistry } from './destination-health.ts';
import { metadataText } from './meta-text.ts';
import { enforceCaps, listOverflow } from './overflow-caps.ts';
import { rejectedKeyForOverflow } from '../queue/bucket-keys.ts';
import { sendWithRetries, type SendDeps } from './send.ts';
import { unlessStopped } from './stopping.ts';

export interface ReplayDeps extends SendDeps {
  destinations: readonly Destination[];
  blobs: BlobStore;
  /** Fed every attempt, so the run that finds a receiver back logs its recovery (shared with deliver in one process). */
  health?: DestinationHealthRegistry;
}

const REPLAY_ATTEMPTS: AttemptContext = { via: 'replay', data: 'kept in overflow/ for a later replay run' };

export type ReplayOptions = Pick<ReplayConfig, 'concurrency' | 'maxObjectsPerSecond' | 'maxBytesPerSecond'> & {
  /** ms epoch: no object starts after it, and retries stop at it. */
  deadline: number;
};

export interface DestinationReplay {
  destination: string;
  /** Objects sent (2xx) and deleted. */
  replayed: number;
  rejected: number;
  /** Objects left in overflow/ when the run ended. */
  left: number;
  /** Why the destination stopped early: receiver down, blob store failure, time budget; undefined when drained. */
  stopped?: string;
}

/**
 * Drains overflow/<destination>/ for every destination (concurrently; each paced on its own):
 *  1. lists it oldest first and enforces the destination's caps (overflow-caps.ts);
 *  2. probes with the oldest object, one attempt: if the receiver is still down the run costs it that one
 *     request, not a storm;
 *  3. then sends the rest oldest first, at most `concurrency` in flight, paced to maxObjectsPerSecond and
 *     maxBytesPerSecond, with the deliver retry policy (send.ts) within the deadline;
 *  4. deletes each object after its 2xx; a non-retryable refusal (4xx) moves it to rejected/<destination>/
 *     with the status and the first KiB of the response;
 *  5. stops that destination at the first failure (gave up, or a blob store error): the object stays, and
 *     the next run starts again from the oldest.
 * An object holding more than max_samples_per_send samples is sent in chunks; if a chunk fails the unsent
 * rest is written back under the same key (so it keeps its place) before stopping.
 * Never throws for a destination's failure; the report says where each one stopped.
 */
export async function replayOverflow(deps: ReplayDeps, opts: ReplayOptions): Promise<DestinationReplay[]> {
  return Promise.all(deps.destinations.map((d) => replayDestination(d, deps, opts)));
}

/** ok: the object is done (sent, refused or gone); contacted: the receiver answered or was tried. */
type ObjectResult = { ok: true; contacted: boolean } | { ok: false; reason: string };

async function replayDestination(dest: Destination, deps: ReplayDeps, opts: ReplayOptions): Promise<DestinationReplay> {
  const name = dest.config.name;
  const report: DestinationReplay = { destination: name, replayed: 0, rejected: 0, left: 0 };
  let queue: BlobInfo[];
  try {
    queue = await enforceCaps(await listOverflow(deps.blobs, name), name, dest.config.overflow, deps.clock.now(), deps);
  } catch (err) {
    deps.metrics.inc('replay_blob_store_errors_total', { destination: name });
    deps.logger.error('cannot list overflow; replay skipped for this destination', { destination: name, error: String(err) });
    return { ...report, stopped: `blob store: ${String(err)}` };
  }
  if (!queue.length) return report;
  deps.logger.info('replaying overflow', { destination: name, objects: queue.length, bytes: queue.reduce((n, o) => n + o.size, 0) });

  const start = deps.clock.now();
  let started = 0;
  let bytesStarted = 0;
  let next = 0;
  let done = 0;
  let contacted = false;
  const stop = (reason: string): void => {
    report.stopped ??= reason;
  };
  /**
   * The next object, once the pace allows it: object i starts no earlier than i / maxObjectsPerSecond and
   * (bytes before it) / maxBytesPerSecond after the start. Its slot is reserved before waiting, so
   * concurrent workers never share one.
   */
  const take = async (): Promise<BlobInfo | undefined> => {
    if (report.stopped || next >= queue.length) return undefined;
    const o = queue[next++]!;
    const at = start + Math.max((started * 1000) / opts.maxObjectsPerSecond, (bytesStarted * 1000) / opts.maxBytesPerSecond);
    started++;
    bytesStarted += o.size;
    const wait = at - deps.clock.now();
    if (wait > 0) await unlessStopped(deps.clock.sleep(wait), deps.stopping);
    if (report.stopped) return undefined;
    if (deps.stopping?.aborted) {
      stop('the gateway is stopping');
      return undefined;
    }
    if (deps.clock.now() >= opts.deadline) {
      stop('time budget used up');
      return undefined;
    }
    return o;
  };
  const run = async (o: BlobInfo, probe: boolean): Promise<void> => {
    const r = await replayObject(o.key, dest, deps, opts.deadline, probe, report);
    if (!r.ok) return stop(r.reason);
    done++;
    if (r.contacted) contacted = true;
  };

  // Probe alone, one attempt, until the receiver has been tried once (an object gone since the listing is no probe).
  while (!contacted && !report.stopped) {
    const o = await take();
    if (!o) break;
    await run(o, true);
  }
  const workers = Array.from({ length: opts.concurrency }, async () => {
    for (let o = await take(); o; o = await take()) await run(o, false);
  });
  await Promise.all(workers);

  report.left = queue.length - done;
  if (report.stopped) deps.logger.warn('replay stopped for this run; the rest stays in overflow/', { destination: name, reason: report.stopped, replayed: report.replayed, left: report.left });
  else deps.logger.info('overflow drained', { destination: name, replayed: report.replayed, rejected: report.rejected });
  return report;
}

/** A request of an object: `body` in 1.0 (as stored) and, for a 2.0 destination, `encode` builds it anew. */
type Chunk = { samples: number; histograms?: number; body: Uint8Array; series?: TimeSeries[]; encode?: (m: WireMessage) => Uint8Array };

async function replayObject(key: string, dest: Destination, deps: ReplayDeps, deadline: number, probe: boolean, report: DestinationReplay): Promise<ObjectResult> {
  const name = dest.config.name;
  const blobFailure = (what: string, err: unknown): ObjectResult => {
    deps.metrics.inc('replay_blob_store_errors_total', { destination: name });
    deps.logger.error(`replay: cannot ${what}`, { destination: name, key, error: String(err) });
    return { ok: false, reason: `blob store: cannot ${what}` };
  };
  let blob;
  try {
    blob = await deps.blobs.get(key);
  } catch (err) {
    return blobFailure('read an overflow object', err);
  }
  if (!blob) return { ok: true, contacted: false }; // Gone since the listing (lifecycle expiry): nothing to send.
  const declared = Number(blob.metadata.samples) + Number(blob.metadata.histograms ?? 0);
  let chunks: Chunk[];
  let rejectedAll = true;
  if (Number.isFinite(declared) && declared <= dest.config.queue.maxSamplesPerSend && wireMessage(dest.config) === 'v1') {
    chunks = [{ samples: Number(blob.metadata.samples), body: blob.body }];
  } else {
    // The decoder loads here, with the first object too big to send whole: most replays never need it.
    // (Outside the try: failing to load it says nothing about the object.)
    const { decodeWriteRequest } = await import('../remote-write/decode.ts');
    try {
      // overflow/ holds 1.0, already relabeled and adapted for the destination (deliver.ts): only re-chunked here.
      const decoded = decodeWriteRequest(snappyUncompress(blob.body, MAX_PAYLOAD_BYTES, 'overflow object'));
      chunks = buildRequests(decoded.timeseries, decoded.metadata, dest.config.queue.maxSamplesPerSend).map((w) => ({ samples: w.kinds.samples, histograms: w.kinds.histograms, series: w.series, body: w.body('v1'), encode: w.body }));
    } catch (err) {
      if (!(await quarantine(key, { samples: 0, body: blob.body }, 0, `undecodable: ${(err as Error).message}`, 0, dest, deps))) return { ok: false, reason: 'blob store: cannot write rejected/' };
      chunks = [];
    }
  }
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]!;
    const health = deps.health?.for(name);
    const observe = health && ((o: AttemptOutcome): void => health.record(o, REPLAY_ATTEMPTS));
    const opts = { ...sendOptionsFor(dest), retriesCounter: 'replay_retries_total', ...(probe ? { maxAttempts: 1 } : {}), ...(observe ? { observe } : {}) };
    const message = c.encode ? wireMessage(dest.config) : 'v1';
    let verdict = await sendWithRetries(message === 'v2' ? c.encode!('v2') : c.body, dest.config, deadline, deps, { ...opts, message });
    if (message === 'v2' && ((verdict.kind === 'rejected' && verdict.status === 415) || (verdict.kind === 'sent' && !verdict.written?.samples && !verdict.written?.histograms && !verdict.written?.exemplars && c.samples + (c.histograms ?? 0) > 0))) {
      // The destination does not speak 2.0 (415, or a 2xx writing nothing: deliver.ts speaksOnly1): 1.0 from now on, starting with this chunk.
      rememberV2Refused(dest.config);
      deps.metrics.inc('delivery_protobuf_fallback_total', { destination: name });
      verdict = await sendWithRetries(c.body, dest.config, deadline, deps, { ...opts, message: 'v1' });
    }
    if (verdict.kind === 'sent') {
      deps.metrics.inc('replay_sent_samples_total', { destination: name }, c.samples);
      if (c.histograms) deps.metrics.inc('replay_sent_histograms_total', { destination: name }, c.histograms);
      rejectedAll = false;
      continue;
    }
    if (verdict.kind === 'rejected') {
      if (await quarantine(key, c, i, verdict.excerpt, verdict.status, dest, deps)) continue;
      return i > 0 ? writeBack(key, chunks.slice(i), 'blob store: cannot write rejected/', deps, name) : { ok: false, reason: 'blob store: cannot write rejected/' };
    }
    deps.logger.warn(probe ? 'replay probe failed: destination still down' : 'replay gave up on an object', { destination: name, key, reason: verdict.reason });
    const reason = `destination down: ${verdict.reason}`;
    return i > 0 ? writeBack(key, chunks.slice(i), reason, deps, name) : { ok: false, reason };
  }
  try {
    await deps.blobs.delete(key);
  } catch (err) {
    // Sent but not deleted: the next run sends it again (at-least-once), so stop rather than pile up duplicates.
    return blobFailure('delete a replayed object (it will be sent again)', err);
  }
  if (rejectedAll) report.rejected++;
  else report.replayed++;
  return { ok: true, contacted: chunks.length > 0 };
}

/** Copies refused data to rejected/<destination>/ (same file name, -<chunk> past the first); counts it. False if the put failed. */
async function quarantine(key: string, c: Chunk, chunk: number, excerpt: string, status: number, dest: Destination, deps: ReplayDeps): Promise<boolean> {
  const name = dest.config.name;
  const target = rejectedKeyForOverflow(key, name, chunk);
  try {
    await deps.blobs.put(target, c.body, { status: String(status), response: metadataText(excerpt, 1024), samples: String(c.samples) });
  } catch (err) {
    deps.metrics.inc('replay_blob_store_errors_total', { destination: name });
    deps.logger.error('replay: cannot move refused data to rejected/', { destination: name, key, error: String(err) });
    return false;
  }
  deps.metrics.inc('replay_rejected_samples_total', { destination: name, status: String(status) }, c.samples);
  deps.logger.error('destination refused replayed data for good; kept under rejected/', { destination: name, status, key: target, response: excerpt.slice(0, 200) });
  return true;
}

/** Puts the unsent chunks back under the object's key, so the next run resumes where this one stopped. */
async function writeBack(key: string, rest: Chunk[], reason: string, deps: ReplayDeps, name: string): Promise<ObjectResult> {
  const series = rest.flatMap((c) => c.series ?? []);
  const histograms = rest.reduce((n, c) => n + (c.histograms ?? 0), 0);
  try {
    await deps.blobs.put(key, snappyCompress(encodeTimeSeries(series)), { samples: String(rest.reduce((n, c) => n + c.samples, 0)), ...(histograms ? { histograms: String(histograms) } : {}) });
  } catch (err) {
    deps.metrics.inc('replay_blob_store_errors_total', { destination: name });
    deps.logger.error('replay: cannot write back the unsent part; the whole object will be sent again', { destination: name, key, error: String(err) });
  }
  return { ok: false, reason };
}
