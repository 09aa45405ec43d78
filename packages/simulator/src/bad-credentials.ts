// The bad-credentials count of R8.2, followed from the provisioner's events so the screen can show how close a reset is.
import type { ResolvedConfig, WifiStateEvent } from '@provision/core';

/** Where the count stands, while it matters. */
export interface BadCredentials {
  /** Consecutive `auth-error` / `ap-not-found` failures so far. */
  count: number;
  /** The failure that resets the device (`wifi.badCredentialAttempts`). */
  limit: number;
  /** The last failure counted. */
  reason: 'auth-error' | 'ap-not-found';
}

/** What the device looked like when a Wi-Fi event arrived. */
export interface BadCredentialContext {
  wifiConfigured: boolean;
  /** A provisioning session is not idle: its failures are its own (R8.5), never counted. */
  sessionActive: boolean;
  resetting: boolean;
}

/**
 * Counts as the core does (R8.2), from what the core publishes: a disconnect classified `auth-error` or
 * `ap-not-found`, before the first connection (`wifiConfigured` false) and without an active session,
 * counts one; `other` neither counts nor breaks the run; a connection, new credentials (the core calls
 * the Wi-Fi port's `connect()` only from `configureSta()`, after zeroing its count) and a boot start
 * over. The core keeps its count private; this one is for the screen and the scripts, not for deciding.
 */
export class BadCredentialCounter {
  private count_ = 0;
  private reason_: BadCredentials['reason'] = 'auth-error';
  private readonly config_: ResolvedConfig['wifi'];

  constructor(config: ResolvedConfig['wifi']) {
    this.config_ = config;
  }

  /** New credentials were applied, or the device booted. */
  restart(): void {
    this.count_ = 0;
  }

  /** A `wifi` event of the provisioner. */
  onWifi(ev: WifiStateEvent, ctx: BadCredentialContext): void {
    if (ev.state === 'connected') {
      this.count_ = 0;
      return;
    }
    if (ev.reason !== 'auth-error' && ev.reason !== 'ap-not-found') return;
    if (ctx.resetting || ctx.sessionActive || ctx.wifiConfigured || !this.config_.resetOnBadCredentials) return;
    this.count_++;
    this.reason_ = ev.reason;
  }

  /**
   * The count while it matters: some failure counted, `wifiConfigured` still false, no session
   * active, the reset switched on. Undefined otherwise.
   */
  current(ctx: BadCredentialContext): BadCredentials | undefined {
    if (this.count_ === 0 || ctx.wifiConfigured || ctx.sessionActive || !this.config_.resetOnBadCredentials) return undefined;
    return { count: this.count_, limit: this.config_.badCredentialAttempts, reason: this.reason_ };
  }
}

/**
 * The count in words, for the screen and the timeline.
 *
 * @example
 * ```ts
 * describeBadCredentials({ count: 1, limit: 3, reason: 'auth-error' });
 * // "wrong password 1 of 3 — the device resets at 3"
 * ```
 */
export function describeBadCredentials(b: BadCredentials): string {
  const what = b.reason === 'auth-error' ? 'wrong password' : 'network not found';
  return b.count >= b.limit ? `${what} ${b.count} of ${b.limit} — factory reset` : `${what} ${b.count} of ${b.limit} — the device resets at ${b.limit}`;
}
