// The daemon's reboot: bounded retries on the Clock, then a verdict the daemon turns into an exit status.
import type { Clock, SystemPort } from '@provision/core';
import { adapterError, describe } from '../errors';

/** How hard the daemon tries to reboot before it gives up and exits instead. */
export interface RebootPolicy {
  /** Reboot requests before giving up. Default 3. */
  attempts: number;
  /** Wait before the second request, ms; doubles for each further one. Default 1000. */
  retryMs: number;
  /** A request that has not answered after this long counts as failed, ms. Default 10000. */
  attemptTimeoutMs: number;
}

/** The default {@link RebootPolicy}: requests at 0 s, 1 s and 3 s (plus their own duration). */
export const DEFAULT_REBOOT_POLICY: RebootPolicy = { attempts: 3, retryMs: 1000, attemptTimeoutMs: 10000 };

/** What became of the reboot: requested, or given up on with the last error. */
export type RebootOutcome = { ok: true; attempts: number } | { ok: false; attempts: number; error: Error };

/** A {@link SystemPort} whose `reboot()` retries, and what it can tell about it. */
export interface RetryingReboot {
  /** The port to give the provisioner. */
  readonly system: SystemPort;
  /** Resolves when the first reboot finished trying (never rejects). */
  readonly outcome: Promise<RebootOutcome>;
  /** Requests made so far, and the last failure (for `status`). */
  progress(): { attempts: number; lastError?: string };
  /** Stop retrying (the daemon is stopping): the outcome becomes a failure now. */
  cancel(): void;
}

/**
 * Wrap `system` so that a failed reboot request (no logind, `systemctl reboot` refused, a request that
 * never answers) is retried `attempts` times with a doubling delay on `clock`. Each failure is
 * reported through `onAttemptFailed`. `reboot()` settles once trying is over, resolving on success and
 * rejecting with the last error; `outcome` says the same without rejecting.
 */
export function retryingReboot(
  system: SystemPort,
  options: { clock: Clock; policy?: Partial<RebootPolicy>; onAttemptFailed?: (attempt: number, of: number, error: Error) => void },
): RetryingReboot {
  const policy: RebootPolicy = { ...DEFAULT_REBOOT_POLICY, ...options.policy };
  const clock = options.clock;
  let attempts = 0;
  let lastError: Error | undefined;
  let running: Promise<void> | undefined;
  let cancelled: (() => void) | undefined;
  let stopped = false;
  let settle!: (o: RebootOutcome) => void;
  const outcome = new Promise<RebootOutcome>((r) => (settle = r));
  const stopError = (): Error => adapterError('not-supported', 'the daemon is stopping');

  /** `p`, failing after `ms` of clock time or at cancel(). */
  function bounded(p: () => unknown, ms: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const t = clock.setTimeout(() => reject(adapterError('timeout', `the reboot request did not answer within ${ms} ms`)), ms);
      cancelled = () => reject(stopError());
      Promise.resolve()
        .then(p)
        .then(resolve, reject)
        .finally(() => clock.clearTimeout(t));
    });
  }

  /** Wait `ms` of clock time; rejects at cancel(). */
  function wait(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = clock.setTimeout(resolve, ms);
      cancelled = () => {
        clock.clearTimeout(t);
        reject(stopError());
      };
    });
  }

  function giveUp(last: Error): Error {
    const error = adapterError('not-supported', `the reboot failed ${attempts} time${attempts === 1 ? '' : 's'}; last: ${last.message}`, { cause: last });
    settle({ ok: false, attempts, error });
    return error;
  }

  async function loop(): Promise<void> {
    for (;;) {
      attempts++;
      try {
        await bounded(() => system.reboot(), policy.attemptTimeoutMs);
        settle({ ok: true, attempts });
        return;
      } catch (e) {
        lastError = e instanceof Error ? e : new Error(describe(e));
        if (!stopped) options.onAttemptFailed?.(attempts, policy.attempts, lastError);
        if (attempts >= policy.attempts || stopped) throw giveUp(lastError);
      }
      try {
        await wait(policy.retryMs * 2 ** (attempts - 1));
      } catch {
        throw giveUp(lastError);
      }
    }
  }

  const port: SystemPort = {
    reboot() {
      // The core asks once per reset; a second caller joins the first attempt instead of rebooting twice.
      running ??= loop();
      return running;
    },
  };
  const up = (system as { uptimeMs?: () => number | Promise<number> }).uptimeMs;
  if (up) port.uptimeMs = () => up.call(system);
  return {
    system: port,
    outcome,
    progress: () => ({ attempts, ...(lastError ? { lastError: lastError.message } : {}) }),
    cancel() {
      stopped = true;
      cancelled?.();
      if (!running) settle({ ok: false, attempts, error: adapterError('not-supported', 'the daemon stopped before the reboot') });
    },
  };
}
