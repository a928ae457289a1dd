import { ProtoReader } from '../codec/proto/reader.ts';
import { BadRequestError } from '../errors.ts';
import type { Exemplar, Histogram, Label, MetricMetadata, Sample, TimeSeries } from '../model/types.ts';
import { METRIC_NAME_LABEL } from '../model/labels.ts';
import { asDecodeError, readHistogram, readSample } from './decode.ts';
import { checkEnd, readInt64, readText, skip } from './proto-read.ts';
import { METRIC_TYPES } from './metric-type.ts';
import { V2_MESSAGE } from './v2.ts';

/** A series of a 2.0 request that cannot be taken, by its 1-based position in the request. */
export interface V2SeriesProblem {
  series: number;
  reason: string;
}

export interface DecodedV2Request {
  timeseries: TimeSeries[];
  /** Per-series metadata as 1.0 metadata: one entry per metric name (the first one seen wins). */
  metadata: MetricMetadata[];
  /** Series left out (bad symbol references, no sample or histogram), as Prometheus 3's receiver leaves them out. */
  invalid: V2SeriesProblem[];
}

/**
 * Decodes an io.prometheus.write.v2.Request into the gateway's series. Labels and exemplar labels are
 * resolved through the symbols table (each symbol string is decoded once and shared). A series' metadata
 * (type, help, unit) becomes a 1.0 MetricMetadata named after the series' `__name__`; the older per-series
 * `created_timestamp` (field 6) becomes the start timestamp of its samples and histograms that carry none.
 *
 * Whole-body problems (not protobuf) throw BadRequestError; a series that breaks the 2.0 rules is reported
 * in `invalid` and left out, and the rest is kept (Prometheus 3 writes the rest and answers 400).
 */
export function decodeV2Request(bytes: Uint8Array): DecodedV2Request {
  const r = new ProtoReader(bytes);
  const symbols: string[] = [];
  const ranges: number[] = [];
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 0x22) symbols.push(readText(r));
      else if (tag === 0x2a) {
        const end = r.uint32() + r.pos;
        checkEnd(r, end);
        ranges.push(r.pos, end);
        r.pos = end;
      } else skip(r, tag);
    }
  } catch (err) {
    throw asDecodeError(err, r, V2_MESSAGE);
  }
  const out: DecodedV2Request = { timeseries: [], metadata: [], invalid: [] };
  const metaSeen = new Set<string>();
  for (let i = 0; i < ranges.length; i += 2) {
    r.pos = ranges[i]!;
    let res: V2Series;
    try {
      res = readV2Series(r, ranges[i + 1]!, symbols);
    } catch (err) {
      if (err instanceof SeriesProblem) {
        out.invalid.push({ series: i / 2 + 1, reason: err.message });
        continue;
      }
      throw asDecodeError(err, r, V2_MESSAGE);
    }
    const s = res.series;
    if (res.exemplarProblem) out.invalid.push({ series: i / 2 + 1, reason: res.exemplarProblem });
    if (s.samples.length === 0 && !s.histograms?.length) {
      // Prometheus 3 (since 3.7) refuses a series without samples or histograms, exemplars alone included.
      out.invalid.push({ series: i / 2 + 1, reason: 'series must contain at least one sample or histogram' });
      continue;
    }
    out.timeseries.push(s);
    if (res.meta) {
      const name = s.labels.find((l) => l.name === METRIC_NAME_LABEL)?.value ?? '';
      if (name && !metaSeen.has(name)) {
        metaSeen.add(name);
        out.metadata.push({ ...res.meta, metricFamilyName: name });
      }
    }
  }
  return out;
}

class SeriesProblem extends Error {}

interface V2Series {
  series: TimeSeries;
  meta?: Omit<MetricMetadata, 'metricFamilyName'>;
  exemplarProblem?: string;
}

function symbol(symbols: readonly string[], ref: number, what: string): string {
  const s = symbols[ref];
  if (s === undefined) throw new SeriesProblem(`${what} reference ${ref} is outside the symbols table (size ${symbols.length})`);
  return s;
}

function readRefs(r: ProtoReader, tag: number, into: number[]): void {
  if (tag & 7) {
    const end = r.uint32() + r.pos;
    checkEnd(r, end);
    while (r.pos < end) into.push(r.uint32());
    if (r.pos !== end) throw new BadRequestError(`remote_write: cannot decode protobuf at byte ${r.pos}: field overruns its message`);
  } else into.push(r.uint32());
}

