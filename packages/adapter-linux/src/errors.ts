/**
 * Errors raised by the adapter: plain `Error`s with a `code`, shaped like the core's `ProvisionError`
 * so `isProvisionError()` recognises them.
 */

/** Codes the adapter raises (a subset of the core's `ProvisionErrorCode`). */
export type AdapterErrorCode =
  | 'invalid-config'
  | 'invalid-credentials'
  | 'storage-failed'
  | 'wifi-failed'
  | 'not-supported'
  | 'timeout';

/** An adapter error: `code`, optional `field` and `cause`. Messages never carry secrets. */
export interface AdapterError extends Error {
  code: AdapterErrorCode;
  field?: string;
  cause?: unknown;
}

/** Build an {@link AdapterError}. */
export function adapterError(
  code: AdapterErrorCode,
  message: string,
  details: { field?: string; cause?: unknown } = {},
): AdapterError {
  const err = new Error(message) as AdapterError;
  err.name = 'ProvisionError';
  err.code = code;
  if (details.field !== undefined) err.field = details.field;
  if (details.cause !== undefined) err.cause = details.cause;
  return err;
}

/** A short description of any thrown value. */
export function describe(e: unknown): string {
  if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') {
    return (e as { message: string }).message;
  }
  return String(e);
}
