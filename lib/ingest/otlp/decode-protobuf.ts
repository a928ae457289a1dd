import { BadRequestError } from '../../errors.ts';
import { ProtoError, ProtoReader } from '../../codec/proto/reader.ts';
import { readExponentialPoint, readHistogramPoint, readNumberPoint, readSummaryPoint } from './decode-protobuf-points.ts';
import { readAttribute } from './decode-protobuf-attributes.ts';
import type { Attribute, MetricData, MetricModel, ResourceModel } from './model.ts';

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
