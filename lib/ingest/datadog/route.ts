import { BadRequestError, UnsupportedMediaTypeError } from '../../errors.ts';
import type { IngestRequest, LineError, ParseResult, ProtocolRoute, RouteOutcome, RouteResponse } from '../types.ts';
import { listLineErrors } from '../common/line-errors.ts';
import { parseDatadogV1Series, parseDatadogV2Series, validateDatadogOptions, type DatadogOptions } from './parse.ts';

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/** Both spellings: VictoriaMetrics trims a trailing `/` from /datadog/ paths for older Agents (`/datadog/intake/`). */
function withSlash(...paths: string[]): string[] {
  return paths.flatMap((p) => [p, p + '/']);
}

/** The skipped items of a partial write: the first MAX_LISTED_LINE_ERRORS, then `and M more` (common/line-errors.ts). */
function errorTexts(errors: readonly LineError[], total = errors.length): string[] {
  return listLineErrors(errors, total, (e) => `series ${e.line}: ${e.reason}`, (m) => `and ${m} more`);
}

/** When nothing in the body could be used, the request fails as a whole (400) instead of a 202 that drops everything. */
function requireSomething(result: ParseResult): void {
  if (result.series.length > 0 || result.errors.length === 0) return;
  const total = result.errorCount ?? result.errors.length;
  const listed = result.errors.slice(0, 3);
  const more = total > listed.length ? `; and ${total - listed.length} more` : '';
  throw new BadRequestError(`datadog: no valid series: ${listed.map((e) => `series ${e.line}: ${e.reason}`).join('; ')}${more}`);
}

function v2Format(req: IngestRequest): 'json' | 'protobuf' {
  const ct = req.headers['content-type'];
  const mime = (ct ?? '').split(';')[0]!.trim().toLowerCase();
  if (mime === 'application/x-protobuf' || mime === 'application/protobuf') return 'protobuf';
  // The Agent and the API clients send application/json; VictoriaMetrics reads anything else as JSON too.
  if (mime === '' || mime === 'application/json' || mime === 'text/json' || mime === 'text/plain') return 'json';
  throw new UnsupportedMediaTypeError(`datadog: unsupported Content-Type ${JSON.stringify(ct)}; use application/json or application/x-protobuf`);
}

function stub(paths: string[], methods: string[], response: RouteResponse): ProtocolRoute {
  return { protocol: 'datadog', paths, methods, handle: () => ({ kind: 'response', response }) };
}

/**
 * DataDog routes, as vmagent serves them:
 *   POST /datadog/api/v1/series  202 {"status":"ok"}
 *   POST /datadog/api/v2/series  202 {"errors":[]}   (JSON or the Agent's protobuf)
 *   GET|POST /datadog/api/v1/validate 200 {"valid":true}; POST /datadog/intake 200 {};
 *   POST /datadog/api/v1/check_run 202 {"status":"ok"}; POST /datadog/api/v1/metadata 200 {}.
 * Partial writes answer 202 and list the skipped items in "errors"; a body with nothing usable is 400.
 * Throws ConfigError for bad options.
 */
export function createDatadogRoutes(options: DatadogOptions = {}): ProtocolRoute[] {
  const opts = validateDatadogOptions(options);
  return [
    {
      protocol: 'datadog',
      paths: withSlash('/datadog/api/v1/series'),
      methods: ['POST'],
      handle(req): RouteOutcome {
        const result = parseDatadogV1Series(req.body, { ...opts, now: req.now });
        requireSomething(result);
        return {
          kind: 'series',
          series: result.series,
          errors: result.errors,
          ...(result.errorCount !== undefined ? { errorCount: result.errorCount } : {}),
          success: { status: 202, headers: JSON_HEADERS, body: '{"status":"ok"}' },
          partial: (errors, total) => ({ status: 202, headers: JSON_HEADERS, body: JSON.stringify({ status: 'ok', errors: errorTexts(errors, total) }) }),
        };
      },
    },
    {
      protocol: 'datadog',
      paths: withSlash('/datadog/api/v2/series'),
      methods: ['POST'],
      handle(req): RouteOutcome {
        const result = parseDatadogV2Series(req.body, { ...opts, now: req.now, format: v2Format(req) });
        requireSomething(result);
        return {
          kind: 'series',
          series: result.series,
          errors: result.errors,
          ...(result.errorCount !== undefined ? { errorCount: result.errorCount } : {}),
          // DataDog's API answers v2 with IntakePayloadAccepted `{"errors":[]}`; VictoriaMetrics sends {"status":"ok"}.
          success: { status: 202, headers: JSON_HEADERS, body: '{"errors":[]}' },
          partial: (errors, total) => ({ status: 202, headers: JSON_HEADERS, body: JSON.stringify({ errors: errorTexts(errors, total) }) }),
        };
      },
    },
    // The Agent checks its API key at start-up and keeps calling these; answered as VictoriaMetrics does.
    stub(withSlash('/datadog/api/v1/validate'), ['GET', 'POST'], { status: 200, headers: JSON_HEADERS, body: '{"valid":true}' }),
    stub(withSlash('/datadog/intake'), ['POST'], { status: 200, headers: JSON_HEADERS, body: '{}' }),
    stub(withSlash('/datadog/api/v1/check_run'), ['POST'], { status: 202, headers: JSON_HEADERS, body: '{"status":"ok"}' }),
    stub(withSlash('/datadog/api/v1/metadata'), ['POST'], { status: 200, headers: JSON_HEADERS, body: '{}' }),
  ];
}

export const routes: ProtocolRoute[] = createDatadogRoutes();
