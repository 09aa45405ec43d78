import type { ResolvedConfig } from './config';
import { after } from './maybe';
import type { ButtonEdge, ButtonPort, Clock, MaybePromise, TimerHandle } from './ports';

/** What the reset button reports (R5.3–R5.5). */
export type ButtonEventType = 'pressed' | 'released' | 'activated' | 'inhibited' | 'stuck';

/** Payload of the `button` event. */
export interface ButtonEvent {
  type: ButtonEventType;
}

/**
 * What the button logic needs from the provisioner: the provisioner itself, so that no per-instance
 * object of closures is needed (on Espruino each closure costs memory). @internal
 */
export interface ButtonHost {
  readonly clock_: Clock;
  readonly config: ResolvedConfig;
  /** The stuck-button latch is set (R5.5). */
  isLatched_(): boolean;
  uptime_(): MaybePromise<number>;
  clearLatch_(): void;
  /** A hold timer started (show the reset-pending LED, R5.6). */
  holdStarted_(): void;
  /** A hold timer ended without a reset. */
  holdEnded_(): void;
  emit_(name: 'button', payload: ButtonEvent): void;
  fail_(what: string, e: unknown): void;
  factoryReset(cause: 'button'): Promise<void>;
}

/** Boot-hold sampling (R5.2): this many samples, this far apart, more than this many pressed. */
const SAMPLES = 10;
const SAMPLE_GAP_MS = 1;
const SAMPLES_NEEDED = 7;

/**
 * The reset button's logic: boot-hold sampling (R5.2), long press with debounce (R5.3), inhibit after
 * uptime (R5.4) and the stuck-button latch (R5.5).
 * @internal
 */
export class ButtonWatcher {
  // Numbers (1 or 0), not booleans: on Espruino a number field is one variable, a boolean two.
  private pressed_?: number;
  private debounceTimer_: TimerHandle | undefined;
  private holdTimer_: TimerHandle | undefined;
  private sampleTimer_: TimerHandle | undefined;
  private unwatch_: (() => void) | undefined;
  private stopped_?: boolean;
  /** The current press was inhibited: ignore its release. */
  private ignoring_?: number;

  private readonly port_: ButtonPort;
  private readonly host_: ButtonHost;
  private readonly cfg_: ResolvedConfig['button'];

  constructor(port: ButtonPort, host: ButtonHost) {
    this.port_ = port;
    this.host_ = host;
    this.cfg_ = host.config.button;
  }

  /**
   * Begin watching. In boot-hold mode resolves after sampling; `done(true)` means a reset was asked for.
   */
  begin_(done: (resetRequested: boolean) => void): void {
    const h = this.host_;
    if (this.cfg_.holdMs === 0) {
      this.sampleBoot_(done);
      return;
    }
    this.watchEdges_();
    after(
      () => this.port_.read(),
      (level) => {
        if (this.stopped_) return;
        if (level) this.onEdge_({ pressed: true, at: h.clock_.now() });
        else if (h.isLatched_()) h.clearLatch_();
      },
      (e) => this.report_(e),
    );
    done(false);
  }

  /** Stop all timers and edge delivery. */
  stop_(): void {
    this.stopped_ = true;
    this.debounceTimer_ = this.clear_(this.debounceTimer_);
    this.holdTimer_ = this.clear_(this.holdTimer_);
    this.sampleTimer_ = this.clear_(this.sampleTimer_);
    if (this.unwatch_) {
      const u = this.unwatch_;
      this.unwatch_ = undefined;
      try {
        u();
      } catch (e) {
        this.report_(e);
      }
    }
  }

