import { BadRequestError } from '../../errors.ts';
import { ProtoError, ProtoReader, readDouble, readFixed64, readRepeated, readUint64 } from '../../codec/proto/reader.ts';
import { exemplarIdHex } from './format.ts';
import { readAttribute } from './decode-protobuf-attributes.ts';
import type {
  Attribute,
  ExponentialBuckets,
  ExponentialHistogramPoint,
  HistogramPoint,
  MetricData,
  MetricModel,
  NumberPoint,
  OtlpExemplar,
  ResourceModel,
  SummaryPoint,
} from './model.ts';

export { MAX_ATTRIBUTE_DEPTH } from './decode-protobuf-attributes.ts';

/**
 * Decoder of an OTLP ExportMetricsServiceRequest (opentelemetry-proto collector/metrics/v1, metrics/v1,
 * common/v1, resource/v1) straight into the translator's model: only the fields the translator reads are
 * decoded; the rest (scope, descriptions, schema URLs, min/max, zero_threshold, metadata) and fields this
 * version does not know are skipped unread, whatever their wire type. A known field sent with another wire
 * type is skipped like an unknown one, as protobufjs and protoc do; repeated numbers are accepted packed or
 * not. In a oneof (a metric's data, a point's value) the last member on the wire wins, and a singular message
 * sent twice is merged (its repeated fields appended), as protobuf specifies.
 */

const NO_EXEMPLARS: readonly OtlpExemplar[] = Object.freeze([]) as readonly OtlpExemplar[];

/** Where the reader is, for error messages: filled on the way out of a failing decode. */
function at(err: unknown, where: string): unknown {
  if (err instanceof ProtoError) return new ProtoError(`${where}: ${err.message}`, err.pos);
  return err;
}

/**
 * Decodes an ExportMetricsServiceRequest. Throws BadRequestError when the bytes are not one (truncated,
 * bad wire types, invalid UTF-8 in a string it reads, attribute values nested too deep), naming the item and
 * byte offset; never anything else.
 */
export function decodeOtlpProtobuf(body: Uint8Array): ResourceModel[] {
  const r = new ProtoReader(body);
  const out: ResourceModel[] = [];
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 0x0a) {
        const i = out.length;
        try {
          out.push(readResourceMetrics(r, i));
        } catch (err) {
          throw at(err, `resourceMetrics[${i}]`);
        }
      } else r.skip(tag);
    }
  } catch (err) {
    if (err instanceof ProtoError) {
      throw new BadRequestError(`otlp: cannot decode protobuf ExportMetricsServiceRequest (${body.length} bytes): ${err.message} (at byte ${err.pos})`);
    }
    throw err;
  }
  return out;
}

function readResourceMetrics(r: ProtoReader, index: number): ResourceModel {
  const outer = r.enter();
  const attributes: Attribute[] = [];
  const metrics: MetricModel[] = [];
  let scope = 0;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 0x0a) {
      // Resource: attributes = 1.
      const o = r.enter();
      while (r.pos < r.len) {
        const t = r.uint32();
        if (t === 0x0a) attributes.push(readAttribute(r));
        else r.skip(t);
      }
      r.leave(o);
    } else if (tag === 0x12) {
      try {
        readScopeMetrics(r, `resourceMetrics[${index}].scopeMetrics[${scope}]`, metrics);
      } catch (err) {
        throw at(err, `scopeMetrics[${scope}]`);
      }
      scope++;
    } else r.skip(tag);
  }
  r.leave(outer);
  return { attributes, metrics };
}

function readScopeMetrics(r: ProtoReader, path: string, out: MetricModel[]): void {
  const outer = r.enter();
  let i = 0;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 0x12) {
      try {
        out.push(readMetric(r, `${path}.metrics[${i}]`));
      } catch (err) {
        throw at(err, `metrics[${i}]`);
      }
      i++;
    } else r.skip(tag);
  }
  r.leave(outer);
}

const NONE: MetricData = Object.freeze({ kind: 'none' }) as MetricData;

function readMetric(r: ProtoReader, path: string): MetricModel {
  const outer = r.enter();
  let name = '';
  let unit = '';
  let data: MetricData = NONE;
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag) {
      case 0x0a:
        name = r.string();
        break;
      case 0x1a:
        unit = r.string();
        break;
      case 0x2a: // gauge = 5
        if (data.kind !== 'gauge') data = { kind: 'gauge', points: [] };
        readData(r, data, readNumberPoint);
        break;
      case 0x3a: // sum = 7
        if (data.kind !== 'sum') data = { kind: 'sum', temporality: 0, monotonic: false, points: [] };
        readData(r, data, readNumberPoint);
        break;
      case 0x4a: // histogram = 9
        if (data.kind !== 'histogram') data = { kind: 'histogram', temporality: 0, points: [] };
        readData(r, data, readHistogramPoint);
        break;
      case 0x52: // exponential_histogram = 10
        if (data.kind !== 'exponentialHistogram') data = { kind: 'exponentialHistogram', temporality: 0, points: [] };
        readData(r, data, readExponentialPoint);
        break;
      case 0x5a: // summary = 11
        if (data.kind !== 'summary') data = { kind: 'summary', points: [] };
        readData(r, data, readSummaryPoint);
        break;
      default:
        r.skip(tag);
    }
  }
  r.leave(outer);
  return { name, unit, data, path };
}

/**
 * Gauge, Sum, Histogram, ExponentialHistogram or Summary into `d`: data_points = 1, and where `d` has them
 * aggregation_temporality = 2 and is_monotonic = 3 (only Sum has both; Gauge and Summary neither).
 */
function readData<P>(r: ProtoReader, d: { points: P[]; temporality?: number; monotonic?: boolean }, read: (r: ProtoReader) => P): void {
  const outer = r.enter();
  const points = d.points;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 0x0a) {
      const i = points.length;
      try {
        points.push(read(r));
      } catch (err) {
        throw at(err, `dataPoints[${i}]`);
      }
    } else if (tag === 0x10 && d.temporality !== undefined) d.temporality = r.int32();
    else if (tag === 0x18 && d.monotonic !== undefined) d.monotonic = r.bool();
    else r.skip(tag);
  }
  r.leave(outer);
}

/** NumberDataPoint: attributes 7, start 2, time 3, as_double 4, as_int 6, exemplars 5, flags 8. */
function readNumberPoint(r: ProtoReader): NumberPoint {
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
function readHistogramPoint(r: ProtoReader): HistogramPoint {
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
function readExponentialPoint(r: ProtoReader): ExponentialHistogramPoint {
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
function readSummaryPoint(r: ProtoReader): SummaryPoint {
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
