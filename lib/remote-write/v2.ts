import type { Exemplar, Histogram, MetricMetadata, Sample, TimeSeries } from '../model/types.ts';
import { METRIC_NAME_LABEL } from '../model/labels.ts';
import { Encoder } from './encode.ts';
import { histogramSize, int64Size, sampleSize, sampleSizeWithStart, varintSize } from './proto-size.ts';
import { METRIC_TYPES } from './metric-type.ts';

/** The Content-Type of a remote_write 2.0 body, and the `proto` parameters of both messages. */
export const V2_MESSAGE = 'io.prometheus.write.v2.Request';
export const V1_MESSAGE = 'prometheus.WriteRequest';
export const V2_CONTENT_TYPE = `application/x-protobuf;proto=${V2_MESSAGE}`;

/*
 * The 2.0 encoder. It does not import the decoders (v2-decode.ts, decode.ts and protobufjs): deliver
 * bundles it at its cold start and loads the decoders only when a payload must be decoded.
 */

/** Suffixes under which a classic histogram, summary or counter's series carry their family's metadata. */
const FAMILY_SUFFIXES = ['_bucket', '_count', '_sum', '_total', '_created', '_info', '_gcount', '_gsum'];

/** Finds a series' metadata: by its own name, else by its name without a family suffix. */
export type MetadataLookup = (name: string) => MetricMetadata | undefined;

export function metadataLookup(metadata: readonly MetricMetadata[] | ReadonlyMap<string, MetricMetadata>): MetadataLookup {
  let byName: ReadonlyMap<string, MetricMetadata>;
  if (Array.isArray(metadata)) {
    if (!metadata.length) return () => undefined;
    const m = new Map<string, MetricMetadata>();
    for (const x of metadata as readonly MetricMetadata[]) if (!m.has(x.metricFamilyName)) m.set(x.metricFamilyName, x);
    byName = m;
  } else byName = metadata as ReadonlyMap<string, MetricMetadata>;
  return (name) => {
    const m = byName.get(name);
    if (m) return m;
    for (const s of FAMILY_SUFFIXES) if (name.endsWith(s)) return byName.get(name.slice(0, -s.length));
    return undefined;
  };
}

/**
 * Encodes an io.prometheus.write.v2.Request. Symbols are interned in first-use order after the required
 * empty string. A series with both samples and histograms becomes two TimeSeries (2.0 allows one kind per
 * entry), exemplars riding with the first. Metadata comes from `metadata` by series name (metadataLookup), or from a lookup function.
 * A series with exemplars and neither samples nor histograms is left out (Prometheus 3 refuses it with 400,
 * which would cost the whole request): the caller counts those exemplars (`exemplarsLeftOut`).
 */
