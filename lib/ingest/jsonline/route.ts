/**
 * `POST /api/v1/import`: VictoriaMetrics JSON lines. 204 on success; bad lines follow the import routes'
 * partial-write rule (line-report.ts): 204 with a count when some lines were accepted, else 400.
 */
import { linesOutcome } from '../common/lines-outcome.ts';
import { bindRoutes, type ProtocolSetup } from '../protocol.ts';
import type { IngestRequest, ProtocolRoute, RouteOutcome } from '../types.ts';
import { jsonline } from '../protocols.ts';
import { parseJsonLines } from './parse.ts';

/** The routes with lines longer than `maxLineLength` characters rejected (ingest.max_line_length). */
export function jsonlineRoutes(maxLineLength: number): ProtocolRoute[] {
  return bindRoutes(jsonline, {
    import(req: IngestRequest): RouteOutcome {
      return linesOutcome(jsonline.name, parseJsonLines(req.body, { maxLineLength }));
    },
  });
}

export const createRoutes = ({ limits }: ProtocolSetup): ProtocolRoute[] => jsonlineRoutes(limits.maxLineLength);
