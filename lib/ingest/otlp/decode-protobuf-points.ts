import { ProtoReader, readDouble, readFixed64, readRepeated, readUint64 } from '../../codec/proto/reader.ts';
import { readAttribute } from './decode-protobuf-attributes.ts';
import { exemplarIdHex } from './format.ts';
import type { Attribute, ExponentialBuckets, ExponentialHistogramPoint, HistogramPoint, NumberPoint, OtlpExemplar, SummaryPoint } from './model.ts';

/**
 * OTLP data points (metrics/v1/metrics.proto) read into the translator's model: timestamps as milliseconds
 * (0 when absent), 64-bit counts as numbers, exemplar ids as hex. Field numbers next to each reader.
 */

/** Shared by every point without exemplars; replaced (never written to) when a point has some. */
const NO_EXEMPLARS: readonly OtlpExemplar[] = Object.freeze([]) as readonly OtlpExemplar[];

/** NumberDataPoint: attributes 7, start 2, time 3, as_double 4, as_int 6, exemplars 5, flags 8. */
export function readNumberPoint(r: ProtoReader): NumberPoint {
  const outer = r.enter();
  const p: NumberPoint = { attributes: [], timestamp: 0, startTimestamp: 0, flags: 0, exemplars: NO_EXEMPLARS as OtlpExemplar[], value: undefined };
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag) {
      case 0x3a:
        p.attributes.push(readAttribute(r));
        break;
      case 0x11:
        p.startTimestamp = r.fixed64NanosToMillis();
        break;
      case 0x19:
        p.timestamp = r.fixed64NanosToMillis();
        break;
      case 0x21:
        p.value = r.double();
        break;
      case 0x31:
        p.value = r.sfixed64Number();
        break;
      case 0x2a:
        addExemplar(r, p);
        break;
      case 0x40:
        p.flags = r.uint32();
        break;
      default:
        r.skip(tag);
    }
  }
  r.leave(outer);
  return p;
}

/** HistogramDataPoint: attributes 9, start 2, time 3, count 4, optional sum 5, bucket_counts 6, explicit_bounds 7, exemplars 8, flags 10. */
export function readHistogramPoint(r: ProtoReader): HistogramPoint {
  const outer = r.enter();
  const p: HistogramPoint = { attributes: [], timestamp: 0, startTimestamp: 0, flags: 0, exemplars: NO_EXEMPLARS as OtlpExemplar[], count: 0, sum: undefined, bucketCounts: [], explicitBounds: [] };
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag) {
      case 0x4a:
        p.attributes.push(readAttribute(r));
        break;
      case 0x11:
        p.startTimestamp = r.fixed64NanosToMillis();
        break;
      case 0x19:
        p.timestamp = r.fixed64NanosToMillis();
        break;
      case 0x21:
        p.count = r.fixed64Number();
        break;
      case 0x29:
        p.sum = r.double();
        break;
      case 0x31:
      case 0x32:
        readRepeated(r, tag & 7, p.bucketCounts, readFixed64);
        break;
      case 0x39:
      case 0x3a:
        readRepeated(r, tag & 7, p.explicitBounds, readDouble);
        break;
      case 0x42:
        addExemplar(r, p);
        break;
      case 0x50:
        p.flags = r.uint32();
        break;
      default:
        r.skip(tag);
    }
  }
  r.leave(outer);
  return p;
}

/**
 * ExponentialHistogramDataPoint: attributes 1, start 2, time 3, count 4, optional sum 5, scale 6 (sint32),
 * zero_count 7, positive 8, negative 9, flags 10, exemplars 11 (zero_threshold 14 is not read, as Prometheus).
 */
