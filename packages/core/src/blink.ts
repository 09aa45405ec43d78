import type { LedPattern } from './config';
import { isThenable } from './maybe';
import type { Clock, LedPort, MaybePromise, TimerHandle } from './ports';

// Patterns are written as literals where they are used, not kept in module-level constants: on
// Espruino each module-level object costs memory for as long as the module is loaded. Solid on is
// `{ on: 1, off: 0 }`, solid off `{ on: 0, off: 1 }`, reset pending (R6.3) `{ on: 100, off: 100 }`.

/**
 * The LED pattern for a provisioning state (R6.1): 0 → 1000/1000 ms, 1 → 500/500, 2 → 250/250,
 * states from 3 up to `effectiveStable - 1` → 250/250, `effectiveStable` and above → solid on, where
 * `effectiveStable` is `stableState`, or 3 when `stableState` is 0. `overrides` (config
 * `led.patterns`) win: by exact state, then `stable`.
 *
 * @example
 * ```ts
 * patternFor(1, 3); // { on: 500, off: 500 }
 * patternFor(3, 3); // solid on
 * ```
 */
export function patternFor(cur: number, stableState: number, overrides?: { [state: string]: LedPattern }): LedPattern {
  const eff = stableState || 3;
  const o = overrides || {};
  const exact = o[String(cur)];
  if (exact) return exact;
  if (cur >= eff) return o.stable || { on: 1, off: 0 };
  if (cur === 0) return { on: 1000, off: 1000 };
  if (cur === 1) return { on: 500, off: 500 };
  return { on: 250, off: 250 };
}

/** What the LED driver reports a failing LED port to: the provisioner itself. @internal */
export interface LedHost {
  fail_(what: string, e: unknown): void;
}

/**
 * Drives an LED port with a pattern. Toggle times are computed from the pattern's start
 * (`start + k·period`, `start + k·period + on`), so the blink never drifts however long it runs, and a
 * late timer lands on the right phase instead of shifting every later toggle (R6.2). When the port can
 * `blink()`, it is delegated and no timer is set.
 * @internal
 */
export class LedDriver {
  private pattern_: LedPattern | undefined;
  private start_ = 0;
  private timer_: TimerHandle | undefined;
  /** 1 lit, 0 dark, undefined unknown (a number: on Espruino one variable less than a boolean). */
  private lit_: number | undefined;

  private readonly led_: LedPort | undefined;
  private readonly clock_: Clock;
  private readonly host_: LedHost;

  constructor(led: LedPort | undefined, clock: Clock, host: LedHost) {
    this.led_ = led;
    this.clock_ = clock;
    this.host_ = host;
  }

  /** Show `p`. Showing the pattern already shown changes nothing (the phase is kept). */
  show_(p: LedPattern): void {
    const led = this.led_;
    if (!led) return;
    const cur = this.pattern_;
    if (cur && cur.on === p.on && cur.off === p.off) return;
    this.cancel_();
    this.pattern_ = p;
    this.lit_ = undefined;
    // Steady (no toggling).
    if (p.on === 0 || p.off === 0) {
      this.write_(p.off === 0);
      return;
    }
    if (led.blink) {
      this.guard_(() => (led as Required<LedPort>).blink(p.on, p.off));
      return;
    }
    this.start_ = this.clock_.now();
    this.tick_();
  }

  /** Stop toggling; the LED keeps its level. */
  stop_(): void {
    this.cancel_();
    this.pattern_ = undefined;
  }

  private tick_(): void {
    this.timer_ = undefined;
    const p = this.pattern_;
    if (!p) return;
    let within = (this.clock_.now() - this.start_) % (p.on + p.off);
    if (within < 0) within += p.on + p.off; // a clock that went back
    this.write_(within < p.on);
    // The next step is this method, bound: on Espruino a closure would keep this call's scope alive
    // until it fires (a bound function is about four variables and keeps no scope).
    this.timer_ = this.clock_.setTimeout(this.tick_.bind(this), (within < p.on ? p.on : p.on + p.off) - within);
  }

  private write_(on: boolean): void {
    if (this.lit_ === (on ? 1 : 0)) return;
    this.lit_ = on ? 1 : 0;
    const led = this.led_ as LedPort;
    this.guard_(() => led.set(on));
  }

  private guard_(fn: () => MaybePromise<void>): void {
    try {
      const r = fn();
      if (isThenable(r)) r.then(undefined, (e) => this.host_.fail_('LED port failed', e));
    } catch (e) {
      this.host_.fail_('LED port failed', e);
    }
  }

  private cancel_(): void {
    if (this.timer_ !== undefined) {
      this.clock_.clearTimeout(this.timer_);
      this.timer_ = undefined;
    }
  }
}
