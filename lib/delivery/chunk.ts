import { withSamplesOf, type TimeSeries } from '../model/types.ts';

/**
 * Splits series into requests of at most maxSamples points, a point being a float sample or a native
 * histogram sample (Prometheus counts both toward max_samples_per_send). A series longer than that is cut
 * into consecutive pieces, samples first then histograms, each in timestamp order, so that sending the
 * chunks in order keeps per-series order; its exemplars travel with its first piece. A series with no
 * points (exemplars only) is kept whole in the current chunk.
 */
export function chunkBySamples(series: readonly TimeSeries[], maxSamples: number): TimeSeries[][] {
  const chunks: TimeSeries[][] = [];
  let cur: TimeSeries[] = [];
  let n = 0;
  for (const s of series) {
    const nh = s.histograms?.length ?? 0;
    const total = s.samples.length + nh;
    if (total === 0) {
      if (s.exemplars?.length) cur.push(s);
      continue;
    }
    let offset = 0;
    while (offset < total) {
      const room = maxSamples - n;
      const take = Math.min(room, total - offset);
      if (offset === 0 && take === total) cur.push(s);
      else cur.push(piece(s, offset, offset + take));
      n += take;
      offset += take;
      if (n >= maxSamples) {
        chunks.push(cur);
        cur = [];
        n = 0;
      }
    }
  }
  if (cur.length) chunks.push(cur);
  return chunks;
}

/** Points [from, to) of a series: samples are points 0..samples.length-1, histograms the ones after. */
function piece(s: TimeSeries, from: number, to: number): TimeSeries {
  const ns = s.samples.length;
  const p = withSamplesOf(s, s.labels, from < ns ? s.samples.slice(from, Math.min(to, ns)) : []);
  if (s.histograms?.length && to > ns) p.histograms = s.histograms.slice(Math.max(0, from - ns), to - ns);
  if (from === 0 && s.exemplars?.length) p.exemplars = s.exemplars;
  return p;
}
