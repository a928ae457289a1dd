import type { TimeSeries } from '../../model/types.ts';
import type { ParseResult } from '../types.ts';
import { decodeOtlpJson } from './decode-json.ts';
import { decodeOtlpProtobuf } from './decode-protobuf.ts';
import type { OtlpOptions } from './options.ts';
import { translateOtlp } from './translate.ts';

export { validateOtlpOptions, type OtlpOptions } from './options.ts';

export interface OtlpParseOptions extends OtlpOptions {
  format: 'protobuf' | 'json';
  /** Milliseconds since the epoch: the timestamp of points whose time_unix_nano is 0. */
  now: number;
}

export interface OtlpParseResult extends ParseResult {
  errorCount: number;
  /** Data points dropped; what partial_success.rejected_data_points reports. */
  rejectedPoints: number;
  /** Data deliberately not carried, by reason (exemplars on gauges, as Prometheus). */
  drops: Record<string, number>;
  /** With `deltaToCumulative` set: the series of `series` that hold delta points (RouteOutcome.delta). */
  delta?: ReadonlySet<TimeSeries>;
}

/**
 * Parses an OTLP/HTTP ExportMetricsServiceRequest (protobuf or JSON) into Prometheus series.
 * Throws BadRequestError when the body is not a request at all; items it cannot map (delta temporality
 * unless `deltaToCumulative` is set, then its series are listed in `delta`,
 * bad names, points or exemplars without a value, exponential histograms Prometheus would refuse) are reported in `errors` and counted in
 * `rejectedPoints`, and the rest is returned.
 */
export function parseOtlpMetrics(body: Uint8Array, opts: OtlpParseOptions): OtlpParseResult {
  const resources = opts.format === 'json' ? decodeOtlpJson(body) : decodeOtlpProtobuf(body);
  return translateOtlp(resources, {
    now: opts.now,
    strategy: opts.translationStrategy ?? 'UnderscoreEscapingWithoutSuffixes',
    promoteResourceAttributes: new Set(opts.promoteResourceAttributes ?? []),
    promoteAllResourceAttributes: opts.promoteAllResourceAttributes ?? false,
    targetInfo: opts.targetInfo ?? true,
    acceptDelta: opts.deltaToCumulative !== undefined,
  });
}
