import { BadRequestError } from '../../errors.ts';
import type { IngestRequest, ProtocolRoute, RouteOutcome } from '../types.ts';
import { isOpenMetricsContentType } from './media-type.ts';
import { describeLineErrors } from './messages.ts';
import { parsePrometheusText } from './parse.ts';

export const PROTOCOL = 'prometheus';

/** Response header naming how many bad lines a partially accepted body had. */
export const REJECTED_LINES_HEADER = 'x-gateway-rejected-lines';

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
 * Content-Type says `application/openmetrics-text`. Bad lines are skipped and reported, as VictoriaMetrics does
 * (it logs them, counts them in `vm_rows_invalid_total{type="prometheus"}` and still answers 204): the good
 * samples are queued and the answer is 204 with `x-gateway-rejected-lines: <n>`. Deviation: a body in which
 * every sample line is bad (nothing to accept) is answered 400 with the first errors, so a client that sends
 * the wrong format learns it.
 */
function handleImport(req: IngestRequest): RouteOutcome {
  const defaultTimestamp = importTimestamp(req.query, req.now);
  const openMetrics = isOpenMetricsContentType(req.headers['content-type']);
  const { series, errors } = parsePrometheusText(req.body, { defaultTimestamp, openMetrics });
  if (errors.length > 0 && series.length === 0) {
    throw new BadRequestError(describeLineErrors(PROTOCOL, errors, 'nothing was accepted'));
  }
  return {
    kind: 'series',
    series,
    errors,
    success: { status: 204 },
    partial: (skipped) => ({ status: 204, headers: { [REJECTED_LINES_HEADER]: String(skipped.length) } }),
  };
}

export const routes: ProtocolRoute[] = [
  {
    protocol: PROTOCOL,
    paths: ['/api/v1/import/prometheus'],
    methods: ['POST'],
    handle: handleImport,
  },
];
