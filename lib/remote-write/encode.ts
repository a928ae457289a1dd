import type { Exemplar, Histogram, Label, MetricMetadata, Sample, TimeSeries, WriteRequest } from '../model/types.ts';
import { METRIC_TYPES } from './metric-type.ts';
import { SHORT_STRING, histogramSize, int64Size, isPositiveZero, metadataSize, sampleSize, sampleSizeWithStart, sint64sBytes, spanSize, utf8Length, varintSize, zigzag, zigzag32 } from './proto-size.ts';

/**
 * Encodes a prometheus.WriteRequest (remote_write 1.0) in one pass over a buffer sized exactly by a first
 * pass. The wire bytes are what protobufjs (and Go's gogo-protobuf) produce for the same message: proto3
 * zero values are omitted, fields in number order, a histogram's `count` and `zero_count` oneofs always
 * written (as Go writes a set oneof). A staleness marker is written as 0x7ff0000000000002.
 *
 * Start timestamps (Sample field 3, Histogram field 17) are written only when set (samples: only in series
 * `withStartTimestamps`): they are the gateway's queue extension, numbered as in remote_write 2.0; 1.0
 * receivers skip them as unknown fields.
 *
 * Labels are written in the order given: callers sort them (sortLabels) before encoding.
 */
export function encodeWriteRequest(req: WriteRequest): Uint8Array {
  return encodeParts(req.timeseries, req.metadata);
}

