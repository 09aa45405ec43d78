import { provisionError } from '@provision/core';
import type { ProvisionError, ProvisionErrorCode } from '@provision/core';

/**
 * Why an AT command failed.
 *
 * - `timeout`: the module gave no final result in time (it stopped answering, or the line is cut).
 * - `closed`: the serial port closed or failed; the client reconnects when it can.
 * - `garbled`: bytes that are not a valid AT line arrived inside the response, so it cannot be trusted.
 * - `busy`: the module kept answering `busy p...` after every retry.
 * - `reset`: the module rebooted (`ready`) while the command was running.
 * - `error`: the module answered `ERROR` (see {@link AtFailure.lines} and {@link AtFailure.errCode}).
 */
export type AtFailureReason = 'timeout' | 'closed' | 'garbled' | 'busy' | 'reset' | 'error';

/** What the AT layer knows about a failed command. Never contains a passphrase. */
export interface AtFailure {
  /** Why it failed. */
  reason: AtFailureReason;
  /** The command, with its arguments elided (`AT+CWJAP=…`) so no secret can leak. */
  command: string;
  /** Detail lines the module sent before the result (e.g. `+CWJAP:2`). */
  lines: string[];
  /** The value of an `ERR CODE:0x…` line, when the module sent one (`AT+SYSLOG=1`). */
  errCode?: number;
}

/**
 * The error every AT command rejects with: the core's {@link ProvisionError} (an `Error` with a
 * `code`; `timeout` for a silent module, `transport` for everything else) plus the {@link AtFailure}
 * in `at`.
 *
 * @example
 * ```ts
 * try { await client.send('AT+CWSTATE?'); }
 * catch (e) { if (isAtError(e) && e.at.reason === 'timeout') console.warn('module not answering'); }
 * ```
 */
export interface AtError extends ProvisionError {
  /** The AT-level detail. */
  at: AtFailure;
}

/** @internal Build an {@link AtError}. */
export function atError(failure: AtFailure, message: string, cause?: unknown): AtError {
  const code: ProvisionErrorCode = failure.reason === 'timeout' ? 'timeout' : 'transport';
  const err = provisionError(code, message, cause === undefined ? undefined : { cause }) as AtError;
  err.at = failure;
  return err;
}

/** True when `e` is an {@link AtError}, optionally with the given reason. */
export function isAtError(e: unknown, reason?: AtFailureReason): e is AtError {
  if (!e || typeof e !== 'object') return false;
  const at = (e as { at?: { reason?: unknown } }).at;
  if (!at || typeof at.reason !== 'string') return false;
  return reason === undefined || at.reason === reason;
}
