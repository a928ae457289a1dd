import protobuf from 'protobufjs/minimal.js';
import { BadRequestError } from '../errors.ts';
import type { Label, MetricMetadata, Sample, TimeSeries, WriteRequest } from '../model/types.ts';
import { METRIC_TYPES } from './metric-type.ts';

export interface DecodedWriteRequest extends WriteRequest {
  /** Exemplars and native histograms are not carried by this gateway: they are counted here and dropped. */
  droppedExemplars: number;
  droppedHistograms: number;
}

const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);

/**
 * Decodes a prometheus.WriteRequest (remote_write 1.0). Throws BadRequestError naming the byte offset
 * when the bytes are not a valid message. Reads sample values byte-exact so a staleness marker
 * (0x7ff0000000000002) is recognised before any float normalisation can touch it.
 */
export function decodeWriteRequest(bytes: Uint8Array): DecodedWriteRequest {
  const r = protobuf.Reader.create(bytes);
  const out: DecodedWriteRequest = { timeseries: [], metadata: [], droppedExemplars: 0, droppedHistograms: 0 };
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag) {
        case 0x0a: {
          const end = r.uint32() + r.pos;
          checkEnd(r, end);
          out.timeseries.push(readSeries(r, end, out));
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
    if (err instanceof BadRequestError) throw err;
    throw new BadRequestError(`remote_write: cannot decode protobuf WriteRequest at byte ${r.pos}: ${(err as Error).message}`);
  }
  return out;
}

function checkEnd(r: protobuf.Reader, end: number): void {
  if (end > r.len) throw new BadRequestError(`remote_write: cannot decode protobuf WriteRequest at byte ${r.pos}: length ${end - r.pos} runs past the end of the body`);
}

function skip(r: protobuf.Reader, tag: number): void {
  const wire = tag & 7;
  if (tag >>> 3 === 0 || wire === 3 || wire === 4 || wire > 5) {
    throw new BadRequestError(`remote_write: cannot decode protobuf WriteRequest at byte ${r.pos}: invalid tag ${tag}`);
  }
  if (wire === 2) {
    const n = r.uint32();
    checkEnd(r, r.pos + n);
    r.skip(n);
  } else {
    r.skipType(wire);
  }
}

function readSeries(r: protobuf.Reader, end: number, out: DecodedWriteRequest): TimeSeries {
  const labels: Label[] = [];
  const samples: Sample[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 0x0a) {
      const lend = r.uint32() + r.pos;
      checkEnd(r, lend);
      let name = '';
      let value = '';
      while (r.pos < lend) {
        const t = r.uint32();
        if (t === 0x0a) name = r.string();
        else if (t === 0x12) value = r.string();
        else skip(r, t);
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
          if (p + 8 > send) throw new BadRequestError(`remote_write: cannot decode protobuf WriteRequest at byte ${p}: truncated sample value`);
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
        } else skip(r, t);
      }
      samples.push(s);
    } else if (tag === 0x1a) {
      out.droppedExemplars++;
      skip(r, tag);
    } else if (tag === 0x22) {
      out.droppedHistograms++;
      skip(r, tag);
    } else skip(r, tag);
  }
  if (r.pos !== end) throw new BadRequestError(`remote_write: cannot decode protobuf WriteRequest at byte ${r.pos}: field overruns its message`);
  return { labels, samples };
}

function readMetadata(r: protobuf.Reader, end: number): MetricMetadata {
  const m: MetricMetadata = { type: 'UNKNOWN', metricFamilyName: '', help: '', unit: '' };
  while (r.pos < end) {
    const t = r.uint32();
    if (t === 0x08) m.type = METRIC_TYPES[r.uint32()] ?? 'UNKNOWN';
    else if (t === 0x12) m.metricFamilyName = r.string();
    else if (t === 0x22) m.help = r.string();
    else if (t === 0x2a) m.unit = r.string();
    else skip(r, t);
  }
  return m;
}

/** Reads an int64 varint as a JavaScript number (exact up to 2^53; remote_write timestamps are ms). */
function readInt64(r: protobuf.Reader): number {
  const b = r.buf;
  let p = r.pos;
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (p >= r.len) throw new BadRequestError(`remote_write: cannot decode protobuf WriteRequest at byte ${p}: truncated varint`);
    const c = b[p++]!;
    if (i === 9 || (i >= 7 && c >= 0x80)) {
      // Negative (two's complement, 10 bytes) or beyond 2^53: take the slow exact path.
      r.pos = p - i - 1;
      return readInt64Big(r);
    }
    result += (c & 0x7f) * mul;
    if (c < 0x80) {
      r.pos = p;
      return result;
    }
    mul *= 128;
  }
  return result;
}

function readInt64Big(r: protobuf.Reader): number {
  let v = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (r.pos >= r.len) throw new BadRequestError(`remote_write: cannot decode protobuf WriteRequest at byte ${r.pos}: truncated varint`);
    const c = r.buf[r.pos++]!;
    v |= BigInt(c & 0x7f) << shift;
    if (c < 0x80) return Number(BigInt.asIntN(64, v));
    shift += 7n;
  }
  throw new BadRequestError(`remote_write: cannot decode protobuf WriteRequest at byte ${r.pos}: varint longer than 10 bytes`);
}
