/**
 * `POST /graphite`: Graphite plaintext lines over HTTP (one line per sample, as sent to carbon's TCP port
 * 2003). vmagent and VictoriaMetrics take Graphite plaintext only over TCP (-graphiteListenAddr); a Lambda
 * gateway has no TCP listener, so this HTTP path is this gateway's own. 204 on success; bad lines follow the
 * import routes' partial-write rule (jsonline/line-report.ts): 204 with a count when some lines were
 * accepted, else 400.
 */
import { linesOutcome } from '../common/lines-outcome.ts';
import { bindRoutes, type ProtocolSetup } from '../protocol.ts';
import type { IngestRequest, ProtocolRoute, RouteOutcome } from '../types.ts';
import { graphite } from '../protocols.ts';
import { parseGraphite } from './parse.ts';

/** The routes with lines longer than `maxLineLength` characters rejected (ingest.max_line_length). */
export function graphiteRoutes(maxLineLength: number): ProtocolRoute[] {
  return bindRoutes(graphite, {
    plaintext(req: IngestRequest): RouteOutcome {
      return linesOutcome(graphite.name, parseGraphite(req.body, { now: req.now, maxLineLength }));
    },
  });
}

export const createRoutes = ({ limits }: ProtocolSetup): ProtocolRoute[] => graphiteRoutes(limits.maxLineLength);
