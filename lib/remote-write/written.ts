/**
 * remote_write 2.0's written counts: the receiver answers how many samples, histograms and exemplars it
 * stored in these headers. The ingest pipeline sends them (what was queued), delivery reads them from a
 * receiver (a 2xx without them is a 1.0 receiver). The one place their names are spelled.
 */
export interface WrittenCounts {
  samples: number;
  histograms: number;
  exemplars: number;
}

export const WRITTEN_HEADERS: { readonly [K in keyof WrittenCounts]: string } = {
  samples: 'X-Prometheus-Remote-Write-Samples-Written',
  histograms: 'X-Prometheus-Remote-Write-Histograms-Written',
  exemplars: 'X-Prometheus-Remote-Write-Exemplars-Written',
};

const KINDS = Object.keys(WRITTEN_HEADERS) as (keyof WrittenCounts)[];

/** The headers of an answer that stored exactly these counts. */
export function writtenHeaders(k: WrittenCounts): Record<string, string> {
  return Object.fromEntries(KINDS.map((kind) => [WRITTEN_HEADERS[kind], String(k[kind])]));
}

/** The written counts of a 2.0 answer (lower-cased header names), or undefined when any is missing or malformed. */
export function writtenCounts(headers: Record<string, string>): WrittenCounts | undefined {
  const out = {} as WrittenCounts;
  for (const kind of KINDS) {
    const v = headers[WRITTEN_HEADERS[kind].toLowerCase()];
    if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
    out[kind] = Number(v);
  }
  return out;
}
