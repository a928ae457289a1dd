import { UnsupportedMediaTypeError } from '../../errors.ts';
import type { LineError } from '../types.ts';
import { listLineErrors } from '../common/line-errors.ts';

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

const MAX_MESSAGE_CHARS = 1024;

/**
 * partial_success.error_message: the first MAX_LISTED_LINE_ERRORS reasons (common/line-errors.ts), then
 * `and M more` for the rest of `errorCount`, cut at 1 KiB.
 */
function errorMessage(errors: readonly LineError[], errorCount: number): string {
  const msg = listLineErrors(errors, errorCount, (e) => `metric ${e.line}: ${e.reason}`, (m) => `and ${m} more`).join('; ');
  return msg.length > MAX_MESSAGE_CHARS ? msg.slice(0, MAX_MESSAGE_CHARS) + '…' : msg;
}

/** ExportMetricsServiceResponse as OTLP/JSON: `{}` or `{"partialSuccess":{...}}` (int64 as a string). */
export function otlpJsonResponse(rejected: number, errors: readonly LineError[], errorCount = errors.length): string {
  if (rejected === 0 && errorCount === 0) return '{}';
  return JSON.stringify({ partialSuccess: { rejectedDataPoints: String(rejected), errorMessage: errorMessage(errors, errorCount) } });
}

/** ExportMetricsServiceResponse as protobuf bytes: empty when everything was accepted. */
export function otlpProtobufResponse(rejected: number, errors: readonly LineError[], errorCount = errors.length): Uint8Array {
  if (rejected === 0 && errorCount === 0) return new Uint8Array(0);
  // partial_success = 1 { rejected_data_points = 1 (int64), error_message = 2 (string) }; zero values omitted (proto3).
  const message = new TextEncoder().encode(errorMessage(errors, errorCount));
  const inner: number[] = [];
  if (rejected !== 0) inner.push(0x08, ...varint(rejected));
  if (message.length > 0) inner.push(0x12, ...varint(message.length), ...message);
  return Uint8Array.from([0x0a, ...varint(inner.length), ...inner]);
}

/** A non-negative integer below 2^53 as a protobuf varint. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
