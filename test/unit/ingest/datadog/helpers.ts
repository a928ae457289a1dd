import { formatSeries } from '../../../../lib/model/labels.ts';
import type { TimeSeries } from '../../../../lib/model/types.ts';
import { MetricPayload } from '../../../helpers/datadog-proto.ts';

export const NOW = 1_800_000_000_000;

export function jsonBody(o: unknown): Uint8Array {
  return new TextEncoder().encode(typeof o === 'string' ? o : JSON.stringify(o));
}

/** A MetricPayload in the Agent's protobuf encoding, from the v2 JSON spelling. */
export function protobufBody(o: unknown): Uint8Array {
  const renamed = JSON.parse(JSON.stringify(o).replaceAll('"source_type_name":', '"sourceTypeName":')) as Record<string, unknown>;
  return MetricPayload.encode(MetricPayload.fromObject(renamed)).finish();
}

/** `name{labels} value@ts` lines, sorted. */
export function render(series: readonly TimeSeries[]): string[] {
  const out: string[] = [];
  for (const s of series) for (const p of s.samples) out.push(`${formatSeries(s.labels)} ${p.value}@${p.timestamp}`);
  return out.sort();
}
