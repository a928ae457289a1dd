import { ProtoError, ProtoReader } from '../codec/proto/reader.ts';
import { BadRequestError } from '../errors.ts';
import type { Exemplar, Histogram, Label, MetricMetadata, ResetHint, Sample, TimeSeries, WriteRequest } from '../model/types.ts';
import { METRIC_TYPES } from './metric-type.ts';
import { beginLabelStrings, endLabelStrings, labelString } from './label-strings.ts';
import { checkEnd, isStaleBits, overrun, readDouble, readDoubleAt, readInt64, readPackedDouble, readPackedSint64, readSint64, readSpan, readText, readUint64, skip } from './proto-read.ts';

export type DecodedWriteRequest = WriteRequest;

/** The float path's scratch double (a module-local binding: an imported one costs the per-sample loop ~10%). */
const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);

/**
 * Decodes a prometheus.WriteRequest (remote_write 1.0) with its samples, native histograms, exemplars and
 * metadata. Also reads the gateway's queue extension: `start_timestamp` on Sample (field 3) and Histogram
 * (field 17), numbered as in remote_write 2.0 (lib/queue/envelope.ts). Throws BadRequestError naming the
 * byte offset when the bytes are not a valid message. Reads sample values byte-exact so a staleness marker
 * (0x7ff0000000000002) is recognised before any float normalisation can touch it.
 *
 * A series gets `histograms` / `exemplars` properties only when it has some: float-only input decodes to
 * exactly the objects it did before those existed.
 *
 * Read with the shared wire reader (lib/codec/proto/reader.ts); label names and values are interned per
 * request (label-strings.ts: a repeated name or value is one string) and decoded leniently (invalid UTF-8
 * becomes U+FFFD, as Buffer#toString; the label rules downstream decide about such strings).
 */
export function decodeWriteRequest(bytes: Uint8Array): DecodedWriteRequest {
  const r = new ProtoReader(bytes);
  const out: DecodedWriteRequest = { timeseries: [], metadata: [] };
  beginLabelStrings(bytes);
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag) {
        case 0x0a: {
          const end = r.uint32() + r.pos;
          checkEnd(r, end);
          out.timeseries.push(readSeries(r, end));
          break;
        }
        case 0x1a: {
          const end = r.uint32() + r.pos;
          checkEnd(r, end);
          out.metadata.push(readMetadata(r, end));
          break;
        }
        default:
          skip(r, tag);
      }
    }
  } catch (err) {
    throw asDecodeError(err, r, 'WriteRequest');
  } finally {
    endLabelStrings();
  }
  return out;
}

/** Names the message in a decode error (the shared readers say only `cannot decode protobuf at byte N`). */
export function asDecodeError(err: unknown, r: ProtoReader, message: string): BadRequestError {
  if (err instanceof BadRequestError) {
    const prefix = 'remote_write: cannot decode protobuf at ';
    return err.message.startsWith(prefix) ? new BadRequestError(`remote_write: cannot decode protobuf ${message} at ${err.message.slice(prefix.length)}`) : err;
  }
  if (err instanceof ProtoError) return new BadRequestError(`remote_write: cannot decode protobuf ${message} at byte ${err.pos}: ${err.message}`);
  return new BadRequestError(`remote_write: cannot decode protobuf ${message} at byte ${r.pos}: ${(err as Error).message}`);
}

