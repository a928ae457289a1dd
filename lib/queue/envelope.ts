import type { MetricMetadata, TimeSeries } from '../model/types.ts';
import { BUCKET_PREFIXES } from './bucket-keys.ts';
import { seriesPoints } from '../model/types.ts';
import type { OutgoingMessage } from '../ports/index.ts';
import { encodeTimeSeries } from '../remote-write/encode.ts';
import type { FloatBatch } from '../model/batch.ts';
import { encodeBatchSeries, entrySize, seriesBodies, seriesSampleCount, type BatchSeries } from '../remote-write/encode-batch.ts';
import { snappyCompress } from '../remote-write/snappy.ts';
import { partitionByShard, shardGroupId } from './shard.ts';

/**
 * Queue message envelope, version 2 (version 1 is still read: see READABLE_ENVELOPE_VERSIONS).
 *   body:        a snappy-compressed prometheus.WriteRequest (bytes; on SQS, their base64: MessageBody in
 *                lib/ports), or, for a claim check, the blob key (text).
 *                Version 2 payloads may carry native histograms (TimeSeries field 4), exemplars (field 3),
 *                metadata (WriteRequest field 3) and start timestamps in the gateway's extension fields
 *                (Sample 3, Histogram 17: remote_write 2.0's numbers; 1.0 decoders skip them).
 *   attributes:  v (envelope version), samples (float samples), histograms and exemplars (counts, only when
 *                non-zero), metadata (entries, only when non-zero), tenant, source (push|scrape), claim ("1"
 *                when the body is a blob key under spool/), aggregated (the aggregation section whose output
 *                the series are), destination (the one remote_write destination the message is for, as it
 *                is: a destination's stream_aggregation output; deliver sends it there only, without that
 *                destination's write_relabel_configs, and overflow/replay keep it under that destination)
 * A version 1 payload is a version 2 payload without the new parts, so both decode the same way. Version 2
 * exists so that a deliver function of an older release refuses (and quarantines under
 * rejected/_undecodable/) what it would otherwise forward with its histograms and exemplars silently lost:
 * upgrade deliver before ingest.
 * One message stays within maxMessageBytes (the body as its base64, as SQS counts it, plus attribute names and
 * values: the budgets below allow 4/3 of the compressed bytes plus ATTRIBUTE_OVERHEAD), and the samples and
 * histograms of one series within a request stay in one message. This module writes envelopes; unpack.ts
 * reads them (and carries the protobuf decoder, which the ingest function never needs).
 */
export const ENVELOPE_VERSION = '2';
export const READABLE_ENVELOPE_VERSIONS: readonly string[] = ['1', '2'];
export const SPOOL_PREFIX = BUCKET_PREFIXES.spool;
/** Decompressed size a queue payload may have when read back; far above what packing produces. */
export const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;

/** Attribute: the remote_write destination (its name) a message is for, alone and as it is. */
export const ATTR_DESTINATION = 'destination';
/** Attribute: the aggregation section whose output the message carries (not input any section may match). */
export const ATTR_AGGREGATED = 'aggregated';

export interface PackOptions {
  maxMessageBytes: number;
  /** At most this many samples per message (a series longer than that still stays whole). */
  maxSamples: number;
  tenant: string;
  source: 'push' | 'scrape';
  /** Makes a unique blob key under spool/ for a claim-checked payload. */
  newSpoolKey: () => string;
  /** Metadata to queue with the series: it goes in the first message (alone when there are no series). */
  metadata?: readonly MetricMetadata[];
  /** ATTR_AGGREGATED: the series are this aggregation section's output. */
  aggregated?: string;
  /** ATTR_DESTINATION: only this destination gets the messages, as they are. */
  destination?: string;
  /**
   * Ordered mode (queue.shards): every series goes to the shard its label set hashes to (lib/queue/shard.ts),
   * a message never mixes shards, and each message's groupId is `shard-<n>`.
   */
  shards?: number;
}

export interface Packed {
  messages: OutgoingMessage[];
  /** Payloads too large for one message: put these in the blob store before sending the messages. */
  spills: { key: string; body: Uint8Array }[];
}

const ATTRIBUTE_OVERHEAD = 256;

