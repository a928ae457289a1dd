/**
 * The partial-write convention of the VictoriaMetrics-family import routes (jsonline, csv, graphite,
 * prometheus text import), one rule for all of them:
 *   - some lines bad, some accepted: the good lines are queued and the answer is VictoriaMetrics' own 204,
 *     with `x-gateway-rejected-lines: <n>`; the bad lines are counted (gateway_ingest_rejected_lines_total)
 *     and logged. vmctl and other importers treat anything but 204 as a failure and retry the whole batch,
 *     which would queue the good lines twice; a 204 cannot be retried into duplicates.
 *   - every line bad (nothing accepted): 400 naming the protocol, the first MAX_LISTED_LINE_ERRORS lines and
 *     their reasons, then `... and M more` (common/line-errors.ts), so a client sending the wrong format
 *     learns it; nothing was queued, so a retry duplicates nothing.
 */
import type { LineError, RouteResponse } from '../types.ts';
import { describeLineErrors, formatLineError, MAX_LISTED_LINE_ERRORS } from '../common/line-errors.ts';

export { formatLineError };
export const MAX_LISTED_ERRORS = MAX_LISTED_LINE_ERRORS;

/** Response header naming how many bad lines a partially accepted body had. */
export const REJECTED_LINES_HEADER = 'x-gateway-rejected-lines';

/**
 * The answer for a body with bad lines: 204 with the count when something was accepted, else 400 listing the
 * first ones. `total` counts every bad line (`errors` may hold only the first MAX_LISTED_LINE_ERRORS).
 */
export function partialLinesResponse(protocol: string, errors: readonly LineError[], accepted: boolean, unit = 'line', total = errors.length): RouteResponse {
  if (accepted) return { status: 204, headers: { [REJECTED_LINES_HEADER]: String(Math.max(total, errors.length)) } };
  return {
    status: 400,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: describeLineErrors(protocol, errors, 'nothing was accepted', unit, total) + '\n',
  };
}

export const NO_CONTENT: RouteResponse = { status: 204 };
