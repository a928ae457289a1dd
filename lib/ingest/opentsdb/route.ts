/**
 * `POST /api/put`: OpenTSDB HTTP put. Responses follow OpenTSDB's /api/put:
 *   - all datapoints stored: 204 without a body; with `?summary` 200 {"success":N,"failed":0};
 *     with `?details` 200 {"success":N,"failed":0,"errors":[]} (details wins when both are given);
 *   - some datapoints failed (the good ones are queued): 400; the body is {"success":N,"failed":M} for
 *     `?summary`, adds "errors":[{"datapoint":{...as sent...},"error":"..."}] for `?details`, and otherwise
 *     is OpenTSDB's {"error":{"code":400,"message":"One or more data points had errors","details":...}}
 *     with the first few reasons in `details`;
 *   - a body that is not JSON: 400 from the parser (BadRequestError).
 * N counts datapoints in the body minus the failed ones (including those the gateway rejects after parsing).
 */
import { formatLineError, listLineErrors, MAX_LISTED_LINE_ERRORS } from '../common/line-errors.ts';
import { bindRoutes } from '../protocol.ts';
import type { IngestRequest, LineError, ProtocolRoute, RouteOutcome, RouteResponse } from '../types.ts';
import { opentsdb } from '../protocols.ts';
import { parseOpenTsdbPut, type OpenTsdbParseResult } from './parse.ts';

const OPENTSDB_PROTOCOL = opentsdb.name;

const JSON_HEADERS = { 'content-type': 'application/json; charset=UTF-8' };

type Mode = 'plain' | 'summary' | 'details';

function modeOf(query: URLSearchParams): Mode {
  if (query.has('details')) return 'details';
  if (query.has('summary')) return 'summary';
  return 'plain';
}

/**
 * The /api/put response for a request of `parsed.total` datapoints of which `failed` failed; `errors` lists
 * the first of them. `?details` and the plain answer list at most MAX_LISTED_LINE_ERRORS (OpenTSDB lists
 * every one; the cap keeps the reply bounded), the counts are exact.
 */
function openTsdbResponse(mode: Mode, parsed: OpenTsdbParseResult, errors: readonly LineError[], failed = errors.length): RouteResponse {
  const success = Math.max(0, parsed.total - failed);
  const status = failed > 0 ? 400 : mode === 'plain' ? 204 : 200;
  if (mode === 'summary') return { status, headers: JSON_HEADERS, body: JSON.stringify({ success, failed }) };
  if (mode === 'details') {
    const errs = errors.slice(0, MAX_LISTED_LINE_ERRORS).map((e) => ({ datapoint: parsed.datapoint(e.line) ?? null, error: e.reason }));
    return { status, headers: JSON_HEADERS, body: JSON.stringify({ success, failed, errors: errs }) };
  }
  if (failed === 0) return { status };
  const listed = listLineErrors(errors, failed, (e) => formatLineError(OPENTSDB_PROTOCOL, e, 'item'));
  const body = { error: { code: 400, message: 'One or more data points had errors', details: listed.join('\n') } };
  return { status, headers: JSON_HEADERS, body: JSON.stringify(body) };
}

export const routes: ProtocolRoute[] = bindRoutes(opentsdb, {
  put(req: IngestRequest): RouteOutcome {
    const parsed = parseOpenTsdbPut(req.body, { now: req.now });
    const mode = modeOf(req.query);
    return {
      kind: 'series',
      series: parsed.series,
      errors: parsed.errors,
      ...(parsed.errorCount !== undefined ? { errorCount: parsed.errorCount } : {}),
      success: openTsdbResponse(mode, parsed, []),
      partial: ({ errors: errs, errorCount: total }) => openTsdbResponse(mode, parsed, errs, total),
    };
  },
});

export const createRoutes = (): ProtocolRoute[] => routes;