export function packSeries(series: readonly TimeSeries[], opts: PackOptions): Packed {
  const out: Packed = { messages: [], spills: [] };
  const metadata = opts.metadata?.length ? opts.metadata : undefined;
  if (series.length === 0) {
    if (metadata) emit([], { ...opts, metadata }, Math.floor(((opts.maxMessageBytes - ATTRIBUTE_OVERHEAD) * 3) / 4), out, 3);
    return out;
  }
  if (opts.shards !== undefined) {
    let first = true;
    for (const [shard, part] of partitionByShard(series, opts.shards)) {
      const packed = packSeries(part, { ...opts, shards: undefined, metadata: first ? metadata : undefined });
      first = false;
      for (const m of packed.messages) out.messages.push({ ...m, groupId: shardGroupId(shard) });
      out.spills.push(...packed.spills);
    }
    return out;
  }
  const bodyBudget = opts.maxMessageBytes - ATTRIBUTE_OVERHEAD;
  const compressedBudget = Math.floor((bodyBudget * 3) / 4);
  // Start by assuming 3x snappy compression, then follow what the data actually gives.
  let ratio = 3;
  let group: TimeSeries[] = [];
  let groupBytes = 0;
  let groupSamples = 0;
  let pendingMetadata = metadata;
  const flush = (): void => {
    if (group.length) ratio = emit(group, { ...opts, metadata: pendingMetadata }, compressedBudget, out, ratio);
    pendingMetadata = undefined;
    group = [];
    groupBytes = 0;
    groupSamples = 0;
  };
  for (const s of series) {
    const size = estimateSeriesBytes(s);
    const points = seriesPoints(s);
    if (group.length && (groupBytes + size > compressedBudget * ratio * 0.9 || groupSamples + points > opts.maxSamples)) flush();
    group.push(s);
    groupBytes += size;
    groupSamples += points;
  }
  flush();
  return out;
}

/**
 * Roughly the protobuf bytes of a series: only steers grouping, since every group's real compressed size
 * is checked (and the group split) before it becomes a message.
 */
function estimateSeriesBytes(s: TimeSeries): number {
  let n = 4;
  for (const l of s.labels) n += l.name.length + l.value.length + 6;
  n += s.samples.length * 21;
  if (s.histograms) for (const h of s.histograms) n += 48 + (h.positiveBuckets.length + h.negativeBuckets.length) * 2 + h.customValues.length * 8;
  if (s.exemplars) for (const e of s.exemplars) n += 24 + e.labels.reduce((k, l) => k + l.name.length + l.value.length + 6, 0);
  return n;
}

/** Encodes a group; splits it in two while it does not fit; claim-checks a single series that cannot. Returns the observed compression ratio. */
function emit(group: TimeSeries[], opts: PackOptions, budget: number, out: Packed, ratio: number): number {
  const raw = encodeTimeSeries(group, opts.metadata);
  const compressed = snappyCompress(raw);
  const observed = Math.max(1, raw.length / Math.max(1, compressed.length));
  if (compressed.length <= budget) {
    out.messages.push({ body: compressed, attributes: attributes(group, opts, false) });
    return observed;
  }
  if (group.length > 1) {
    const mid = group.length >> 1;
    const r = emit(group.slice(0, mid), opts, budget, out, observed);
    return emit(group.slice(mid), { ...opts, metadata: undefined }, budget, out, r);
  }
  const key = opts.newSpoolKey();
  out.spills.push({ key, body: compressed });
  out.messages.push({ body: key, attributes: attributes(group, opts, true) });
  return ratio;
}

function attributes(group: TimeSeries[], opts: PackOptions, claim: boolean): Record<string, string> {
  let samples = 0;
  let histograms = 0;
  let exemplars = 0;
  for (const s of group) {
    samples += s.samples.length;
    if (s.histograms) histograms += s.histograms.length;
    if (s.exemplars) exemplars += s.exemplars.length;
  }
  const a: Record<string, string> = { v: ENVELOPE_VERSION, samples: String(samples), tenant: opts.tenant, source: opts.source };
  if (histograms) a.histograms = String(histograms);
  if (exemplars) a.exemplars = String(exemplars);
  if (opts.metadata?.length) a.metadata = String(opts.metadata.length);
  if (claim) a.claim = '1';
  if (opts.aggregated !== undefined) a[ATTR_AGGREGATED] = opts.aggregated;
  if (opts.destination !== undefined) a[ATTR_DESTINATION] = opts.destination;
  return a;
}

/**
 * packSeries for a FloatBatch's series (grouped by groupBatch), measured instead of estimated: each series'
 * exact encoded size steers grouping, the whole group is encoded once, and a group whose compressed bytes do
 * not fit is split into halves that are sub-ranges of the same encoded bytes (a WriteRequest is its
 * TimeSeries entries back to back), so nothing is encoded twice. Same budgets, same rules and same envelope
 * as packSeries (no metadata, no shards: the pipeline takes the object path for those).
 */
export function packBatch(batch: FloatBatch, series: BatchSeries, opts: Omit<PackOptions, 'metadata' | 'shards' | 'aggregated' | 'destination'>): Packed {
  const out: Packed = { messages: [], spills: [] };
  if (series.count === 0) return out;
  const compressedBudget = Math.floor(((opts.maxMessageBytes - ATTRIBUTE_OVERHEAD) * 3) / 4);
  const bodies = seriesBodies(batch, series);
  let ratio = 3;
  let from = 0;
  let groupBytes = 0;
  let groupSamples = 0;
  const flush = (to: number): void => {
    const raw = encodeBatchSeries(batch, series, bodies, from, to, encodeScratch(groupBytes));
    ratio = emitRange(raw, 0, from, to, bodies, series, opts, compressedBudget, out, ratio);
    from = to;
    groupBytes = 0;
    groupSamples = 0;
  };
  for (let g = 0; g < series.count; g++) {
    const size = entrySize(bodies[g]!);
    const points = seriesSampleCount(series, g);
    if (g > from && (groupBytes + size > compressedBudget * ratio * 0.9 || groupSamples + points > opts.maxSamples)) flush(g);
    groupBytes += size;
    groupSamples += points;
  }
  flush(series.count);
  return out;
}

