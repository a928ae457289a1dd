import type { Label, TimeSeries } from '../../model/types.ts';
import { decodeWriteRequest } from '../../remote-write/decode.ts';
import { encodeTimeSeries } from '../../remote-write/encode.ts';
import { BinReader, BinWriter, SnapshotError } from '../binary.ts';

/**
 * What one aggregation shard keeps between invocations, in one blob at `state/aggregation/<section>/<shard>`:
 *   lastSeq   the queue position of the last input message applied (SQS FIFO SequenceNumber, or the local
 *             queue's position); a message at or before it was applied already and is skipped.
 *   engine    the section machine's snapshot (machine.ts; the AggregationEngine's for stream aggregation;
 *             undefined before the first message).
 *   clock     the latest time the engine was pushed or flushed at. Input is pushed at the later of its
 *             producer's time and this, so input that waited in the queue past a flush counts in the open
 *             interval (and its group is not dropped as stale before it is emitted).
 *   outbox    output series of the last flush (or of an apply, for sections that emit at once) that may not have reached the delivery queue yet; sent again
 *             (the same samples) until a write clears it. outboxId numbers flushes so a clear never removes
 *             a later flush's series.
 * Written only with compare-and-swap (ConditionalBlobStore), so of two writers that read the same version
 * exactly one wins and the other reads again.
 */
export interface ShardState {
  lastSeq: string;
  engine: Uint8Array | undefined;
  clock: number;
  outbox: TimeSeries[];
  outboxId: number;
  /**
   * The outbox was committed by an apply (a section that emits at apply), whose consumer sends it right
   * after the write: a flush leaves it to that consumer for a while (flush.ts), so a cumulative point is not
   * sent a second time behind a newer one. Absent: a flush's outbox, or none.
   */
  outboxFromApply?: boolean;
}

export const EMPTY_SHARD_STATE: ShardState = { lastSeq: '', engine: undefined, clock: 0, outbox: [], outboxId: 0 };

const MAGIC_V1 = 'metrics-gateway/aggregation-shard/v1';
/** v2: the outbox is a remote_write 1.0 WriteRequest (histograms and exemplars too); v1 is still read. */
const MAGIC = 'metrics-gateway/aggregation-shard/v2';

export function encodeShardState(s: ShardState): Uint8Array {
  const w = new BinWriter();
  w.str(MAGIC);
  w.str(s.lastSeq);
  w.f64(s.clock);
  w.bool(s.engine !== undefined);
  if (s.engine !== undefined) w.bytes(s.engine);
  w.uvarint(s.outboxId);
  w.bool(s.outboxFromApply === true);
  w.bytes(encodeTimeSeries(s.outbox));
  return w.finish();
}

/** Throws SnapshotError on bytes that are not a shard state. */
export function decodeShardState(bytes: Uint8Array): ShardState {
  const r = new BinReader(bytes);
  const magic = r.str();
  if (magic !== MAGIC && magic !== MAGIC_V1) throw new SnapshotError('not an aggregation shard state (bad magic)');
  const lastSeq = r.str();
  const clock = r.f64();
  const engine = r.bool() ? r.bytes().slice() : undefined;
  const outboxId = r.uvarint();
  let outbox: TimeSeries[] = [];
  let outboxFromApply = false;
  if (magic === MAGIC) {
    outboxFromApply = r.bool();
    try {
      outbox = decodeWriteRequest(r.bytes()).timeseries;
    } catch (err) {
      throw new SnapshotError(`aggregation shard outbox unreadable: ${err instanceof Error ? err.message : String(err)}`);
    }
  } else for (let n = r.uvarint(); n > 0; n--) {
    const labels: Label[] = [];
    for (let k = r.uvarint(); k > 0; k--) labels.push({ name: r.str(), value: r.str() });
    const samples = [];
    for (let k = r.uvarint(); k > 0; k--) samples.push({ value: r.f64(), timestamp: r.f64() });
    outbox.push({ labels, samples });
  }
  if (!r.atEnd()) throw new SnapshotError('aggregation shard state has trailing bytes');
  return { lastSeq, engine, clock, outbox, outboxId, ...(outboxFromApply ? { outboxFromApply } : {}) };
}

/**
 * Orders queue positions. SQS FIFO sequence numbers are decimal strings (up to 128 bits, growing within a
 * message group) and compare as numbers; other positions (the local queue's) compare as strings. '' is
 * before everything.
 */
export function compareSeq(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return -1;
  if (b === '') return 1;
  if (DIGITS.test(a) && DIGITS.test(b)) {
    const x = a.replace(LEADING_ZEROS, '');
    const y = b.replace(LEADING_ZEROS, '');
    if (x.length !== y.length) return x.length < y.length ? -1 : 1;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : 1;
}

const DIGITS = /^[0-9]+$/;
const LEADING_ZEROS = /^0+(?=.)/;
