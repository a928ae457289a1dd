import { FloatBatch } from '../model/batch.ts';

/**
 * FloatBatches for reuse across requests. A batch's arena and arrays are megabytes for a large body, held
 * outside the V8 heap: allocating them afresh for every request is external memory that makes the GC run
 * (scavenges "for external memory pressure", measured on the Influx push path). A route takes a batch with
 * `takeBatch` (reset, as a new one) and the pipeline gives it back with `returnBatch` once nothing reads it any
 * more (its messages packed, the answer built). A batch never given back (an error, the object path) is
 * simply garbage. Batches grown past KEEP_BYTES are not kept: one huge request does not pin its size.
 */
const pool: FloatBatch[] = [];
export const KEEP = 4;
export const KEEP_BYTES = 16 << 20;

/** A batch as FloatBatch.forBody(chars, charsPerSample) makes it: from the pool when one is there (its sizes as they grew). */
export function takeBatch(chars: number, charsPerSample: number): FloatBatch {
  const b = pool.pop();
  if (b === undefined) return FloatBatch.forBody(chars, charsPerSample);
  resetBatch(b);
  return b;
}

/** Gives a batch back for a later takeBatch; the caller reads nothing of it afterwards. */
export function returnBatch(b: FloatBatch): void {
  if (pool.length >= KEEP || pool.includes(b)) return;
  if (batchBytes(b) > KEEP_BYTES) return;
  pool.push(b);
}

/** The storage a kept batch pins: its arena and typed arrays (36 bytes per entry, 16 per label set). */
export function batchBytes(b: FloatBatch): number {
  return b.buf.length + b.entrySet.length * 36 + b.setStart.length * 16;
}

/** Makes b empty, with the facts of a new FloatBatch (test/unit/ingest/batch-pool.test.ts compares the two). */
export function resetBatch(b: FloatBatch): void {
  b.used = 0;
  b.sets = 0;
  b.length = 0;
  b.canonical = true;
  b.distinct = false;
  b.framed = false;
  b.maxLabels = 0;
  b.maxNameLength = 0;
  b.maxValueLength = 0;
}
