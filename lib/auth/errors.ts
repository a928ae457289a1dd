import { GatewayError } from '../errors.ts';

/** 403: the credential is valid but does not allow what the request asks (another tenant). */
export class ForbiddenError extends GatewayError {
  constructor(message: string) {
    super(403, 'forbidden', message);
  }
}
