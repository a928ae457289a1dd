import { UnsupportedMediaTypeError } from '../../errors.ts';
import type { LineError } from '../types.ts';
import { ExportMetricsServiceResponse } from './proto-descriptor.ts';

export type OtlpFormat = 'protobuf' | 'json';

/**
 * The body format from Content-Type, as OTLP/HTTP defines it: `application/x-protobuf` or `application/json`
 * (parameters ignored). A missing Content-Type is read as protobuf, the default encoding of OTLP exporters
 * (VictoriaMetrics does the same); anything else is 415.
 */
export function otlpFormat(contentType: string | undefined): OtlpFormat {
  const mime = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mime === '' || mime === 'application/x-protobuf' || mime === 'application/protobuf') return 'protobuf';
  if (mime === 'application/json') return 'json';
  throw new UnsupportedMediaTypeError(
    `otlp: unsupported Content-Type ${JSON.stringify(contentType)}; use application/x-protobuf or application/json`,
  );
}

/** At most this many error reasons go into partial_success.error_message. */
const MAX_REASONS = 5;
const MAX_MESSAGE_CHARS = 1024;

function errorMessage(errors: readonly LineError[]): string {
  const shown = errors.slice(0, MAX_REASONS).map((e) => `metric ${e.line}: ${e.reason}`);
  let msg = shown.join('; ');
  if (errors.length > MAX_REASONS) msg += `; and ${errors.length - MAX_REASONS} more`;
  return msg.length > MAX_MESSAGE_CHARS ? msg.slice(0, MAX_MESSAGE_CHARS) + '…' : msg;
}

/** ExportMetricsServiceResponse as OTLP/JSON: `{}` or `{"partialSuccess":{...}}` (int64 as a string). */
export function otlpJsonResponse(rejected: number, errors: readonly LineError[]): string {
  if (rejected === 0 && errors.length === 0) return '{}';
  return JSON.stringify({ partialSuccess: { rejectedDataPoints: String(rejected), errorMessage: errorMessage(errors) } });
}

/** ExportMetricsServiceResponse as protobuf bytes: empty when everything was accepted. */
export function otlpProtobufResponse(rejected: number, errors: readonly LineError[]): Uint8Array {
  if (rejected === 0 && errors.length === 0) return new Uint8Array(0);
  const msg = ExportMetricsServiceResponse.fromObject({
    partialSuccess: { rejectedDataPoints: rejected, errorMessage: errorMessage(errors) },
  });
  return ExportMetricsServiceResponse.encode(msg).finish();
}
