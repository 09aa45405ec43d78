import type { ResolvedConfig, StateEvent } from '@provision/core';

/**
 * Follows the provisioning timeout (§4) from the outside, from `state` events and the configuration
 * alone: armed when `max` enters `1..stableState-1` (also at boot, R4.3), kept through moves inside
 * that range (R4.1), cancelled when `max` leaves it (R4.2), gone with a factory reset. The core does not
 * expose its timer; this mirrors its rules so the screen can count down.
 *
 * @example
 * ```ts
 * const t = new TimeoutTracker(prov.config);
 * prov.on('state', (s) => t.onState(s, clock.now()));
 * t.remaining(clock.now()); // ms left, or undefined when no timeout runs
 * ```
 */
export class TimeoutTracker {
  private deadline_: number | undefined;
  private readonly stable_: number;
  private readonly timeoutMs_: number;

  constructor(config: Pick<ResolvedConfig, 'stableState' | 'timeoutMs'>) {
    this.stable_ = config.stableState;
    this.timeoutMs_ = config.timeoutMs;
  }

  /** Feed a `state` event seen at `now`. Returns `armed` or `cancelled` when that changed. */
  onState(s: Pick<StateEvent, 'max'>, now: number): 'armed' | 'cancelled' | undefined {
    const enabled = this.stable_ > 0 && this.timeoutMs_ > 0;
    const inRange = enabled && s.max >= 1 && s.max < this.stable_;
    if (inRange && this.deadline_ === undefined) {
      this.deadline_ = now + this.timeoutMs_;
      return 'armed';
    }
    if (!inRange && this.deadline_ !== undefined) {
      this.deadline_ = undefined;
      return 'cancelled';
    }
    return undefined;
  }

  /** A factory reset or a reboot stops the core's timer. */
  clear(): void {
    this.deadline_ = undefined;
  }

  /** When the timeout fires (simulated ms), or undefined. */
  deadline(): number | undefined {
    return this.deadline_;
  }

  /** Milliseconds left at `now`, or undefined when no timeout runs. */
  remaining(now: number): number | undefined {
    return this.deadline_ === undefined ? undefined : Math.max(0, this.deadline_ - now);
  }
}
