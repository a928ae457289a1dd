/**
 * `POST /api/v1/import/csv?format=...`: VictoriaMetrics CSV import. 204 on success; a bad or missing
 * `format` is a 400 naming the entry; bad lines follow the import routes' partial-write rule
 * (jsonline/line-report.ts): 204 with a count when some lines were accepted, else 400.
 */
import { linesOutcome } from '../common/lines-outcome.ts';
import { bindRoutes, type ProtocolSetup } from '../protocol.ts';
import type { IngestRequest, ProtocolRoute, RouteOutcome } from '../types.ts';
import { parseCsvFormat } from './format.ts';
import { csv } from '../protocols.ts';
import { parseCsv } from './parse.ts';

/** The routes with lines longer than `maxLineLength` characters rejected (ingest.max_line_length). */
export function csvRoutes(maxLineLength: number): ProtocolRoute[] {
  return bindRoutes(csv, {
    import(req: IngestRequest): RouteOutcome {
      const columns = parseCsvFormat(req.query.get('format'));
      return linesOutcome(csv.name, parseCsv(req.body, { columns, now: req.now, maxLineLength }));
    },
  });
}

export const createRoutes = ({ limits }: ProtocolSetup): ProtocolRoute[] => csvRoutes(limits.maxLineLength);
