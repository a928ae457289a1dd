import type { FloatBatch } from '../../lib/model/batch.ts';

/** Everything a batch holds, as plain values (the arena up to `used`, every array up to its count). */
export function batchState(b: FloatBatch): object {
  return {
    arena: [...b.buf.subarray(0, b.used)],
    sets: [...b.setStart.subarray(0, b.sets)].map((s, k) => [s, b.setSplit[k], b.setEnd[k], b.setLabels[k]]),
    entries: [...b.entrySet.subarray(0, b.length)].map((s, k) => [s, b.nameStart[k], b.nameEnd[k], b.values[k], b.timestamps[k]]),
    facts: [b.canonical, b.distinct, b.maxLabels, b.maxNameLength, b.maxValueLength],
  };
}
