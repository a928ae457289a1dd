import type { TimeSeries } from '../model/types.ts';

/**
 * Splits series into requests of at most maxSamples samples. A series longer than that is cut into
 * consecutive pieces, in timestamp order, so that sending the chunks in order keeps per-series order.
 */
export function chunkBySamples(series: readonly TimeSeries[], maxSamples: number): TimeSeries[][] {
  const chunks: TimeSeries[][] = [];
  let cur: TimeSeries[] = [];
  let n = 0;
  for (const s of series) {
    let offset = 0;
    while (offset < s.samples.length) {
      const room = maxSamples - n;
      const take = Math.min(room, s.samples.length - offset);
      const piece = offset === 0 && take === s.samples.length ? s : { labels: s.labels, samples: s.samples.slice(offset, offset + take) };
      cur.push(piece);
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