export function encodeTimeSeries(series: readonly TimeSeries[], metadata: readonly MetricMetadata[] = []): Uint8Array {
  return encodeParts(series, metadata);
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

/**
 * The protobuf writer both message versions share. Sizing calls record label string lengths and nested
 * message sizes in order; the writing calls consume them in the same order, so each string is measured once.
 */
export class Encoder {
  buf: Buffer = Buffer.alloc(0);
  pos = 0;
  private readonly f64 = new Float64Array(1);
  private readonly f64b = new Uint8Array(this.f64.buffer);
  /** Byte lengths of label strings and nested message sizes, from the sizing pass, reused when writing. */
  private lens: number[] = [];
  private lensRead = 0;

  seriesSize(s: TimeSeries): number {
    let n = 0;
    for (const l of s.labels) n += this.labelSize(l);
    if (s.withStartTimestamps) {
      for (const smp of s.samples) {
        const body = sampleSizeWithStart(smp);
        n += 1 + varintSize(body) + body;
      }
    } else {
      for (const smp of s.samples) {
        const body = sampleSize(smp);
        n += 1 + varintSize(body) + body;
      }
    }
    if (s.exemplars) {
      for (const e of s.exemplars) {
        // The exemplar's size is read before its labels' lengths when writing: reserve its slot first.
        const slot = this.lens.length;
        this.lens.push(0);
        const body = this.exemplarSize(e);
        this.lens[slot] = body;
        n += 1 + varintSize(body) + body;
      }
    }
    if (s.histograms) {
      for (const h of s.histograms) {
        const body = histogramSize(h);
        n += 1 + varintSize(body) + body;
      }
    }
    return n;
  }

  private labelSize(l: Label): number {
    const nl = utf8Length(l.name);
    const vl = utf8Length(l.value);
    this.lens.push(nl, vl);
    const body = 1 + varintSize(nl) + nl + 1 + varintSize(vl) + vl;
    return 1 + varintSize(body) + body;
  }

  private exemplarSize(e: Exemplar): number {
    let n = 0;
    for (const l of e.labels) n += this.labelSize(l);
    if (!isPositiveZero(e.value)) n += 9;
    if (e.timestamp !== 0) n += 1 + int64Size(e.timestamp);
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

  double(v: number): void {
    this.f64[0] = v;
    this.buf.set(this.f64b, this.pos);
    this.pos += 8;
  }

  private staleNaN(): void {
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
  }

  series(s: TimeSeries): void {
    for (const l of s.labels) this.label(0x0a, l);
    if (s.withStartTimestamps) for (const smp of s.samples) this.sampleWithStart(0x12, smp);
    else for (const smp of s.samples) this.sample(0x12, smp);
    if (s.exemplars) this.exemplarsV1(s.exemplars);
    if (s.histograms) this.histograms(s.histograms);
  }

  private label(tag: number, l: Label): void {
    const nl = this.lens[this.lensRead++]!;
    const vl = this.lens[this.lensRead++]!;
    this.byte(tag);
    this.varint(1 + varintSize(nl) + nl + 1 + varintSize(vl) + vl);
    this.byte(0x0a);
    this.varint(nl);
    this.text(l.name, nl);
    this.byte(0x12);
    this.varint(vl);
    this.text(l.value, vl);
  }

  /** Writes `s` of `bytes` UTF-8 bytes: short ASCII strings byte by byte (cheaper than a Buffer.write call). */
  private text(s: string, bytes: number): void {
    if (bytes === s.length && bytes <= SHORT_STRING) {
      const buf = this.buf;
      let p = this.pos;
      for (let k = 0; k < bytes; k++) buf[p++] = s.charCodeAt(k);
      this.pos = p;
    } else {
      this.pos += this.buf.write(s, this.pos, bytes, 'utf8');
    }
  }

  /** A Sample entry under `tag` (1.0 TimeSeries.samples 0x12; 2.0 the same), without its start timestamp. */
  sample(tag: number, s: Sample): void {
    this.byte(tag);
    this.varint(sampleSize(s));
    if (s.stale) {
      this.byte(0x09);
      this.staleNaN();
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

  /** A Sample entry with its start timestamp (field 3) when it has one (series `withStartTimestamps`). */
  sampleWithStart(tag: number, s: Sample): void {
    this.byte(tag);
    this.varint(sampleSizeWithStart(s));
    if (s.stale) {
      this.byte(0x09);
      this.staleNaN();
    } else if (!isPositiveZero(s.value)) {
      this.byte(0x09);
      this.double(s.value);
    }
    if (s.timestamp !== 0) {
      this.byte(0x10);
      this.int64(s.timestamp);
    }
    if (s.startTimestamp) {
      this.byte(0x18);
      this.int64(s.startTimestamp);
    }
  }

  private exemplarsV1(es: readonly Exemplar[]): void {
    for (const e of es) this.exemplarV1(e);
  }

  private histograms(hs: readonly Histogram[]): void {
    for (const h of hs) this.histogram(0x22, h);
  }

  private exemplarV1(e: Exemplar): void {
    this.byte(0x1a);
    this.varint(this.lens[this.lensRead++]!);
    for (const l of e.labels) this.label(0x0a, l);
    this.exemplarTail(e);
  }

  /** Exemplar fields 2 (value) and 3 (timestamp), the same in 1.0 and 2.0. */
  exemplarTail(e: Exemplar): void {
    if (!isPositiveZero(e.value)) {
      this.byte(0x11);
      this.double(e.value);
    }
    if (e.timestamp !== 0) {
      this.byte(0x18);
      this.int64(e.timestamp);
    }
  }

  /** A Histogram entry under `tag` (1.0 TimeSeries.histograms 0x22; 2.0 0x1a). */
  histogram(tag: number, h: Histogram): void {
    this.byte(tag);
    this.varint(histogramSize(h));
    if (h.float) {
      this.byte(0x11);
      this.double(h.count);
    } else {
      this.byte(0x08);
      this.varint(h.count);
    }
    if (h.stale) {
      this.byte(0x19);
      this.staleNaN();
    } else if (!isPositiveZero(h.sum)) {
      this.byte(0x19);
      this.double(h.sum);
    }
    if (h.schema !== 0) {
      this.byte(0x20);
      this.varint(zigzag32(h.schema));
    }
    if (!isPositiveZero(h.zeroThreshold)) {
      this.byte(0x29);
      this.double(h.zeroThreshold);
    }
    if (h.float) {
      this.byte(0x39);
      this.double(h.zeroCount);
    } else {
      this.byte(0x30);
      this.varint(h.zeroCount);
    }
    this.spans(0x42, h.negativeSpans);
    this.buckets(h.float ? 0x52 : 0x4a, h.float, h.negativeBuckets);
    this.spans(0x5a, h.positiveSpans);
    this.buckets(h.float ? 0x6a : 0x62, h.float, h.positiveBuckets);
    if (h.resetHint !== 0) {
      this.byte(0x70);
      this.byte(h.resetHint);
    }
    if (h.timestamp !== 0) {
      this.byte(0x78);
      this.int64(h.timestamp);
    }
    if (h.customValues.length) {
      this.byte(0x82);
      this.byte(0x01);
      this.varint(8 * h.customValues.length);
      for (const v of h.customValues) this.double(v);
    }
    if (h.startTimestamp) {
      this.byte(0x88);
      this.byte(0x01);
      this.int64(h.startTimestamp);
    }
  }

  private spans(tag: number, spans: Histogram['positiveSpans']): void {
    for (const sp of spans) {
      this.byte(tag);
      this.varint(spanSize(sp.offset, sp.length));
      if (sp.offset !== 0) {
        this.byte(0x08);
        this.varint(zigzag32(sp.offset));
      }
      if (sp.length !== 0) {
        this.byte(0x10);
        this.varint(sp.length);
      }
    }
  }

  private buckets(tag: number, float: boolean, v: readonly number[]): void {
    if (!v.length) return;
    this.byte(tag);
    if (float) {
      this.varint(8 * v.length);
      for (const x of v) this.double(x);
    } else {
      this.varint(sint64sBytes(v));
      for (const x of v) this.varint(zigzag(x));
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

  str(tag: number, s: string): void {
    const len = Buffer.byteLength(s, 'utf8');
    this.byte(tag);
    this.varint(len);
    this.pos += this.buf.write(s, this.pos, len, 'utf8');
  }
}
