/**
 * The partial-write convention of the VictoriaMetrics-family import routes (jsonline, csv, graphite,
 * prometheus text import), one rule for all of them:
 *   - some lines bad, some accepted: the good lines are queued and the answer is VictoriaMetrics' own 204,
 *     with `x-gateway-rejected-lines: <n>`; the bad lines are counted (gateway_ingest_rejected_lines_total)
 *     and logged. vmctl and other importers treat anything but 204 as a failure and retry the whole batch,
 *     which would queue the good lines twice; a 204 cannot be retried into duplicates.
 *   - every line bad (nothing accepted): 400 naming the protocol, the first MAX_LISTED_ERRORS lines and their
 *     reasons, so a client sending the wrong format learns it; nothing was queued, so a retry duplicates nothing.
 */
import type { LineError, RouteResponse } from '../types.ts';

export const MAX_LISTED_ERRORS = 10;

/** Response header naming how many bad lines a partially accepted body had. */
export const REJECTED_LINES_HEADER = 'x-gateway-rejected-lines';

export function formatLineError(protocol: string, e: LineError, unit = 'line'): string {
  return `${protocol}: ${unit} ${e.line}: ${e.reason}: ${e.excerpt}`;
}

/** The answer for a body with bad lines: 204 with the count when something was accepted, else 400 listing them. */
export function partialLinesResponse(protocol: string, errors: readonly LineError[], accepted: boolean, unit = 'line'): RouteResponse {
  if (accepted) return { status: 204, headers: { [REJECTED_LINES_HEADER]: String(errors.length) } };
  const listed = errors.slice(0, MAX_LISTED_ERRORS).map((e) => formatLineError(protocol, e, unit));
  const more = errors.length > MAX_LISTED_ERRORS ? [`${protocol}: ... and ${errors.length - MAX_LISTED_ERRORS} more`] : [];
  const head = `${protocol}: ${errors.length} invalid ${unit}${errors.length === 1 ? '' : 's'}; nothing was accepted`;
  return {
    status: 400,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: [head, ...listed, ...more].join('\n') + '\n',
  };
}

export const NO_CONTENT: RouteResponse = { status: 204 };
