import { NO_CONTENT, partialLinesResponse } from '../jsonline/line-report.ts';
import type { LineError, RouteOutcome } from '../types.ts';
import type { TimeSeries } from '../../model/types.ts';

/** What a line-based import parser returns (jsonline, csv, graphite). */
export interface ParsedLines {
  series: TimeSeries[];
  errors: LineError[];
  /** Every bad line; absent means `errors.length`. */
  errorCount?: number;
}

/**
 * The outcome of a line-based import route: 204 when every line was good, else the import routes'
 * partial-write rule (jsonline/line-report.ts): 204 with the count of bad lines when some were accepted,
 * 400 naming `protocol` and the first bad lines when none was.
 */
export function linesOutcome(protocol: string, { series, errors, errorCount }: ParsedLines): RouteOutcome {
  return {
    kind: 'series',
    series,
    errors,
    ...(errorCount !== undefined ? { errorCount } : {}),
    success: NO_CONTENT,
    partial: ({ errors: errs, errorCount: total }) => partialLinesResponse(protocol, errs, series.length > 0, 'line', total),
  };
}
