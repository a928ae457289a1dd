import type { Label, TimeSeries } from './types.ts';
import type { FloatBatch } from './batch.ts';

/**
 * The adapter to the object form: one single-sample TimeSeries per entry, labels in the batch's order (set
 * labels with `__name__` at its place), exactly what the object-building parser would give after its own
 * sort. Every path of the pipeline that is not the batch fast path (relabel rules, extra or external labels,
 * ordered mode, a broken label rule or limit) starts from this.
 */
export function batchToSeries(b: FloatBatch): TimeSeries[] {
  const out: TimeSeries[] = new Array(b.length);
  const setLabels: Label[][] = new Array(b.sets);
  for (let i = 0; i < b.length; i++) {
    const set = b.entrySet[i]!;
    const before = (setLabels[set] ??= readLabels(b.buf, b.setStart[set]!, b.setEnd[set]!));
    const splitAt = countEntries(b.buf, b.setStart[set]!, b.setSplit[set]!);
    const labels = before.slice(0, splitAt);
    labels.push(readLabels(b.buf, b.nameStart[i]!, b.nameEnd[i]!)[0]!);
    for (let k = splitAt; k < before.length; k++) labels.push(before[k]!);
    out[i] = { labels, samples: [{ value: b.values[i]!, timestamp: b.timestamps[i]! }] };
  }
  return out;
}

/**
 * `o` plus `batch`, and `series` (with `distinctLabelSets` when the batch proved it) as batchToSeries(batch),
 * built on first read: a route's outcome that the pipeline can queue without objects, and that everything
 * else (tests, the object path) reads as before.
 */
export function withBatch<T extends object>(batch: FloatBatch, o: T): T & { batch: FloatBatch; series: TimeSeries[]; distinctLabelSets?: boolean } {
  let series: TimeSeries[] | undefined;
  const out = Object.defineProperty({ ...o, batch } as T & { batch: FloatBatch; series: TimeSeries[]; distinctLabelSets?: boolean }, 'series', {
    get: () => (series ??= batchToSeries(batch)),
    enumerable: true,
    configurable: true,
  });
  if (batch.distinct) out.distinctLabelSets = true;
  return out;
}

function readVarint(buf: Uint8Array, p: number): [number, number] {
  let n = 0;
  let shift = 0;
  for (;;) {
    const c = buf[p++]!;
    n += (c & 0x7f) * 2 ** shift;
    if (c < 0x80) return [n, p];
    shift += 7;
  }
}

/** Decodes Label entries from buf[start, end) (as written by writeLabel). */
function readLabels(buf: Buffer, start: number, end: number): Label[] {
  const out: Label[] = [];
  let p = start;
  while (p < end) {
    const [, afterLen] = readVarint(buf, p + 1);
    const [nl, ns] = readVarint(buf, afterLen + 1);
    const name = buf.toString('utf8', ns, ns + nl);
    const [vl, vs] = readVarint(buf, ns + nl + 1);
    out.push({ name, value: buf.toString('utf8', vs, vs + vl) });
    p = vs + vl;
  }
  return out;
}

function countEntries(buf: Buffer, start: number, end: number): number {
  let n = 0;
  let p = start;
  while (p < end) {
    const [len, body] = readVarint(buf, p + 1);
    p = body + len;
    n++;
  }
  return n;
}
