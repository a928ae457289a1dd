import { BadRequestError } from '../../errors.ts';
import { ProtoError, ProtoReader, readDouble, readRepeated, readSint64 } from '../../codec/proto/reader.ts';
import type { BucketMessage, CounterMessage, ExemplarMessage, HistogramMessage, LabelPairMessage, MetricFamilyMessage, MetricMessage, SpanMessage, SummaryMessage, TimestampMessage } from './client-model-types.ts';

/**
 * Decoder of length-delimited `io.prometheus.client.MetricFamily` messages (prometheus/client_model
 * metrics.proto: the Pushgateway's protobuf body and Prometheus' protobuf scrape format) into plain objects
 * with 64-bit integers as numbers. Only what the mapping reads is decoded (help, unit and unknown fields are
 * skipped unread, whatever their wire type; a known field sent with another wire type is skipped too, as
 * protobufjs and protoc do); repeated numbers are read packed or not. Scalars read proto3-style: an absent
 * field is its zero value (so a `timestamp_ms` of 0 reads as absent); an absent message is null. A singular
 * message sent twice is merged, as protobuf specifies.
 */

export { METRIC_TYPE } from './client-model-types.ts';
export type * from './client-model-types.ts';

/** Decodes every delimited MetricFamily of the body; a malformed message is a BadRequestError (400) naming it. */
export function decodeMetricFamilies(body: Uint8Array): MetricFamilyMessage[] {
  const r = new ProtoReader(body);
  const families: MetricFamilyMessage[] = [];
  while (r.pos < r.len) {
    try {
      families.push(readFamily(r));
    } catch (err) {
      if (!(err instanceof ProtoError)) throw err;
      throw new BadRequestError(`pushgateway: invalid protobuf body: delimited MetricFamily message ${families.length + 1}: ${err.message} (at byte ${err.pos})`);
    }
  }
  return families;
}

function where(err: unknown, what: string): unknown {
  return err instanceof ProtoError ? new ProtoError(`${what}: ${err.message}`, err.pos) : err;
}

/** MetricFamily: name 1, type 3, metric 4 (help 2 and unit 5 unread). */
function readFamily(r: ProtoReader): MetricFamilyMessage {
  const outer = r.enter();
  const f: MetricFamilyMessage = { name: '', type: 0, metric: [] };
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 0x0a) f.name = r.string();
    else if (tag === 0x18) f.type = r.int32();
    else if (tag === 0x22) {
      try {
        f.metric.push(readMetric(r));
      } catch (err) {
        throw where(err, `metric ${f.metric.length + 1}`);
      }
    } else r.skip(tag);
  }
  r.leave(outer);
  return f;
}

/** Metric: label 1, gauge 2, counter 3, summary 4, untyped 5, timestamp_ms 6, histogram 7. */
function readMetric(r: ProtoReader): MetricMessage {
  const outer = r.enter();
  const m: MetricMessage = { label: [], gauge: null, counter: null, untyped: null, summary: null, histogram: null, timestampMs: 0 };
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag) {
      case 0x0a:
        m.label.push(readLabel(r));
        break;
      case 0x12:
        m.gauge = readValue(r, m.gauge ?? { value: 0 });
        break;
      case 0x1a:
        m.counter = readCounter(r, m.counter ?? { value: 0, exemplar: null, createdTimestamp: null });
        break;
      case 0x22:
        m.summary = readSummary(r, m.summary ?? { sampleCount: 0, sampleSum: 0, quantile: [], createdTimestamp: null });
        break;
      case 0x2a:
        m.untyped = readValue(r, m.untyped ?? { value: 0 });
        break;
      case 0x30:
        m.timestampMs = r.int64();
        break;
      case 0x3a:
        m.histogram = readHistogram(r, m.histogram ?? emptyHistogram());
        break;
      default:
        r.skip(tag);
    }
  }
  r.leave(outer);
  return m;
}

/** LabelPair: name 1, value 2. */
function readLabel(r: ProtoReader): LabelPairMessage {
  const outer = r.enter();
  const l = { name: '', value: '' };
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 0x0a) l.name = r.string();
    else if (tag === 0x12) l.value = r.string();
    else r.skip(tag);
  }
  r.leave(outer);
  return l;
}

/** Gauge or Untyped: value 1. */
function readValue(r: ProtoReader, v: { value: number }): { value: number } {
  const outer = r.enter();
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 0x09) v.value = r.double();
    else r.skip(tag);
  }
  r.leave(outer);
  return v;
}

/** google.protobuf.Timestamp: seconds 1 (int64), nanos 2 (int32). */
function readTimestamp(r: ProtoReader, t: TimestampMessage): TimestampMessage {
  const outer = r.enter();
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 0x08) t.seconds = r.int64();
    else if (tag === 0x10) t.nanos = r.int32();
    else r.skip(tag);
  }
  r.leave(outer);
  return t;
}

/** Exemplar: label 1, value 2, timestamp 3. */
function readExemplar(r: ProtoReader, e: ExemplarMessage): ExemplarMessage {
  const outer = r.enter();
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 0x0a) e.label.push(readLabel(r));
    else if (tag === 0x11) e.value = r.double();
    else if (tag === 0x1a) e.timestamp = readTimestamp(r, e.timestamp ?? { seconds: 0, nanos: 0 });
    else r.skip(tag);
  }
  r.leave(outer);
  return e;
}

