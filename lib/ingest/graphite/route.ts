/**
 * `POST /graphite`: Graphite plaintext lines over HTTP (one line per sample, as sent to carbon's TCP port
 * 2003). vmagent and VictoriaMetrics take Graphite plaintext only over TCP (-graphiteListenAddr); a Lambda
 * gateway has no TCP listener, so this HTTP path is this gateway's own. 204 on success; bad lines are
 * skipped and reported with a 400 after the good ones are queued (see jsonline/line-report.ts).
 */
import { NO_CONTENT, partialLinesResponse } from '../jsonline/line-report.ts';
import type { IngestRequest, ProtocolRoute, RouteOutcome } from '../types.ts';
import { parseGraphite } from './parse.ts';

export const GRAPHITE_PROTOCOL = 'graphite';

export const routes: ProtocolRoute[] = [
  {
    protocol: GRAPHITE_PROTOCOL,
    paths: ['/graphite'],
    methods: ['POST'],
    handle(req: IngestRequest): RouteOutcome {
      const { series, errors } = parseGraphite(req.body, { now: req.now });
      return {
        kind: 'series',
        series,
        errors,
        success: NO_CONTENT,
        partial: (errs) => partialLinesResponse(GRAPHITE_PROTOCOL, errs),
      };
    },
  },
];
