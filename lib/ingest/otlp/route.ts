import { bindRoutes, type ProtocolSetup } from '../protocol.ts';
import type { LineError, ProtocolRoute, RouteOutcome, RouteResponse } from '../types.ts';
import { otlp } from '../protocols.ts';
import { parseOtlpMetrics, validateOtlpOptions, type OtlpOptions } from './parse.ts';
import { otlpFormat, otlpJsonResponse, otlpProtobufResponse, type OtlpFormat } from './response.ts';

function respond(format: OtlpFormat, rejected: number, errors: readonly LineError[], errorCount = errors.length): RouteResponse {
  if (format === 'json') {
    return { status: 200, headers: { 'content-type': 'application/json' }, body: otlpJsonResponse(rejected, errors, errorCount) };
  }
  return { status: 200, headers: { 'content-type': 'application/x-protobuf' }, body: otlpProtobufResponse(rejected, errors, errorCount) };
}

/**
 * OTLP/HTTP metrics: `POST /opentelemetry/v1/metrics` (and `/opentelemetry/api/v1/push`, which
 * VictoriaMetrics also accepts). 200 with an ExportMetricsServiceResponse in the request's encoding; points
 * that could not be mapped are reported as partial_success (JSON) and in the outcome's errors.
 * Throws ConfigError for bad options.
 */
export function createOtlpRoutes(options: OtlpOptions = {}): ProtocolRoute[] {
  const opts = validateOtlpOptions(options);
  return bindRoutes(otlp, {
    metrics(req): RouteOutcome {
      const format = otlpFormat(req.headers['content-type']);
      const result = parseOtlpMetrics(req.body, { ...opts, format, now: req.now });
      return {
        kind: 'series',
        series: result.series,
        errors: result.errors,
        errorCount: result.errorCount,
        success: respond(format, 0, []),
        drops: result.drops,
        ...(result.delta?.size ? { delta: result.delta } : {}),
        // Errors added after parsing (label validation by the pipeline) count one rejected point each.
        partial: ({ errors, errorCount: total = errors.length }) => respond(format, result.rejectedPoints + Math.max(0, total - result.errorCount), errors, total),
      };
    },
  });
}

export const createRoutes = ({ options }: ProtocolSetup): ProtocolRoute[] => createOtlpRoutes(options as OtlpOptions | undefined);
