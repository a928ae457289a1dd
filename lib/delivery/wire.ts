import type { RemoteWriteConfig } from '../config/schema.ts';
import { nativeToClassic } from '../model/classic.ts';
import type { MetricMetadata, TimeSeries } from '../model/types.ts';
import { countKinds, withSamplesOf, type KindCounts } from '../model/types.ts';
import { encodeTimeSeries } from '../remote-write/encode.ts';
import { snappyCompress } from '../remote-write/snappy.ts';
import { encodeV2Request, metadataLookup, type MetadataLookup } from '../remote-write/v2.ts';
import { chunkBySamples } from './chunk.ts';

/**
 * The encoding path of delivery, per destination: which message to send (protobuf_message, with the 415
 * fallback remembered), what of the data the destination takes (send_exemplars, send_native_histograms,
 * convert_native_histograms_to_classic), and the request bodies.
 */
export type WireMessage = 'v1' | 'v2';

/** Log lines of the encoding path (not metric-filter events: the counters carry the numbers). */
export const WIRE_LOG = {
  dropped: 'destination does not take this kind of data; dropped and counted',
  fallback: 'destination does not take remote_write 2.0 (415, or a 2xx that wrote nothing); sending 1.0 from now on',
} as const;

/**
 * Destinations (by config object, i.e. per process and per destination) that answered 415 to a 2.0 request,
 * or a 2xx without written counts (a 1.0 receiver that ignores Content-Type):
 * they get 1.0 from then on. The memory lasts as long as the process (a Lambda execution environment, the
 * local runner), so a receiver upgraded to 2.0 is tried again after a restart or a cold start.
 */
const refusedV2 = new WeakSet<RemoteWriteConfig>();

export function wireMessage(config: RemoteWriteConfig): WireMessage {
  return config.protobufMessage === 'io.prometheus.write.v2.Request' && !refusedV2.has(config) ? 'v2' : 'v1';
}

export function rememberV2Refused(config: RemoteWriteConfig): void {
  refusedV2.add(config);
}

/**
 * Metadata seen per 2.0 destination (by config object: per process), by metric family name. Prometheus' 1.0
 * sender sends metadata in requests of its own, so without this memory a 2.0 destination would get series
 * without their type, help and unit. Bounded: past MAX_REMEMBERED_METADATA names it starts over.
 */
const rememberedMetadata = new WeakMap<RemoteWriteConfig, Map<string, MetricMetadata>>();
export const MAX_REMEMBERED_METADATA = 10_000;

/** Remembers `metadata` for a 2.0 destination; returns the lookup its 2.0 requests use (this payload's first). */
export function metadataFor(config: RemoteWriteConfig, metadata: readonly MetricMetadata[]): MetadataLookup {
  let memory = rememberedMetadata.get(config);
  if (!memory) rememberedMetadata.set(config, (memory = new Map()));
  for (const m of metadata) {
    if (!m.metricFamilyName) continue;
    if (memory.size >= MAX_REMEMBERED_METADATA && !memory.has(m.metricFamilyName)) memory.clear();
    memory.set(m.metricFamilyName, m);
  }
  const own = metadataLookup(metadata);
  const remembered = metadataLookup(memory);
  return (name) => own(name) ?? remembered(name);
}

/** What a destination does not take, by reason (counted as delivery_dropped_total{kind, reason}). */
export interface Dropped {
  histograms: number;
  exemplars: number;
  /** Series made from native histograms by convert_native_histograms_to_classic (not a loss: a count). */
  convertedHistograms: number;
}

export function noDrops(): Dropped {
  return { histograms: 0, exemplars: 0, convertedHistograms: 0 };
}

/** True when the destination takes a payload with these kinds unchanged. */
export function takesUnchanged(config: RemoteWriteConfig, histograms: number, exemplars: number): boolean {
  if (exemplars && config.sendExemplars === false) return false;
  if (histograms && (config.sendNativeHistograms === false || config.convertNativeHistogramsToClassic)) return false;
  return true;
}

/**
 * Applies send_exemplars, send_native_histograms and convert_native_histograms_to_classic to series (already
 * relabeled for the destination). Returns new series objects where something changed; never mutates input.
 */
export function adaptSeries(series: readonly TimeSeries[], config: RemoteWriteConfig, dropped: Dropped): TimeSeries[] {
  const dropEx = config.sendExemplars === false;
  const convert = !!config.convertNativeHistogramsToClassic;
  const dropHist = !convert && config.sendNativeHistograms === false;
  if (!dropEx && !convert && !dropHist) return series as TimeSeries[];
  const out: TimeSeries[] = [];
  for (const s of series) {
    const hasHist = !!s.histograms?.length;
    const hasEx = !!s.exemplars?.length;
    if (!hasHist && (!hasEx || !dropEx)) {
      out.push(s);
      continue;
    }
    if (hasEx && dropEx) dropped.exemplars += s.exemplars!.length;
    const exemplars = hasEx && !dropEx ? s.exemplars : undefined;
    if (!hasHist) {
      if (s.samples.length) out.push(withSamplesOf(s, s.labels, s.samples));
      continue;
    }
    if (convert) {
      dropped.convertedHistograms += s.histograms!.length;
      if (s.samples.length) out.push(withSamplesOf(s, s.labels, s.samples));
      // Exemplars of a histogram series go to its buckets.
      for (const c of nativeToClassic(s.labels, s.histograms!, exemplars ?? [])) out.push(c);
      continue;
    }
    dropped.histograms += s.histograms!.length;
    if (s.samples.length || exemplars) {
      const kept = withSamplesOf(s, s.labels, s.samples);
      if (exemplars) kept.exemplars = exemplars;
      out.push(kept);
    }
  }
  return out;
}

/** One request to make: its counts and its body in the message chosen when the body is built. */
export interface WireRequest {
  kinds: KindCounts;
  /** Samples plus histograms: what max_samples_per_send counts. */
  points: number;
  series: TimeSeries[];
  metadata: readonly MetricMetadata[];
  /** Exemplars a 2.0 body had to leave out (on series with no sample or histogram); 0 for 1.0. */
  exemplarsLeftOut: number;
  body(message: WireMessage): Uint8Array;
}

/**
 * Splits series into requests of at most maxPoints samples and histograms; 1.0 metadata rides with the
 * first. A 2.0 body finds each series' metadata through `v2Metadata` (metadataFor) when given.
 */
export function buildRequests(series: readonly TimeSeries[], metadata: readonly MetricMetadata[], maxPoints: number, v2Metadata?: MetadataLookup): WireRequest[] {
  const chunks = chunkBySamples(series, maxPoints);
  if (!chunks.length && metadata.length) chunks.push([]);
  return chunks.map((chunk, i) => wireRequest(chunk, i === 0 ? metadata : [], v2Metadata));
}

export function wireRequest(chunk: TimeSeries[], metadata: readonly MetricMetadata[], v2Metadata?: MetadataLookup): WireRequest {
  const kinds = countKinds(chunk);
  const req: WireRequest = {
    kinds,
    points: kinds.samples + kinds.histograms,
    series: chunk,
    metadata,
    exemplarsLeftOut: 0,
    body: (message) => {
      if (message === 'v1') return snappyCompress(encodeTimeSeries(chunk, metadata));
      const v2 = encodeV2Request(chunk, v2Metadata ?? metadata);
      req.exemplarsLeftOut = v2.exemplarsLeftOut;
      return snappyCompress(v2.body);
    },
  };
  return req;
}
