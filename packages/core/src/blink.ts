import type { LedPattern } from './config';
import type { Clock, LedPort, MaybePromise, TimerHandle } from './ports';

/** Solid on. */
export const SOLID_ON: LedPattern = { on: 1, off: 0 };
/** Solid off. */
export const SOLID_OFF: LedPattern = { on: 0, off: 1 };
/** The reset-pending pattern (R6.3): toggle every 100 ms. */
export const RESET_PENDING: LedPattern = { on: 100, off: 100 };

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
  const eff = stableState === 0 ? 3 : stableState;
  const o = overrides || {};
  const exact = o[String(cur)];
  if (exact) return exact;
  if (cur >= eff) return o.stable || SOLID_ON;
  if (cur === 0) return { on: 1000, off: 1000 };
  if (cur === 1) return { on: 500, off: 500 };
  return { on: 250, off: 250 };
}

/** True when the pattern is steady (no toggling). */
export function isSteady(p: LedPattern): boolean {
  return p.on === 0 || p.off === 0;
}

/**
 * Drives an LED port with a pattern. Toggle times are computed from the pattern's start
 * (`start + k·period`, `start + k·period + on`), so the blink never drifts however long it runs, and a
 * late timer lands on the right phase instead of shifting every later toggle (R6.2). When the port can
 * `blink()`, it is delegated and no timer is set.
 * @internal
 */
export class LedDriver {
  private pattern: LedPattern | undefined;
  private start = 0;
  private timer: TimerHandle | undefined;
  private lit: boolean | undefined;

  constructor(
    private readonly led: LedPort | undefined,
    private readonly clock: Clock,
    private readonly report: (e: unknown) => void,
  ) {}

  /** The pattern being shown, if any. */
  current(): LedPattern | undefined {
    return this.pattern;
  }

  /** Show `p`. Showing the pattern already shown changes nothing (the phase is kept). */
  show(p: LedPattern): void {
    const led = this.led;
    if (!led) return;
    if (this.pattern && this.pattern.on === p.on && this.pattern.off === p.off) return;
    this.cancel();
    this.pattern = p;
    this.lit = undefined;
    if (isSteady(p)) {
      this.write(p.off === 0);
      return;
    }
    if (led.blink) {
      const blink = led.blink.bind(led);
      this.guard(() => blink(p.on, p.off));
      return;
    }
    this.start = this.clock.now();
    this.tick();
  }

  /** Stop toggling; the LED keeps its level. */
  stop(): void {
    this.cancel();
    this.pattern = undefined;
  }

  private tick(): void {
    const p = this.pattern;
    if (!p) return;
    const period = p.on + p.off;
    const elapsed = this.clock.now() - this.start;
    const cycles = Math.floor(elapsed / period);
    const within = elapsed - cycles * period;
    const on = within < p.on;
    this.write(on);
    const next = this.start + cycles * period + (on ? p.on : period);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.tick();
    }, Math.max(0, next - this.clock.now()));
  }

  private write(on: boolean): void {
    if (this.lit === on) return;
    this.lit = on;
    const led = this.led as LedPort;
    this.guard(() => led.set(on));
  }

  private guard(fn: () => MaybePromise<void>): void {
    try {
      const r = fn();
      if (r && typeof (r as Promise<void>).then === 'function') (r as Promise<void>).then(undefined, this.report);
    } catch (e) {
      this.report(e);
    }
  }

  private cancel(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