  private sampleBoot_(done: (resetRequested: boolean) => void): void {
    const h = this.host_;
    let taken = 0;
    let pressedCount = 0;
    let sawRelease = false;
    const finish = (): void => {
      if (this.stopped_) return;
      if (sawRelease && h.isLatched_()) h.clearLatch_();
      if (pressedCount > SAMPLES_NEEDED) {
        after(
          () => h.uptime_(),
          (up) => {
            if (this.stopped_) return;
            if (this.cfg_.inhibitAfterMs > 0 && up > this.cfg_.inhibitAfterMs) {
              this.announce_('inhibited');
              done(false);
            } else if (h.isLatched_()) {
              this.announce_('stuck');
              this.pressed_ = 1;
              // Keep watching so the latch clears the moment the button is let go (R5.5).
              this.watchEdges_();
              done(false);
            } else {
              this.announce_('activated');
              done(true);
            }
          },
          (e) => {
            this.report_(e);
            done(false);
          },
        );
        return;
      }
      done(false);
    };
    const sample = (): void => {
      this.sampleTimer_ = undefined;
      if (this.stopped_) return;
      after(
        () => this.port_.read(),
        (level) => {
          if (level) pressedCount++;
          else sawRelease = true;
          taken++;
          if (taken >= SAMPLES) finish();
          else this.sampleTimer_ = h.clock_.setTimeout(sample, SAMPLE_GAP_MS);
        },
        (e) => {
          this.report_(e);
          taken++;
          if (taken >= SAMPLES) finish();
          else this.sampleTimer_ = h.clock_.setTimeout(sample, SAMPLE_GAP_MS);
        },
      );
    };
    sample();
  }

  private watchEdges_(): void {
    if (this.unwatch_ || this.stopped_) return;
    try {
      // A bound method, not a closure: on Espruino it costs about four variables for as long as the
      // watch lasts, a closure its whole scope as well.
      this.unwatch_ = this.port_.watch(this.onEdge_.bind(this));
    } catch (e) {
      this.report_(e);
    }
  }

  private onEdge_(edge: ButtonEdge): void {
    if (this.stopped_) return;
    const h = this.host_;
    if (!edge.pressed) {
      if (!this.pressed_) return;
      this.pressed_ = 0;
      if (h.isLatched_()) h.clearLatch_();
      this.ignoring_ = 0;
      this.debounceTimer_ = this.clear_(this.debounceTimer_);
      if (this.holdTimer_ !== undefined) {
        this.holdTimer_ = this.clear_(this.holdTimer_);
        this.announce_('released');
        h.holdEnded_();
      }
      return;
    }
    if (this.pressed_) return;
    this.pressed_ = 1;
    // Boot-hold mode watches edges only to clear the latch.
    if (this.cfg_.holdMs === 0) return;
    after(
      () => h.uptime_(),
      (up) => {
        if (this.stopped_ || !this.pressed_) return;
        if (this.cfg_.inhibitAfterMs > 0 && up > this.cfg_.inhibitAfterMs) {
          this.ignoring_ = 1;
          this.announce_('inhibited');
          return;
        }
        const debounce = this.port_.hardwareDebounce ? 0 : this.cfg_.debounceMs;
        if (debounce === 0) this.confirmPress_();
        // Bound methods for the timers, not closures: these scopes would stay alive until they fire.
        else this.debounceTimer_ = h.clock_.setTimeout(this.confirmPress_.bind(this), debounce);
      },
      (e) => this.report_(e),
    );
  }

  private confirmPress_(): void {
    this.debounceTimer_ = undefined;
    const h = this.host_;
    if (this.stopped_ || !this.pressed_ || this.ignoring_) return;
    this.announce_('pressed');
    h.holdStarted_();
    this.holdTimer_ = h.clock_.setTimeout(this.held_.bind(this), this.cfg_.holdMs);
  }

  /** The hold timer fired: held for `holdMs`. */
  private held_(): void {
    const h = this.host_;
    this.holdTimer_ = undefined;
    if (this.stopped_ || !this.pressed_) return;
    if (h.isLatched_()) {
      this.announce_('stuck');
      h.holdEnded_();
      return;
    }
    this.announce_('activated');
    void h.factoryReset('button');
  }

  private announce_(type: ButtonEventType): void {
    this.host_.emit_('button', { type: type });
  }

  private report_(e: unknown): void {
    this.host_.fail_('button port failed', e);
  }

  /** Clear a timer; returns undefined to store back in its field. */
  private clear_(t: TimerHandle | undefined): undefined {
    if (t !== undefined) this.host_.clock_.clearTimeout(t);
    return undefined;
  }

}
