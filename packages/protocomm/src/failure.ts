// The one way a request fails on the device: the transport closes the connection without an answer (as IDF does).
import { provisionError, type ProvisionError } from '@provision/core';

/** A failed request: the reason is logged (never a secret), the client sees only a closed connection. */
export interface RequestFailure extends ProvisionError {
  /** A wrong proof of possession / password: counts towards the rate limit (R11.4). */
  wrongProof?: boolean;
}

/** Create a {@link RequestFailure} with code `transport`. */
export function requestFailure(message: string, wrongProof?: boolean): RequestFailure {
  const e = provisionError('transport', message) as RequestFailure;
  if (wrongProof) e.wrongProof = true;
  return e;
}