export function readExponentialPoint(r: ProtoReader): ExponentialHistogramPoint {
  const outer = r.enter();
  const p: ExponentialHistogramPoint = {
    attributes: [],
    timestamp: 0,
    startTimestamp: 0,
    flags: 0,
    exemplars: NO_EXEMPLARS as OtlpExemplar[],
    count: 0,
    sum: undefined,
    scale: 0,
    zeroCount: 0,
    positive: { offset: 0, bucketCounts: [] },
    negative: { offset: 0, bucketCounts: [] },
  };
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag) {
      case 0x0a:
        p.attributes.push(readAttribute(r));
        break;
      case 0x11:
        p.startTimestamp = r.fixed64NanosToMillis();
        break;
      case 0x19:
        p.timestamp = r.fixed64NanosToMillis();
        break;
      case 0x21:
        p.count = r.fixed64Number();
        break;
      case 0x29:
        p.sum = r.double();
        break;
      case 0x30:
        p.scale = r.sint32();
        break;
      case 0x39:
        p.zeroCount = r.fixed64Number();
        break;
      case 0x42:
        readBuckets(r, p.positive);
        break;
      case 0x4a:
        readBuckets(r, p.negative);
        break;
      case 0x50:
        p.flags = r.uint32();
        break;
      case 0x5a:
        addExemplar(r, p);
        break;
      default:
        r.skip(tag);
    }
  }
  r.leave(outer);
  return p;
}

/** ExponentialHistogramDataPoint.Buckets: offset 1 (sint32), bucket_counts 2 (uint64). */
function readBuckets(r: ProtoReader, b: ExponentialBuckets): void {
  const outer = r.enter();
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 0x08) b.offset = r.sint32();
    else if (tag === 0x10 || tag === 0x12) readRepeated(r, tag & 7, b.bucketCounts, readUint64);
    else r.skip(tag);
  }
  r.leave(outer);
}

/** SummaryDataPoint: attributes 7, start 2, time 3, count 4, sum 5, quantile_values 6, flags 8. */
export function readSummaryPoint(r: ProtoReader): SummaryPoint {
  const outer = r.enter();
  const p: SummaryPoint = { attributes: [], timestamp: 0, startTimestamp: 0, flags: 0, exemplars: NO_EXEMPLARS as OtlpExemplar[], count: 0, sum: 0, quantiles: [] };
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag) {
      case 0x3a:
        p.attributes.push(readAttribute(r));
        break;
      case 0x11:
        p.startTimestamp = r.fixed64NanosToMillis();
        break;
      case 0x19:
        p.timestamp = r.fixed64NanosToMillis();
        break;
      case 0x21:
        p.count = r.fixed64Number();
        break;
      case 0x29:
        p.sum = r.double();
        break;
      case 0x32: {
        // ValueAtQuantile: quantile 1, value 2.
        const o = r.enter();
        const q = { quantile: 0, value: 0 };
        while (r.pos < r.len) {
          const t = r.uint32();
          if (t === 0x09) q.quantile = r.double();
          else if (t === 0x11) q.value = r.double();
          else r.skip(t);
        }
        r.leave(o);
        p.quantiles.push(q);
        break;
      }
      case 0x40:
        p.flags = r.uint32();
        break;
      default:
        r.skip(tag);
    }
  }
  r.leave(outer);
  return p;
}

/** Exemplar: filtered_attributes 7, time 2, as_double 3, as_int 6, span_id 4, trace_id 5. */
function addExemplar(r: ProtoReader, p: { exemplars: OtlpExemplar[] }): void {
  const outer = r.enter();
  const filteredAttributes: Attribute[] = [];
  let value: number | undefined;
  let timestamp = 0;
  let spanId: Uint8Array | undefined;
  let traceId: Uint8Array | undefined;
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag) {
      case 0x3a:
        filteredAttributes.push(readAttribute(r));
        break;
      case 0x11:
        timestamp = r.fixed64NanosToMillis();
        break;
      case 0x19:
        value = r.double();
        break;
      case 0x31:
        value = r.sfixed64Number();
        break;
      case 0x22:
        spanId = r.bytes();
        break;
      case 0x2a:
        traceId = r.bytes();
        break;
      default:
        r.skip(tag);
    }
  }
  r.leave(outer);
  const e: OtlpExemplar = { value, timestamp, traceId: exemplarIdHex(traceId, 16, 'trace_id'), spanId: exemplarIdHex(spanId, 8, 'span_id'), filteredAttributes };
  if (p.exemplars === NO_EXEMPLARS) p.exemplars = [e];
  else p.exemplars.push(e);
}