function readSeries(r: ProtoReader, end: number): TimeSeries {
  const labels: Label[] = [];
  const samples: Sample[] = [];
  let histograms: Histogram[] | undefined;
  let exemplars: Exemplar[] | undefined;
  let withStart = false;
  while (r.pos < end) {
    const tag = r.uint32();
    // Labels and samples are read inline (not through readLabel/readSample): this is the float hot path.
    if (tag === 0x0a) {
      const lend = r.uint32() + r.pos;
      checkEnd(r, lend);
      let name = '';
      let value = '';
      while (r.pos < lend) {
        const t = r.uint32();
        if (t === 0x0a || t === 0x12) {
          const n = r.uint32();
          const p = r.pos;
          checkEnd(r, p + n);
          r.pos = p + n;
          if (t === 0x0a) name = labelString(r.buf, p, p + n);
          else value = labelString(r.buf, p, p + n);
        } else skip(r, t);
      }
      labels.push({ name, value });
    } else if (tag === 0x12) {
      const send = r.uint32() + r.pos;
      checkEnd(r, send);
      const s: Sample = { value: 0, timestamp: 0 };
      while (r.pos < send) {
        const t = r.uint32();
        if (t === 0x09) {
          const p = r.pos;
          if (p + 8 > send) throw new BadRequestError(`remote_write: cannot decode protobuf at byte ${p}: truncated sample value`);
          const b = r.buf;
          if (b[p] === 2 && b[p + 1] === 0 && b[p + 2] === 0 && b[p + 3] === 0 && b[p + 4] === 0 && b[p + 5] === 0 && b[p + 6] === 0xf0 && b[p + 7] === 0x7f) {
            s.value = NaN;
            s.stale = true;
          } else {
            for (let i = 0; i < 8; i++) f64b[i] = b[p + i]!;
            s.value = f64[0]!;
            if (s.stale) s.stale = false;
          }
          r.pos = p + 8;
        } else if (t === 0x10) {
          s.timestamp = readInt64(r);
        } else if (t === 0x18) {
          const st = readInt64(r);
          if (st !== 0) {
            s.startTimestamp = st;
            withStart = true;
          }
        } else skip(r, t);
      }
      samples.push(s);
    } else if (tag === 0x1a) {
      const eend = r.uint32() + r.pos;
      checkEnd(r, eend);
      (exemplars ??= []).push(readExemplarV1(r, eend));
    } else if (tag === 0x22) {
      const hend = r.uint32() + r.pos;
      checkEnd(r, hend);
      (histograms ??= []).push(readHistogram(r, hend));
    } else skip(r, tag);
  }
  overrun(r, end);
  const s: TimeSeries = { labels, samples };
  if (histograms) s.histograms = histograms;
  if (exemplars) s.exemplars = exemplars;
  if (withStart) s.withStartTimestamps = true;
  return s;
}

function readLabel(r: ProtoReader, lend: number): Label {
  let name = '';
  let value = '';
  while (r.pos < lend) {
    const t = r.uint32();
    if (t === 0x0a) name = readText(r);
    else if (t === 0x12) value = readText(r);
    else skip(r, t);
  }
  overrun(r, lend);
  return { name, value };
}

/** A Sample body (same layout in 1.0 and 2.0: value 1, timestamp 2, start_timestamp 3). */
export function readSample(r: ProtoReader, send: number): Sample {
  const s: Sample = { value: 0, timestamp: 0 };
  while (r.pos < send) {
    const t = r.uint32();
    if (t === 0x09) {
      const p = r.pos;
      if (p + 8 > send) throw new BadRequestError(`remote_write: cannot decode protobuf at byte ${p}: truncated sample value`);
      if (isStaleBits(r.buf, p)) {
        s.value = NaN;
        s.stale = true;
      } else {
        s.value = readDoubleAt(r.buf, p);
        if (s.stale) s.stale = false;
      }
      r.pos = p + 8;
    } else if (t === 0x10) {
      s.timestamp = readInt64(r);
    } else if (t === 0x18) {
      const st = readInt64(r);
      if (st !== 0) s.startTimestamp = st;
    } else skip(r, t);
  }
  overrun(r, send);
  return s;
}

