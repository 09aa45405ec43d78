/** Timers the hold detector uses: real ones on the screen, simulated ones in tests. */
export interface HoldTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What the hold detector drives. */
export interface HoldTarget {
  press(): void;
  release(): void;
}

/**
 * Turns key presses into a held button. Terminals report no key-up, so a key held down shows up as
 * its auto-repeat: the button goes down at the first key press and stays down while repeats keep
 * arriving within `windowMs` of each other; it goes up `windowMs` after the last one. `toggle()`
 * latches the button down (and up again) for terminals without auto-repeat; while latched, repeats
 * change nothing.
 *
 * @example
 * ```ts
 * const hold = new KeyHold({ press: () => dev.press(), release: () => dev.release() }, 600, globalThis);
 * onKey(' ', () => hold.key());
 * onKey('B', () => hold.toggle());
 * ```
 */
export class KeyHold {
  private down_ = false;
  private latched_ = false;
  private timer_: unknown;
  private readonly target_: HoldTarget;
  private readonly windowMs_: number;
  private readonly timers_: HoldTimers;

  constructor(target: HoldTarget, windowMs: number, timers: HoldTimers) {
    this.target_ = target;
    this.windowMs_ = windowMs;
    this.timers_ = timers;
  }

  /** A press (or an auto-repeat) of the hold key arrived. */
  key(): void {
    if (this.latched_) return;
    this.cancel_();
    if (!this.down_) {
      this.down_ = true;
      this.target_.press();
    }
    this.timer_ = this.timers_.setTimeout(() => {
      this.timer_ = undefined;
      this.down_ = false;
      this.target_.release();
    }, this.windowMs_);
  }

  /** Latch the button down, or release a latched (or held) button. */
  toggle(): void {
    this.cancel_();
    if (this.latched_) {
      this.latched_ = false;
      this.down_ = false;
      this.target_.release();
      return;
    }
    this.latched_ = true;
    if (!this.down_) {
      this.down_ = true;
      this.target_.press();
    }
  }

  /** Is the button held (by repeats or the latch)? */
  isDown(): boolean {
    return this.down_;
  }

  /** Is the button latched down? */
  isLatched(): boolean {
    return this.latched_;
  }

  /** Forget the state after the device was replaced; no release is sent. */
  reset(): void {
    this.cancel_();
    this.down_ = false;
    this.latched_ = false;
  }

  /** Stop the release timer (quitting). */
  dispose(): void {
    this.cancel_();
  }

  private cancel_(): void {
    if (this.timer_ !== undefined) {
      this.timers_.clearTimeout(this.timer_);
      this.timer_ = undefined;
    }
  }
}
