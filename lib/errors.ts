/**
 * Typed errors with an HTTP status and a stable code. One function (`errorResponse`, lib/ingest/pipeline.ts)
 * maps them to responses; anything else is a 500 whose cause is logged, never echoed.
 */
export class GatewayError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** 400: the body or the query cannot be accepted. The message names the protocol, the line or item, and the reason. */
export class BadRequestError extends GatewayError {
  constructor(message: string, code = 'bad_request') {
    super(400, code, message);
  }
}

/** 413: a size limit was passed; the message names the limit and its value. */
export class PayloadTooLargeError extends GatewayError {
  constructor(message: string, code = 'payload_too_large') {
    super(413, code, message);
  }
}

export class UnsupportedMediaTypeError extends GatewayError {
  constructor(message: string) {
    super(415, 'unsupported_media_type', message);
  }
}

export class NotFoundError extends GatewayError {
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

export class MethodNotAllowedError extends GatewayError {
  constructor(message: string, allow: readonly string[]) {
    super(405, 'method_not_allowed', message, { allow: allow.join(', ') });
  }
}

export class UnauthorizedError extends GatewayError {
  constructor(message: string, challenge: string) {
    super(401, 'unauthorized', message, { 'www-authenticate': challenge });
  }
}

/** 503: the gateway could not make the data durable (queue unavailable); the client should retry. */
export class UnavailableError extends GatewayError {
  constructor(message: string) {
    super(503, 'unavailable', message, { 'retry-after': '5' });
  }
}

/** Configuration errors carry every problem found, each with its exact path. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.length === 1 ? problems[0]! : `${problems.length} problems:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const MAX_EXCERPT_BYTES = 200;

/**
 * Quotes at most ~200 bytes of offending input for an error message, JSON-escaped so that control
 * characters and quotes cannot garble a log line or a response.
 */
export function excerpt(input: string | Uint8Array, maxBytes = MAX_EXCERPT_BYTES): string {
  let s: string;
  if (typeof input === 'string') {
    s = input.length > maxBytes ? input.slice(0, maxBytes) + '…' : input;
  } else {
    const cut = input.length > maxBytes ? input.subarray(0, maxBytes) : input;
    s = new TextDecoder('utf-8', { fatal: false }).decode(cut) + (input.length > maxBytes ? '…' : '');
  }
  return JSON.stringify(s);
}
