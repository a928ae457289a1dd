/**
 * `POST /api/v1/import`: VictoriaMetrics JSON lines. 204 on success; bad lines are skipped and reported
 * with a 400 after the good ones are queued (see line-report.ts).
 */
import type { IngestRequest, ProtocolRoute, RouteOutcome } from '../types.ts';
import { NO_CONTENT, partialLinesResponse } from './line-report.ts';
import { parseJsonLines } from './parse.ts';

export const JSONLINE_PROTOCOL = 'jsonline';

export const routes: ProtocolRoute[] = [
  {
    protocol: JSONLINE_PROTOCOL,
    paths: ['/api/v1/import'],
    methods: ['POST'],
    handle(req: IngestRequest): RouteOutcome {
      const { series, errors } = parseJsonLines(req.body);
      return {
        kind: 'series',
        series,
        errors,
        success: NO_CONTENT,
        partial: (errs) => partialLinesResponse(JSONLINE_PROTOCOL, errs),
      };
    },
  },
];
