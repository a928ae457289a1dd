import { UnsupportedMediaTypeError } from '../../errors.ts';
import { decodeWriteRequest } from '../../remote-write/decode.ts';
import { scanForwardable } from '../../remote-write/scan.ts';
import { decodeV2Request } from '../../remote-write/v2-decode.ts';
import { V1_MESSAGE, V2_MESSAGE } from '../../remote-write/v2.ts';
import { partialLinesResponse } from '../jsonline/line-report.ts';
import { formatLineError, listLineErrors, MAX_LISTED_LINE_ERRORS } from '../common/line-errors.ts';
import { bindRoutes } from '../protocol.ts';
import type { IngestRequest, LineError, PartialReport, ProtocolRoute, RouteOutcome, RouteResponse } from '../types.ts';
import { remoteWrite } from '../protocols.ts';

const REMOTE_WRITE_PROTOCOL = remoteWrite.name;

/**
 * Which message a request carries, from its Content-Type, as Prometheus 3's receiver decides: no
 * Content-Type or no `proto` parameter is 1.0 (what every 1.0 sender sends); `proto=prometheus.WriteRequest`
 * is 1.0, `proto=io.prometheus.write.v2.Request` 2.0; any other `proto`, or a media type other than
 * application/x-protobuf, is 415. The X-Prometheus-Remote-Write-Version header is informational (the spec).
 */
export function remoteWriteMessage(contentType: string | undefined): 'v1' | 'v2' {
  const ct = (contentType ?? '').trim();
  if (!ct) return 'v1';
  const [media, ...params] = ct.split(';');
  if (media!.trim().toLowerCase() !== 'application/x-protobuf') {
    throw new UnsupportedMediaTypeError(`remote_write: unsupported Content-Type ${JSON.stringify(ct.slice(0, 100))}; send application/x-protobuf`);
  }
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== 'proto') continue;
    const proto = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
    if (proto === V1_MESSAGE) return 'v1';
    if (proto === V2_MESSAGE) return 'v2';
    throw new UnsupportedMediaTypeError(`remote_write: unsupported protobuf message ${JSON.stringify(proto.slice(0, 100))}; supported: ${V1_MESSAGE}, ${V2_MESSAGE}`);
  }
  return 'v1';
}

/**
 * Prometheus remote_write 1.0 and 2.0: float samples, native histograms, exemplars and metadata. The body
 * arrives already snappy-decoded (the pipeline treats a missing Content-Encoding as snappy for this route,
 * as VictoriaMetrics does). Metadata-only requests are accepted and queued.
 *
 * 1.0: a series breaking the label rules is left out and counted; the rest is accepted with 204
 * (VictoriaMetrics does the same), because Prometheus and vmagent drop a whole batch answered 4xx.
 * A 1.0 request that needs no change (scanForwardable) is queued as received when the pipeline allows it
 * (`forwardLimits`): no objects are built (vmagent forwards the same way).
 * 2.0: as Prometheus 3's receiver: a series it cannot take is left out, the rest queued, and the answer is
 * 400 naming them; every answer carries the X-Prometheus-Remote-Write-*-Written counts of what was queued.
 */
function handle(req: IngestRequest): RouteOutcome {
  if (remoteWriteMessage(req.headers['content-type']) === 'v2') {
    const decoded = decodeV2Request(req.body);
    // Only the first MAX_LISTED_LINE_ERRORS become error objects; the rest are counted (one rule for every protocol).
    const errors: LineError[] = decoded.invalid.slice(0, MAX_LISTED_LINE_ERRORS).map((p) => ({ line: p.series, reason: p.reason, excerpt: '' }));
    return { kind: 'series', series: decoded.timeseries, metadata: decoded.metadata, errors, errorCount: decoded.invalid.length, success: { status: 204 }, partial: v2Partial, writtenHeaders: true };
  }
  if (req.forwardLimits) {
    const scan = scanForwardable(req.body, req.forwardLimits);
    if (scan) return { kind: 'forward', series: scan.series, samples: scan.samples, success: { status: 204 }, full: () => handleV1(req) };
  }
  return handleV1(req);
}

function handleV1(req: IngestRequest): RouteOutcome {
  const decoded = decodeWriteRequest(req.body);
  const total = decoded.timeseries.length;
  const partial = ({ errors: errs, errorCount = errs.length, queuedSeries }: PartialReport): RouteResponse =>
    partialLinesResponse(REMOTE_WRITE_PROTOCOL, errs, queuedSeries === undefined ? errorCount < total : queuedSeries > 0, 'series', errorCount);
  return { kind: 'series', series: decoded.timeseries, metadata: decoded.metadata, errors: [], success: { status: 204 }, partial };
}

function v2Partial({ errors, errorCount = errors.length }: PartialReport): RouteResponse {
  const listed = listLineErrors(errors, errorCount, (e) => formatLineError(REMOTE_WRITE_PROTOCOL, e, 'series').replace(/: $/, ''), (m) => `${REMOTE_WRITE_PROTOCOL}: ... and ${m} more`);
  return { status: 400, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: listed.join('\n') + '\n' };
}

const remoteWriteRoutes: ProtocolRoute[] = bindRoutes(remoteWrite, { write: handle });

export const createRoutes = (): ProtocolRoute[] => remoteWriteRoutes;
