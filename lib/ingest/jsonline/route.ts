/**
 * `POST /api/v1/import`: VictoriaMetrics JSON lines. 204 on success; bad lines follow the import routes'
 * partial-write rule (line-report.ts): 204 with a count when some lines were accepted, else 400.
 */
import { bindRoutes, type ProtocolSetup } from '../protocol.ts';
import type { IngestRequest, ProtocolRoute, RouteOutcome } from '../types.ts';
import { jsonline } from '../protocols.ts';
import { NO_CONTENT, partialLinesResponse } from './line-report.ts';
import { parseJsonLines } from './parse.ts';

const JSONLINE_PROTOCOL = jsonline.name;

/** The routes with lines longer than `maxLineLength` characters rejected (ingest.max_line_length). */
export function jsonlineRoutes(maxLineLength: number): ProtocolRoute[] {
  return bindRoutes(jsonline, {
    import(req: IngestRequest): RouteOutcome {
      const { series, errors, errorCount } = parseJsonLines(req.body, { maxLineLength });
      return {
        kind: 'series',
        series,
        errors,
        ...(errorCount !== undefined ? { errorCount } : {}),
        success: NO_CONTENT,
        partial: ({ errors: errs, errorCount: total }) => partialLinesResponse(JSONLINE_PROTOCOL, errs, series.length > 0, 'line', total),
      };
    },
  });
}

export const createRoutes = ({ limits }: ProtocolSetup): ProtocolRoute[] => jsonlineRoutes(limits.maxLineLength);
