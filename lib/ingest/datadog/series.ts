import type { Sample } from '../../model/types.ts';
import type { DatadogSeriesIdentity } from './labels.ts';

/** A DataDog series with its points already in milliseconds, from any of the three body kinds. */
export interface DatadogSeries extends DatadogSeriesIdentity {
  /** 0-based position in the request's `series` array (error messages name it). */
  index: number;
  points: Sample[];
}

/** Largest |milliseconds| a JavaScript Date accepts; beyond it a timestamp is certainly garbage. */
const MAX_ABS_MILLIS = 8.64e15;

/** Seconds (v1: float, v2: integer) -> milliseconds; missing or <= 0 means now, as in VictoriaMetrics. */
export function datadogMillis(seconds: number | null | undefined, now: number): number | undefined {
  if (seconds === undefined || seconds === null || seconds <= 0) return now;
  const ms = Math.trunc(seconds * 1000);
  return Number.isFinite(ms) && ms <= MAX_ABS_MILLIS ? ms : undefined;
}
