/**
 * `POST /api/v1/import/csv?format=...`: VictoriaMetrics CSV import. 204 on success; a bad or missing
 * `format` is a 400 naming the entry; bad lines are skipped and reported with a 400 after the good ones
 * are queued (see jsonline/line-report.ts).
 */
import { NO_CONTENT, partialLinesResponse } from '../jsonline/line-report.ts';
import type { IngestRequest, ProtocolRoute, RouteOutcome } from '../types.ts';
import { parseCsvFormat } from './format.ts';
import { parseCsv } from './parse.ts';

export const CSV_PROTOCOL = 'csv';

export const routes: ProtocolRoute[] = [
  {
    protocol: CSV_PROTOCOL,
    paths: ['/api/v1/import/csv'],
    methods: ['POST'],
    handle(req: IngestRequest): RouteOutcome {
      const columns = parseCsvFormat(req.query.get('format'));
      const { series, errors } = parseCsv(req.body, { columns, now: req.now });
      return {
        kind: 'series',
        series,
        errors,
        success: NO_CONTENT,
        partial: (errs) => partialLinesResponse(CSV_PROTOCOL, errs),
      };
    },
  },
];
