/**
 * `POST /api/v1/import`: VictoriaMetrics JSON lines. 204 on success; bad lines follow the import routes'
 * partial-write rule (line-report.ts): 204 with a count when some lines were accepted, else 400.
 */
import { DEFAULT_LIMITS } from '../../config/schema.ts';
import type { IngestRequest, ProtocolRoute, RouteOutcome } from '../types.ts';
import { NO_CONTENT, partialLinesResponse } from './line-report.ts';
import { parseJsonLines } from './parse.ts';

export const JSONLINE_PROTOCOL = 'jsonline';

/** The routes with lines longer than `maxLineLength` characters rejected (ingest.max_line_length). */
export function jsonlineRoutes(maxLineLength: number): ProtocolRoute[] {
  return [
    {
      protocol: JSONLINE_PROTOCOL,
      paths: ['/api/v1/import'],
      methods: ['POST'],
      handle(req: IngestRequest): RouteOutcome {
        const { series, errors, errorCount } = parseJsonLines(req.body, { maxLineLength });
        return {
          kind: 'series',
          series,
          errors,
          ...(errorCount !== undefined ? { errorCount } : {}),
          success: NO_CONTENT,
          partial: (errs, total) => partialLinesResponse(JSONLINE_PROTOCOL, errs, series.length > 0, 'line', total),
        };
      },
    },
  ];
}

export const routes: ProtocolRoute[] = jsonlineRoutes(DEFAULT_LIMITS.maxLineLength);
