import type { Label, MetricMetadata, Sample, TimeSeries, WriteRequest } from '../model/types.ts';
import { METRIC_TYPES } from './metric-type.ts';

/**
 * Encodes a prometheus.WriteRequest (remote_write 1.0) in one pass over a buffer sized exactly by a first
 * pass. The wire bytes are what protobufjs (and Go's gogo-protobuf) produce for the same message: proto3
 * zero values are omitted, fields in number order. A staleness marker is written as 0x7ff0000000000002.
 *
 * Labels are written in the order given: callers sort them (sortLabels) before encoding.
 */
export function encodeWriteRequest(req: WriteRequest): Uint8Array {
  return encodeParts(req.timeseries, req.metadata);
}

export function encodeTimeSeries(series: readonly TimeSeries[]): Uint8Array {
  return encodeParts(series, []);
}

function encodeParts(series: readonly TimeSeries[], metadata: readonly MetricMetadata[]): Uint8Array {
  const enc = new Encoder();
  let total = 0;
  const seriesSizes = new Array<number>(series.length);
  for (let i = 0; i < series.length; i++) {
    const n = enc.seriesSize(series[i]!);
    seriesSizes[i] = n;
    total += 1 + varintSize(n) + n;
  }
  const metaSizes = new Array<number>(metadata.length);
  for (let i = 0; i < metadata.length; i++) {
    const n = metadataSize(metadata[i]!);
    metaSizes[i] = n;
    total += 1 + varintSize(n) + n;
  }
  enc.start(total);
  for (let i = 0; i < series.length; i++) {
    enc.byte(0x0a);
    enc.varint(seriesSizes[i]!);
    enc.series(series[i]!);
  }
  for (let i = 0; i < metadata.length; i++) {
    enc.byte(0x1a);
    enc.varint(metaSizes[i]!);
    enc.metadata(metadata[i]!);
  }
  return enc.finish();
}

/** Encoded size of one TimeSeries entry inside a WriteRequest (tag, length and body). */
export function encodedSeriesSize(s: TimeSeries): number {
  const n = new Encoder().seriesSize(s);
  return 1 + varintSize(n) + n;
}

const SAMPLE_MAX = 1 + 8 + 1 + 10;

function sampleSize(s: Sample): number {
  let n = 0;
  if (s.stale || !isPositiveZero(s.value)) n += 9;
  if (s.timestamp !== 0) n += 1 + int64Size(s.timestamp);
  return n;
}

function isPositiveZero(v: number): boolean {
  return v === 0 && 1 / v > 0;
}

function metadataSize(m: MetricMetadata): number {
  let n = 0;
  const t = METRIC_TYPES.indexOf(m.type);
  if (t > 0) n += 1 + varintSize(t);
  if (m.metricFamilyName) n += strField(m.metricFamilyName);
  if (m.help) n += strField(m.help);
  if (m.unit) n += strField(m.unit);
  return n;
}

function strField(s: string): number {
  const len = Buffer.byteLength(s, 'utf8');
  return 1 + varintSize(len) + len;
}

export function varintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  let size = 4;
  let v = Math.floor(n / 0x10000000);
  while (v > 0) {
    size++;
    v = Math.floor(v / 128);
  }
  return size;
}

function int64Size(n: number): number {
  return n < 0 ? 10 : varintSize(n);
}

class Encoder {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private readonly f64 = new Float64Array(1);
  private readonly f64b = new Uint8Array(this.f64.buffer);
  /** Byte lengths of label strings, computed in the sizing pass and reused in the writing pass. */
  private lens: number[] = [];
  private lensRead = 0;

  seriesSize(s: TimeSeries): number {
    let n = 0;
    for (const l of s.labels) {
      const nl = Buffer.byteLength(l.name, 'utf8');
      const vl = Buffer.byteLength(l.value, 'utf8');
      this.lens.push(nl, vl);
      const body = 1 + varintSize(nl) + nl + 1 + varintSize(vl) + vl;
      n += 1 + varintSize(body) + body;
    }
    for (const smp of s.samples) {
      const body = sampleSize(smp);
      n += 1 + varintSize(body) + body;
    }
    return n;
  }

  start(size: number): void {
    this.buf = Buffer.allocUnsafe(size);
    this.pos = 0;
    this.lensRead = 0;
  }

  finish(): Uint8Array {
    if (this.pos !== this.buf.length) throw new Error(`encoder size mismatch: ${this.pos} != ${this.buf.length}`);
    return this.buf;
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  varint(n: number): void {
    const buf = this.buf;
    while (n >= 0x80) {
      buf[this.pos++] = (n & 0x7f) | 0x80;
      n = n >= 0x80000000 ? Math.floor(n / 128) : n >>> 7;
    }
    buf[this.pos++] = n;
  }

  int64(n: number): void {
    if (n >= 0) return this.varint(n);
    let v = BigInt.asUintN(64, BigInt(n));
    for (let i = 0; i < 9; i++) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  series(s: TimeSeries): void {
    for (const l of s.labels) this.label(l);
    for (const smp of s.samples) this.sample(smp);
  }

  private label(l: Label): void {
    const nl = this.lens[this.lensRead++]!;
    const vl = this.lens[this.lensRead++]!;
    this.byte(0x0a);
    this.varint(1 + varintSize(nl) + nl + 1 + varintSize(vl) + vl);
    this.byte(0x0a);
    this.varint(nl);
    this.pos += this.buf.write(l.name, this.pos, nl, "utf8");
    this.byte(0x12);
    this.varint(vl);
    this.pos += this.buf.write(l.value, this.pos, vl, "utf8");
  }

  private sample(s: Sample): void {
    this.byte(0x12);
    this.varint(sampleSize(s));
    if (s.stale) {
      this.byte(0x09);
      // Prometheus value.StaleNaN: 0x7ff0000000000002, little-endian.
      const b = this.buf;
      const p = this.pos;
      b[p] = 0x02;
      b[p + 1] = 0;
      b[p + 2] = 0;
      b[p + 3] = 0;
      b[p + 4] = 0;
      b[p + 5] = 0;
      b[p + 6] = 0xf0;
      b[p + 7] = 0x7f;
      this.pos += 8;
    } else if (!isPositiveZero(s.value)) {
      this.byte(0x09);
      this.f64[0] = s.value;
      this.buf.set(this.f64b, this.pos);
      this.pos += 8;
    }
    if (s.timestamp !== 0) {
      this.byte(0x10);
      this.int64(s.timestamp);
    }
  }

  metadata(m: MetricMetadata): void {
    const t = METRIC_TYPES.indexOf(m.type);
    if (t > 0) {
      this.byte(0x08);
      this.varint(t);
    }
    if (m.metricFamilyName) this.str(0x12, m.metricFamilyName);
    if (m.help) this.str(0x22, m.help);
    if (m.unit) this.str(0x2a, m.unit);
  }

  private str(tag: number, s: string): void {
    const len = Buffer.byteLength(s, 'utf8');
    this.byte(tag);
    this.varint(len);
    this.pos += this.buf.write(s, this.pos, len, "utf8");
  }
}

export const MAX_SAMPLE_ENTRY_BYTES = 1 + 1 + SAMPLE_MAX;
