/**
 * The one error type of the SDK. It is a plain `Error` with a `code`, built by a factory rather than a
 * subclass because `class X extends Error` breaks on Espruino.
 *
 * @module
 */

/** What went wrong, as a stable string to branch on. */
export type ProvisionErrorCode =
  | 'invalid-config'
  | 'invalid-credentials'
  | 'invalid-state'
  | 'storage-failed'
  | 'wifi-failed'
  | 'transport'
  | 'timeout'
  | 'not-supported';

/**
 * An `Error` carrying a {@link ProvisionErrorCode}. The message names the field and the allowed
 * values; it never contains a secret.
 *
 * @example
 * ```ts
 * try {
 *   createProvisioner(ports, { timeoutMs: -5.5 });
 * } catch (e) {
 *   if (isProvisionError(e) && e.code === 'invalid-config') console.error(e.message);
 * }
 * ```
 */
export interface ProvisionError extends Error {
  /** Stable machine-readable code. */
  code: ProvisionErrorCode;
  /** The field the error is about, when there is one (e.g. `button.holdMs`). */
  field?: string;
  /** The underlying error, when there is one. */
  cause?: unknown;
}

/**
 * Create a {@link ProvisionError}.
 *
 * @param code - the error code
 * @param message - a message naming the field and the allowed values (never a secret)
 * @param details - optional `field` and `cause`
 */
export function provisionError(
  code: ProvisionErrorCode,
  message: string,
  details?: { field?: string; cause?: unknown },
): ProvisionError {
  const err = new Error(message) as ProvisionError;
  err.name = 'ProvisionError';
  err.code = code;
  if (details) {
    if (details.field !== undefined) err.field = details.field;
    if (details.cause !== undefined) err.cause = details.cause;
  }
  return err;
}

/** True when `e` is a {@link ProvisionError} (optionally with the given code). */
export function isProvisionError(e: unknown, code?: ProvisionErrorCode): e is ProvisionError {
  const o = e as { name?: unknown; code?: unknown } | null;
  return !!o && typeof o === 'object' && o.name === 'ProvisionError' && typeof o.code === 'string' && (code === undefined || o.code === code);
}

/** A short, secret-free description of any thrown value, for `warning`/`error` events. */
export function describeError(e: unknown): string {
  if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') {
    return (e as { message: string }).message;
  }
  return String(e);
}