function refsToLabels(refs: readonly number[], symbols: readonly string[], what: string): Label[] {
  if (refs.length % 2) throw new SeriesProblem(`${what} has an odd number of label references (${refs.length})`);
  const labels: Label[] = new Array(refs.length / 2);
  for (let i = 0; i < refs.length; i += 2) labels[i / 2] = { name: symbol(symbols, refs[i]!, what), value: symbol(symbols, refs[i + 1]!, what) };
  return labels;
}

function readV2Series(r: ProtoReader, end: number, symbols: readonly string[]): V2Series {
  const refs: number[] = [];
  const samples: Sample[] = [];
  let histograms: Histogram[] | undefined;
  let exemplars: Exemplar[] | undefined;
  let meta: V2Series['meta'];
  let created = 0;
  let withStart = false;
  let problem: string | undefined;
  let exemplarProblem: string | undefined;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 0x0a || tag === 0x08) readRefs(r, tag, refs);
    else if (tag === 0x12) {
      const send = r.uint32() + r.pos;
      checkEnd(r, send);
      const sample = readSample(r, send);
      samples.push(sample);
      if (sample.startTimestamp !== undefined) withStart = true;
    } else if (tag === 0x1a) {
      const hend = r.uint32() + r.pos;
      checkEnd(r, hend);
      (histograms ??= []).push(readHistogram(r, hend));
    } else if (tag === 0x22) {
      const eend = r.uint32() + r.pos;
      checkEnd(r, eend);
      try {
        (exemplars ??= []).push(readV2Exemplar(r, eend, symbols));
      } catch (err) {
        // Prometheus 3 leaves out such an exemplar (400) and still writes the series.
        if (!(err instanceof SeriesProblem)) throw err;
        exemplarProblem ??= err.message;
        r.pos = eend;
      }
    } else if (tag === 0x2a) {
      const mend = r.uint32() + r.pos;
      checkEnd(r, mend);
      let type = 0;
      let help = 0;
      let unit = 0;
      while (r.pos < mend) {
        const t = r.uint32();
        if (t === 0x08) type = r.uint32();
        else if (t === 0x18) help = r.uint32();
        else if (t === 0x20) unit = r.uint32();
        else skip(r, t);
      }
      try {
        const m = { type: METRIC_TYPES[type] ?? 'UNKNOWN', help: symbol(symbols, help, 'metadata help'), unit: symbol(symbols, unit, 'metadata unit') };
        if (m.type !== 'UNKNOWN' || m.help || m.unit) meta = m;
      } catch (err) {
        if (!(err instanceof SeriesProblem)) throw err;
        problem ??= err.message;
      }
    } else if (tag === 0x30) created = readInt64(r);
    else skip(r, tag);
  }
  if (r.pos !== end) throw new BadRequestError(`remote_write: cannot decode protobuf at byte ${r.pos}: field overruns its message`);
  const labels = refsToLabels(refs, symbols, 'series');
  if (problem) throw new SeriesProblem(problem);
  if (created) {
    for (const s of samples) if (!s.startTimestamp) s.startTimestamp = created;
    if (samples.length) withStart = true;
    if (histograms) for (const h of histograms) if (!h.startTimestamp) h.startTimestamp = created;
  }
  const series: TimeSeries = { labels, samples };
  if (histograms) series.histograms = histograms;
  if (exemplars?.length) series.exemplars = exemplars;
  if (withStart) series.withStartTimestamps = true;
  const res: V2Series = { series };
  if (meta) res.meta = meta;
  if (exemplarProblem) res.exemplarProblem = exemplarProblem;
  return res;
}

function readV2Exemplar(r: ProtoReader, end: number, symbols: readonly string[]): Exemplar {
  const refs: number[] = [];
  let value = 0;
  let timestamp = 0;
  while (r.pos < end) {
    const t = r.uint32();
    if (t === 0x0a || t === 0x08) readRefs(r, t, refs);
    else if (t === 0x11) {
      if (r.pos + 8 > end) throw new BadRequestError(`remote_write: cannot decode protobuf at byte ${r.pos}: truncated double`);
      value = r.double();
    } else if (t === 0x18) timestamp = readInt64(r);
    else skip(r, t);
  }
  return { labels: refsToLabels(refs, symbols, 'exemplar'), value, timestamp };
}

