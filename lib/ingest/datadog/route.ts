import { BadRequestError, UnsupportedMediaTypeError } from '../../errors.ts';
import { bindRoutes, type ProtocolSetup } from '../protocol.ts';
import type { IngestRequest, LineError, ParseResult, ProtocolRoute, RouteOutcome, RouteResponse } from '../types.ts';
import { datadog } from '../protocols.ts';
import { listLineErrors } from '../common/line-errors.ts';
import { parseDatadogV1Series, parseDatadogV2Series, validateDatadogOptions, type DatadogOptions } from './parse.ts';

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

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

function stub(response: RouteResponse): () => RouteOutcome {
  return () => ({ kind: 'response', response });
}

/** 202 with `success`, or with `partialBody` listing the skipped items; nothing usable is a 400 (requireSomething). */
function seriesOutcome(result: ParseResult, success: string, partialBody: (errors: string[]) => object): RouteOutcome {
  requireSomething(result);
  return {
    kind: 'series',
    series: result.series,
    errors: result.errors,
    ...(result.errorCount !== undefined ? { errorCount: result.errorCount } : {}),
    success: { status: 202, headers: JSON_HEADERS, body: success },
    partial: ({ errors, errorCount: total }) => ({ status: 202, headers: JSON_HEADERS, body: JSON.stringify(partialBody(errorTexts(errors, total))) }),
  };
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
  return bindRoutes(datadog, {
    seriesV1: (req) => seriesOutcome(parseDatadogV1Series(req.body, { ...opts, now: req.now }), '{"status":"ok"}', (errors) => ({ status: 'ok', errors })),
    // DataDog's API answers v2 with IntakePayloadAccepted `{"errors":[]}`; VictoriaMetrics sends {"status":"ok"}.
    seriesV2: (req) => seriesOutcome(parseDatadogV2Series(req.body, { ...opts, now: req.now, format: v2Format(req) }), '{"errors":[]}', (errors) => ({ errors })),
    // The Agent checks its API key at start-up and keeps calling these; answered as VictoriaMetrics does.
    validate: stub({ status: 200, headers: JSON_HEADERS, body: '{"valid":true}' }),
    intake: stub({ status: 200, headers: JSON_HEADERS, body: '{}' }),
    checkRun: stub({ status: 202, headers: JSON_HEADERS, body: '{"status":"ok"}' }),
    metadata: stub({ status: 200, headers: JSON_HEADERS, body: '{}' }),
  });
}

export const createRoutes = ({ options }: ProtocolSetup): ProtocolRoute[] => createDatadogRoutes(options as DatadogOptions | undefined);