/**
 * The buffer packBatch encodes a group into before compressing it: one per process, reused (the compressed
 * copy is what a message keeps), so a request does not allocate its WriteRequest bytes afresh for every
 * message (each a megabyte or more outside the V8 heap: external memory that makes the GC run). Groups past
 * SCRATCH_MAX bytes get a buffer of their own. packBatch is synchronous: no two calls share it at once.
 */
let scratch: Buffer | undefined;
const SCRATCH_MAX = 8 << 20;

/** The scratch buffer for a group of `total` encoded bytes, or undefined: a buffer of its own. */
function encodeScratch(total: number): Buffer | undefined {
  if (total > SCRATCH_MAX) return undefined;
  if (scratch === undefined || scratch.length < total) scratch = Buffer.allocUnsafeSlow(Math.min(SCRATCH_MAX, Math.max(total, 1 << 20)));
  return scratch;
}

/** emit() for series [from, to), encoded in raw from `at`: halves are sub-ranges of raw. Returns the observed ratio. */
function emitRange(raw: Buffer, at: number, from: number, to: number, bodies: Float64Array, series: BatchSeries, opts: Omit<PackOptions, 'metadata' | 'shards' | 'aggregated' | 'destination'>, budget: number, out: Packed, ratio: number): number {
  let bytes = 0;
  let samples = 0;
  for (let g = from; g < to; g++) {
    bytes += entrySize(bodies[g]!);
    samples += seriesSampleCount(series, g);
  }
  const compressed = snappyCompress(raw.subarray(at, at + bytes));
  const observed = Math.max(1, bytes / Math.max(1, compressed.length));
  const attrs = (claim: boolean): Record<string, string> => {
    const a: Record<string, string> = { v: ENVELOPE_VERSION, samples: String(samples), tenant: opts.tenant, source: opts.source };
    if (claim) a.claim = '1';
    return a;
  };
  if (compressed.length <= budget) {
    out.messages.push({ body: compressed, attributes: attrs(false) });
    return observed;
  }
  if (to - from > 1) {
    const mid = (from + to) >> 1;
    let firstBytes = 0;
    for (let g = from; g < mid; g++) firstBytes += entrySize(bodies[g]!);
    const r = emitRange(raw, at, from, mid, bodies, series, opts, budget, out, observed);
    return emitRange(raw, at + firstBytes, mid, to, bodies, series, opts, budget, out, r);
  }
  const key = opts.newSpoolKey();
  out.spills.push({ key, body: compressed });
  out.messages.push({ body: key, attributes: attrs(true) });
  return ratio;
}

/**
 * One message carrying an already snappy-compressed float-only WriteRequest of `samples` samples as it is
 * (no decode, no re-encode), or undefined when it does not fit one message (more than `maxSamples`, or
 * over the byte budget): the caller then packs decoded series with packSeries. The caller guarantees the
 * payload is what packSeries would have queued (lib/remote-write/scan.ts). The message keeps `compressed`
 * (no copy): the caller does not change it afterwards.
 */
export function packCompressed(compressed: Uint8Array, samples: number, opts: Pick<PackOptions, 'maxMessageBytes' | 'maxSamples' | 'tenant' | 'source'>): OutgoingMessage | undefined {
  if (samples > opts.maxSamples) return undefined;
  if (compressed.length > Math.floor(((opts.maxMessageBytes - ATTRIBUTE_OVERHEAD) * 3) / 4)) return undefined;
  return { body: compressed, attributes: { v: ENVELOPE_VERSION, samples: String(samples), tenant: opts.tenant, source: opts.source } };
}

/** The destination a message is for alone (ATTR_DESTINATION), or undefined: every destination. */
export function messageDestination(attributes: Readonly<Record<string, string>>): string | undefined {
  return attributes[ATTR_DESTINATION];
}

/**
 * Whether a message's series are input a destination's stream_aggregation section saw at ingest (and so
 * may be held back from that destination): pushed series, not aggregation output nor scraped series.
 */
export function isAggregationInput(attributes: Readonly<Record<string, string>>): boolean {
  return attributes.source === 'push' && attributes[ATTR_AGGREGATED] === undefined && attributes[ATTR_DESTINATION] === undefined;
}

export function isClaimCheck(attributes: Record<string, string>): boolean {
  return attributes.claim === '1';
}
