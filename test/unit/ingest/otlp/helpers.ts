import { formatSeries } from '../../../../lib/model/labels.ts';
import type { TimeSeries } from '../../../../lib/model/types.ts';
import { ExportMetricsServiceRequest } from '../../../helpers/otlp-proto.ts';

export const NOW = 1_800_000_000_000;
/** 2023-11-14T22:13:20.123456789Z in nanoseconds, as OTLP/JSON writes it. */
export const T_NANOS = '1700000000123456789';
export const T_MS = 1_700_000_000_123;

/** An OTLP/JSON request object with one resource and one scope. */
export function request(metrics: unknown[], resourceAttrs: Record<string, string> = { 'service.name': 'svc' }): unknown {
  return {
    resourceMetrics: [
      {
        resource: { attributes: attrs(resourceAttrs) },
        scopeMetrics: [{ scope: { name: 'lib', version: '1' }, metrics }],
      },
    ],
  };
}

export function attrs(o: Record<string, string>): unknown[] {
  return Object.entries(o).map(([key, v]) => ({ key, value: { stringValue: v } }));
}

export function jsonBody(o: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(o));
}

/**
 * The same request as protobuf, through the descriptor (fromObject accepts the OTLP/JSON spelling, except
 * for trace and span ids: OTLP/JSON writes them as hex, fromObject reads strings as base64).
 */
export function protobufBody(o: unknown): Uint8Array {
  return ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(hexIdsToBytes(o) as Record<string, unknown>)).finish();
}

function hexIdsToBytes(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(hexIdsToBytes);
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = (k === 'traceId' || k === 'spanId') && typeof x === 'string' ? Buffer.from(x, 'hex') : hexIdsToBytes(x);
  return out;
}

/** `name{labels} H(count=..,sum=..,schema=..,zero=count/threshold,+[spans]:[deltas],-[spans]:[deltas])@ts` per native histogram, sorted. */
export function renderHistograms(series: readonly TimeSeries[]): string[] {
  const out: string[] = [];
  const side = (spans: { offset: number; length: number }[], b: number[]): string => `[${spans.map((s) => `${s.offset}:${s.length}`).join(' ')}]:[${b.join(' ')}]`;
  for (const s of series) {
    for (const h of s.histograms ?? []) {
      const st = h.startTimestamp ? ` st=${h.startTimestamp}` : '';
      const body = h.stale
        ? 'STALE'
        : `H(count=${h.count},sum=${h.sum},schema=${h.schema},zero=${h.zeroCount}/${h.zeroThreshold},reset=${h.resetHint},+${side(h.positiveSpans, h.positiveBuckets)},-${side(h.negativeSpans, h.negativeBuckets)})`;
      out.push(`${formatSeries(s.labels)} ${body}@${h.timestamp}${st}`);
    }
  }
  return out.sort();
}

/** `series exemplar{labels} value@ts` per exemplar, sorted. */
export function renderExemplars(series: readonly TimeSeries[]): string[] {
  const out: string[] = [];
  for (const s of series) {
    for (const e of s.exemplars ?? []) out.push(`${formatSeries(s.labels)} ${formatSeries(e.labels)} ${e.value}@${e.timestamp}`);
  }
  return out.sort();
}

/** `name{labels} value@ts` lines, sorted: compact and order-independent. */
export function render(series: readonly TimeSeries[]): string[] {
  const out: string[] = [];
  for (const s of series) {
    for (const p of s.samples) out.push(`${formatSeries(s.labels)} ${p.stale ? 'STALE' : String(p.value)}@${p.timestamp}`);
  }
  return out.sort();
}