export function encodeV2Request(series: readonly TimeSeries[], metadata: readonly MetricMetadata[] | MetadataLookup = []): { body: Uint8Array; exemplarsLeftOut: number } {
  const symbolIds = new Map<string, number>([['', 0]]);
  const symbols: string[] = [''];
  const intern = (s: string): number => {
    let id = symbolIds.get(s);
    if (id === undefined) {
      id = symbols.length;
      symbols.push(s);
      symbolIds.set(s, id);
    }
    return id;
  };
  const lookup = typeof metadata === 'function' ? metadata : metadataLookup(metadata);
  const entries: V2Entry[] = [];
  let exemplarsLeftOut = 0;
  for (const s of series) {
    const hasHist = !!s.histograms?.length;
    if (!s.samples.length && !hasHist) {
      exemplarsLeftOut += s.exemplars?.length ?? 0;
      continue;
    }
    const refs: number[] = [];
    let name = '';
    for (const l of s.labels) {
      refs.push(intern(l.name), intern(l.value));
      if (l.name === METRIC_NAME_LABEL) name = l.value;
    }
    const m = lookup(name);
    const meta = m ? [METRIC_TYPES.indexOf(m.type), intern(m.help), intern(m.unit)] as const : undefined;
    const ex = s.exemplars?.map((e) => ({ e, refs: e.labels.flatMap((l) => [intern(l.name), intern(l.value)]) }));
    if (s.samples.length) entries.push({ refs, samples: s.samples, withStart: s.withStartTimestamps === true, exemplars: ex, meta, size: 0 });
    if (hasHist) entries.push({ refs, histograms: s.histograms, exemplars: s.samples.length ? undefined : ex, meta, size: 0 });
  }
  const enc = new Encoder();
  const symLens = symbols.map((s) => Buffer.byteLength(s, 'utf8'));
  let total = 0;
  for (const l of symLens) total += 1 + varintSize(l) + l;
  for (const e of entries) {
    e.size = v2SeriesSize(e);
    total += 1 + varintSize(e.size) + e.size;
  }
  enc.start(total);
  for (let i = 0; i < symbols.length; i++) {
    enc.byte(0x22);
    enc.varint(symLens[i]!);
    enc.pos += enc.buf.write(symbols[i]!, enc.pos, symLens[i]!, 'utf8');
  }
  for (const e of entries) {
    enc.byte(0x2a);
    enc.varint(e.size);
    writeRefs(enc, e.refs);
    if (e.samples) for (const s of e.samples) e.withStart ? enc.sampleWithStart(0x12, s) : enc.sample(0x12, s);
    if (e.histograms) for (const h of e.histograms) enc.histogram(0x1a, h);
    if (e.exemplars) {
      for (const x of e.exemplars) {
        enc.byte(0x22);
        enc.varint(v2ExemplarSize(x));
        writeRefs(enc, x.refs);
        enc.exemplarTail(x.e);
      }
    }
    if (e.meta) {
      enc.byte(0x2a);
      enc.varint(metaSize(e.meta));
      if (e.meta[0] > 0) {
        enc.byte(0x08);
        enc.varint(e.meta[0]);
      }
      if (e.meta[1]) {
        enc.byte(0x18);
        enc.varint(e.meta[1]);
      }
      if (e.meta[2]) {
        enc.byte(0x20);
        enc.varint(e.meta[2]);
      }
    }
  }
  return { body: enc.finish(), exemplarsLeftOut };
}

interface V2Entry {
  refs: number[];
  samples?: readonly Sample[];
  withStart?: boolean;
  histograms?: readonly Histogram[] | undefined;
  exemplars?: { e: Exemplar; refs: number[] }[] | undefined;
  meta?: readonly [number, number, number] | undefined;
  size: number;
}

function refsSize(refs: readonly number[]): number {
  if (!refs.length) return 0;
  let b = 0;
  for (const x of refs) b += varintSize(x);
  return 1 + varintSize(b) + b;
}

function writeRefs(enc: Encoder, refs: readonly number[]): void {
  if (!refs.length) return;
  let b = 0;
  for (const x of refs) b += varintSize(x);
  enc.byte(0x0a);
  enc.varint(b);
  for (const x of refs) enc.varint(x);
}

function metaSize(m: readonly [number, number, number]): number {
  let n = 0;
  if (m[0] > 0) n += 1 + varintSize(m[0]);
  if (m[1]) n += 1 + varintSize(m[1]);
  if (m[2]) n += 1 + varintSize(m[2]);
  return n;
}

function v2ExemplarSize(x: { e: Exemplar; refs: number[] }): number {
  let n = refsSize(x.refs);
  if (!(x.e.value === 0 && 1 / x.e.value > 0)) n += 9;
  if (x.e.timestamp !== 0) n += 1 + int64Size(x.e.timestamp);
  return n;
}

function v2SeriesSize(e: V2Entry): number {
  let n = refsSize(e.refs);
  if (e.samples) for (const s of e.samples) {
    const b = e.withStart ? sampleSizeWithStart(s) : sampleSize(s);
    n += 1 + varintSize(b) + b;
  }
  if (e.histograms) for (const h of e.histograms) {
    const b = histogramSize(h);
    n += 1 + varintSize(b) + b;
  }
  if (e.exemplars) for (const x of e.exemplars) {
    const b = v2ExemplarSize(x);
    n += 1 + varintSize(b) + b;
  }
  if (e.meta) {
    const b = metaSize(e.meta);
    n += 1 + varintSize(b) + b;
  }
  return n;
}