function readExemplarV1(r: ProtoReader, end: number): Exemplar {
  const e: Exemplar = { labels: [], value: 0, timestamp: 0 };
  while (r.pos < end) {
    const t = r.uint32();
    if (t === 0x0a) {
      const lend = r.uint32() + r.pos;
      checkEnd(r, lend);
      e.labels.push(readLabel(r, lend));
    } else if (t === 0x11) e.value = readDouble(r, end);
    else if (t === 0x18) e.timestamp = readInt64(r);
    else skip(r, t);
  }
  overrun(r, end);
  return e;
}

/**
 * A Histogram body (identical field numbers in 1.0 and 2.0; start_timestamp 17 is 2.0's). Packed and
 * unpacked repeated fields are both accepted, as protobuf requires of a parser. A float histogram whose sum
 * is the staleness marker keeps it bit-exact through `stale`.
 */
export function readHistogram(r: ProtoReader, end: number): Histogram {
  const h: Histogram = {
    timestamp: 0,
    float: false,
    count: 0,
    sum: 0,
    schema: 0,
    zeroThreshold: 0,
    zeroCount: 0,
    negativeSpans: [],
    negativeBuckets: [],
    positiveSpans: [],
    positiveBuckets: [],
    resetHint: 0,
    customValues: [],
  };
  while (r.pos < end) {
    const t = r.uint32();
    switch (t) {
      case 0x08:
        h.count = readUint64(r);
        h.float = false;
        break;
      case 0x11:
        h.count = readDouble(r, end);
        h.float = true;
        break;
      case 0x19: {
        const p = r.pos;
        if (p + 8 <= end && isStaleBits(r.buf, p)) {
          h.stale = true;
          h.sum = NaN;
          r.pos = p + 8;
        } else h.sum = readDouble(r, end);
        break;
      }
      case 0x20:
        h.schema = r.sint32();
        break;
      case 0x29:
        h.zeroThreshold = readDouble(r, end);
        break;
      case 0x30:
        h.zeroCount = readUint64(r);
        break;
      case 0x39:
        h.zeroCount = readDouble(r, end);
        break;
      case 0x42:
        h.negativeSpans.push(readSpan(r));
        break;
      case 0x4a:
        readPackedSint64(r, h.negativeBuckets);
        break;
      case 0x48:
        h.negativeBuckets.push(readSint64(r));
        break;
      case 0x52:
        readPackedDouble(r, h.negativeBuckets);
        break;
      case 0x51:
        h.negativeBuckets.push(readDouble(r, end));
        break;
      case 0x5a:
        h.positiveSpans.push(readSpan(r));
        break;
      case 0x62:
        readPackedSint64(r, h.positiveBuckets);
        break;
      case 0x60:
        h.positiveBuckets.push(readSint64(r));
        break;
      case 0x6a:
        readPackedDouble(r, h.positiveBuckets);
        break;
      case 0x69:
        h.positiveBuckets.push(readDouble(r, end));
        break;
      case 0x70:
        h.resetHint = (r.uint32() & 3) as ResetHint;
        break;
      case 0x78:
        h.timestamp = readInt64(r);
        break;
      case 0x82:
        readPackedDouble(r, h.customValues);
        break;
      case 0x81:
        h.customValues.push(readDouble(r, end));
        break;
      case 0x88: {
        const st = readInt64(r);
        if (st !== 0) h.startTimestamp = st;
        break;
      }
      default:
        skip(r, t);
    }
  }
  overrun(r, end);
  return h;
}

function readMetadata(r: ProtoReader, end: number): MetricMetadata {
  const m: MetricMetadata = { type: 'UNKNOWN', metricFamilyName: '', help: '', unit: '' };
  while (r.pos < end) {
    const t = r.uint32();
    if (t === 0x08) m.type = METRIC_TYPES[r.uint32()] ?? 'UNKNOWN';
    else if (t === 0x12) m.metricFamilyName = readText(r);
    else if (t === 0x22) m.help = readText(r);
    else if (t === 0x2a) m.unit = readText(r);
    else skip(r, t);
  }
  overrun(r, end);
  return m;
}


