import type { BinReader, BinWriter } from '../binary.ts';

/** What a pushed sample comes with besides its value and timestamp. */
export interface PushContext {
  /** The caller's clock, milliseconds (vmagent: time of the push or of the dedup flush). */
  nowMs: number;
  /** nowMs truncated to whole seconds, times 1000: vmagent compares per-series staleness with fasttime (1s resolution). */
  nowSecMs: number;
  /** When this series is forgotten if no sample arrives: nowMs (or the dedup flush time) + staleness_interval. */
  deleteDeadline: number;
}

/** Emits one output series for the group being flushed: `<name><suffix><outputSuffix>`, plus an optional extra label. */
export type Emit = (outputSuffix: string, value: number, extraName?: string, extraValue?: string) => void;

/** The state of one output for one aggregation group (one output series, or several for histogram_bucket and quantiles). */
export interface OutputState {
  push(value: number, timestamp: number, inputKey: string, ctx: PushContext): void;
  /** Emits the closed interval's value(s) and resets what the output resets at a flush. */
  flush(emit: Emit, flushTimestamp: number, isLast: boolean): void;
  /** Serializes the state exactly (read back by the family's read()). */
  write(w: BinWriter): void;
}

export interface OutputFamily {
  create(): OutputState;
  read(r: BinReader): OutputState;
}
