import { UnsupportedMediaTypeError } from '../../errors.ts';
import { decodeWriteRequest } from '../../remote-write/decode.ts';
import { partialLinesResponse } from '../jsonline/line-report.ts';
import type { IngestRequest, LineError, ProtocolRoute, RouteOutcome, RouteResponse } from '../types.ts';

export const REMOTE_WRITE_PROTOCOL = 'remote_write';

/**
 * Prometheus remote_write 1.0. The body arrives already snappy-decoded (the pipeline treats a missing
 * Content-Encoding as snappy for this route, as VictoriaMetrics does). Remote write 2.0 is refused with 415
 * because decoding a v2 body as v1 would silently yield nothing. Metadata-only requests are accepted.
 */
function handle(req: IngestRequest): RouteOutcome {
  const ct = req.headers['content-type'] ?? '';
  if (/proto=io\.prometheus\.write\.v2\.Request/i.test(ct) || (req.headers['x-prometheus-remote-write-version'] ?? '').startsWith('2.')) {
    throw new UnsupportedMediaTypeError('remote_write: remote write 2.0 (io.prometheus.write.v2.Request) is not supported; send remote write 1.0 (prometheus.WriteRequest)');
  }
  const decoded = decodeWriteRequest(req.body);
  const drops: Record<string, number> = {};
  if (decoded.droppedExemplars) drops.exemplar_not_supported = decoded.droppedExemplars;
  if (decoded.droppedHistograms) drops.native_histogram_not_supported = decoded.droppedHistograms;
  // A series breaking the label rules is left out and counted; the rest is accepted (VictoriaMetrics does the
  // same), because Prometheus and vmagent drop a whole batch answered 4xx.
  const total = decoded.timeseries.length;
  const partial = (errs: LineError[]): RouteResponse => partialLinesResponse(REMOTE_WRITE_PROTOCOL, errs, errs.length < total, 'series');
  return { kind: 'series', series: decoded.timeseries, errors: [], success: { status: 204 }, partial, drops };
}

export const remoteWriteRoutes: ProtocolRoute[] = [
  { protocol: REMOTE_WRITE_PROTOCOL, paths: ['/api/v1/write', '/api/v1/push', '/prometheus/api/v1/write'], methods: ['POST'], defaultEncoding: 'snappy', handle },
];