const newExemplar = (): ExemplarMessage => ({ label: [], value: 0, timestamp: null });

/** Counter: value 1, exemplar 2, created_timestamp 3. */
function readCounter(r: ProtoReader, c: CounterMessage): CounterMessage {
  const outer = r.enter();
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 0x09) c.value = r.double();
    else if (tag === 0x12) c.exemplar = readExemplar(r, c.exemplar ?? newExemplar());
    else if (tag === 0x1a) c.createdTimestamp = readTimestamp(r, c.createdTimestamp ?? { seconds: 0, nanos: 0 });
    else r.skip(tag);
  }
  r.leave(outer);
  return c;
}

/** Summary: sample_count 1, sample_sum 2, quantile 3 {quantile 1, value 2}, created_timestamp 4. */
function readSummary(r: ProtoReader, s: SummaryMessage): SummaryMessage {
  const outer = r.enter();
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 0x08) s.sampleCount = r.uint64();
    else if (tag === 0x11) s.sampleSum = r.double();
    else if (tag === 0x1a) {
      const o = r.enter();
      const q = { quantile: 0, value: 0 };
      while (r.pos < r.len) {
        const t = r.uint32();
        if (t === 0x09) q.quantile = r.double();
        else if (t === 0x11) q.value = r.double();
        else r.skip(t);
      }
      r.leave(o);
      s.quantile.push(q);
    } else if (tag === 0x22) s.createdTimestamp = readTimestamp(r, s.createdTimestamp ?? { seconds: 0, nanos: 0 });
    else r.skip(tag);
  }
  r.leave(outer);
  return s;
}

function emptyHistogram(): HistogramMessage {
  return {
    sampleCount: 0,
    sampleCountFloat: 0,
    sampleSum: 0,
    bucket: [],
    createdTimestamp: null,
    schema: 0,
    zeroThreshold: 0,
    zeroCount: 0,
    zeroCountFloat: 0,
    negativeSpan: [],
    negativeDelta: [],
    negativeCount: [],
    positiveSpan: [],
    positiveDelta: [],
    positiveCount: [],
    exemplars: [],
  };
}

/**
 * Histogram: sample_count 1, sample_count_float 4, sample_sum 2, bucket 3, created_timestamp 15, schema 5
 * (sint32), zero_threshold 6, zero_count 7, zero_count_float 8, negative_span 9, negative_delta 10 (sint64),
 * negative_count 11, positive_span 12, positive_delta 13, positive_count 14, exemplars 16.
 */
function readHistogram(r: ProtoReader, h: HistogramMessage): HistogramMessage {
  const outer = r.enter();
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag) {
      case 0x08:
        h.sampleCount = r.uint64();
        break;
      case 0x21:
        h.sampleCountFloat = r.double();
        break;
      case 0x11:
        h.sampleSum = r.double();
        break;
      case 0x1a:
        h.bucket.push(readBucket(r));
        break;
      case 0x7a:
        h.createdTimestamp = readTimestamp(r, h.createdTimestamp ?? { seconds: 0, nanos: 0 });
        break;
      case 0x28:
        h.schema = r.sint32();
        break;
      case 0x31:
        h.zeroThreshold = r.double();
        break;
      case 0x38:
        h.zeroCount = r.uint64();
        break;
      case 0x41:
        h.zeroCountFloat = r.double();
        break;
      case 0x4a:
        h.negativeSpan.push(readSpan(r));
        break;
      case 0x50:
      case 0x52:
        readRepeated(r, tag & 7, h.negativeDelta, readSint64);
        break;
      case 0x59:
      case 0x5a:
        readRepeated(r, tag & 7, h.negativeCount, readDouble);
        break;
      case 0x62:
        h.positiveSpan.push(readSpan(r));
        break;
      case 0x68:
      case 0x6a:
        readRepeated(r, tag & 7, h.positiveDelta, readSint64);
        break;
      case 0x71:
      case 0x72:
        readRepeated(r, tag & 7, h.positiveCount, readDouble);
        break;
      case 0x82: // exemplars = 16
        h.exemplars.push(readExemplar(r, newExemplar()));
        break;
      default:
        r.skip(tag);
    }
  }
  r.leave(outer);
  return h;
}

/** Bucket: cumulative_count 1, cumulative_count_float 4, upper_bound 2, exemplar 3. */
function readBucket(r: ProtoReader): BucketMessage {
  const outer = r.enter();
  const b: BucketMessage = { cumulativeCount: 0, cumulativeCountFloat: 0, upperBound: 0, exemplar: null };
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 0x08) b.cumulativeCount = r.uint64();
    else if (tag === 0x21) b.cumulativeCountFloat = r.double();
    else if (tag === 0x11) b.upperBound = r.double();
    else if (tag === 0x1a) b.exemplar = readExemplar(r, b.exemplar ?? newExemplar());
    else r.skip(tag);
  }
  r.leave(outer);
  return b;
}

/** BucketSpan: offset 1 (sint32), length 2 (uint32). */
function readSpan(r: ProtoReader): SpanMessage {
  const outer = r.enter();
  const s = { offset: 0, length: 0 };
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 0x08) s.offset = r.sint32();
    else if (tag === 0x10) s.length = r.uint32();
    else r.skip(tag);
  }
  r.leave(outer);
  return s;
}
