/**
 * Shared response shaping for the VictoriaMetrics-style import routes (jsonline, csv, graphite).
 * VictoriaMetrics answers 204 and only logs bad lines; this gateway accepts the good lines and answers 400
 * naming the bad ones, so a client learns that data was dropped. At most MAX_LISTED_ERRORS are listed.
 */
import type { LineError, RouteResponse } from '../types.ts';

export const MAX_LISTED_ERRORS = 10;

export function formatLineError(protocol: string, e: LineError, unit = 'line'): string {
  return `${protocol}: ${unit} ${e.line}: ${e.reason}: ${e.excerpt}`;
}

export function partialLinesResponse(protocol: string, errors: readonly LineError[], unit = 'line'): RouteResponse {
  const listed = errors.slice(0, MAX_LISTED_ERRORS).map((e) => formatLineError(protocol, e, unit));
  const more = errors.length > MAX_LISTED_ERRORS ? [`... and ${errors.length - MAX_LISTED_ERRORS} more`] : [];
  const head = `${protocol}: ${errors.length} bad ${unit}${errors.length === 1 ? '' : 's'} skipped; the other ${unit}s were accepted`;
  return {
    status: 400,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: [head, ...listed, ...more].join('\n') + '\n',
  };
}

export const NO_CONTENT: RouteResponse = { status: 204 };
