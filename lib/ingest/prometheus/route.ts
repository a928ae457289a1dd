import { BadRequestError } from '../../errors.ts';
import { bindRoutes, type ProtocolSetup } from '../protocol.ts';
import type { IngestRequest, PartialReport, ProtocolRoute, RouteOutcome } from '../types.ts';
import { prometheus } from '../protocols.ts';
import { withBatch } from '../../model/batch-adapter.ts';
import { isOpenMetricsContentType } from './media-type.ts';
import { partialLinesResponse } from '../jsonline/line-report.ts';
import { parsePrometheusTextBatch } from './parse.ts';

export const PROTOCOL = prometheus.name;

/**
 * The default timestamp of `/api/v1/import/prometheus`: `?timestamp=` in integer milliseconds (current
 * VictoriaMetrics, strconv.ParseInt), absent or 0 meaning the request time. Anything else is a 400.
 */
export function importTimestamp(query: URLSearchParams, now: number): number {
  const raw = query.get('timestamp');
  if (raw === null || raw === '') return now;
  const ts = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(ts)) {
    throw new BadRequestError(
      `${PROTOCOL}: cannot parse "timestamp=${raw.slice(0, 64)}" query arg: want non-negative integer milliseconds`,
    );
  }
  return ts === 0 ? now : ts;
}

/**
 * `POST /api/v1/import/prometheus` with VictoriaMetrics semantics: text 0.0.4, or OpenMetrics when the
 * Content-Type says `application/openmetrics-text`. Bad lines follow the import routes' partial-write rule
 * (jsonline/line-report.ts): the good samples are queued and the answer is 204 with
 * `x-gateway-rejected-lines: <n>` (VictoriaMetrics logs bad lines, counts them in
 * `vm_rows_invalid_total{type="prometheus"}` and answers 204). Deviation: a body in which every sample line is
 * bad (nothing to accept) is answered 400 with the first errors, so a client that sends the wrong format
 * learns it. Lines longer than `maxLineLength` characters are bad lines (ingest.max_line_length).
 */
function handleImport(req: IngestRequest, maxLineLength: number): RouteOutcome {
  const defaultTimestamp = importTimestamp(req.query, req.now);
  const openMetrics = isOpenMetricsContentType(req.headers['content-type']);
  const { batch, errors, errorCount } = parsePrometheusTextBatch(req.body, { defaultTimestamp, openMetrics, maxLineLength });
  return withBatch(batch, {
    kind: 'series' as const,
    errors,
    ...(errorCount !== undefined ? { errorCount } : {}),
    success: { status: 204 },
    partial: ({ errors: skipped, errorCount: total }: PartialReport) => partialLinesResponse(PROTOCOL, skipped, batch.length > 0, 'line', total),
  });
}

export function prometheusRoutes(maxLineLength: number): ProtocolRoute[] {
  return bindRoutes(prometheus, { import: (req) => handleImport(req, maxLineLength) });
}

export const createRoutes = ({ limits }: ProtocolSetup): ProtocolRoute[] => prometheusRoutes(limits.maxLineLength);
