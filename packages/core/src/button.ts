import { after } from './maybe';
import type { ButtonEdge, ButtonPort, Clock, MaybePromise, TimerHandle } from './ports';

/** What the reset button reports (R5.3–R5.5). */
export type ButtonEventType = 'pressed' | 'released' | 'activated' | 'inhibited' | 'stuck';

/** Payload of the `button` event. */
export interface ButtonEvent {
  type: ButtonEventType;
}

/** What the button logic needs from the provisioner. @internal */
export interface ButtonHost {
  clock: Clock;
  holdMs: number;
  debounceMs: number;
  inhibitAfterMs: number;
  uptime(): MaybePromise<number>;
  isLatched(): boolean;
  clearLatch(): void;
  emit(type: ButtonEventType): void;
  /** A hold timer started (show the reset-pending LED, R5.6). */
  holdStarted(): void;
  /** A hold timer ended without a reset. */
  holdEnded(): void;
  /** The button asks for a factory reset. */
  activate(): void;
  report(e: unknown): void;
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
  private pressed = false;
  private debounceTimer: TimerHandle | undefined;
  private holdTimer: TimerHandle | undefined;
  private sampleTimer: TimerHandle | undefined;
  private unwatch: (() => void) | undefined;
  private stopped = false;
  /** The current press was inhibited: ignore its release. */
  private ignoring = false;

  constructor(
    private readonly port: ButtonPort,
    private readonly host: ButtonHost,
  ) {}

  /**
   * Begin watching. In boot-hold mode resolves after sampling; `done(true)` means a reset was asked for.
   */
  begin(done: (resetRequested: boolean) => void): void {
    const h = this.host;
    if (h.holdMs === 0) {
      this.sampleBoot(done);
      return;
    }
    this.watchEdges();
    after(
      () => this.port.read(),
      (level) => {
        if (this.stopped) return;
        if (level) this.onEdge({ pressed: true, at: h.clock.now() });
        else if (h.isLatched()) h.clearLatch();
      },
      (e) => h.report(e),
    );
    done(false);
  }

  /** Stop all timers and edge delivery. */
  stop(): void {
    this.stopped = true;
    this.cancel('debounceTimer');
    this.cancel('holdTimer');
    this.cancel('sampleTimer');
    if (this.unwatch) {
      const u = this.unwatch;
      this.unwatch = undefined;
      try {
        u();
      } catch (e) {
        this.host.report(e);
      }
    }
  }

  private sampleBoot(done: (resetRequested: boolean) => void): void {
    const h = this.host;
    let taken = 0;
    let pressedCount = 0;
    let sawRelease = false;
    const finish = (): void => {
      if (this.stopped) return;
      if (sawRelease && h.isLatched()) h.clearLatch();
      if (pressedCount > SAMPLES_NEEDED) {
        after(
          () => h.uptime(),
          (up) => {
            if (this.stopped) return;
            if (h.inhibitAfterMs > 0 && up > h.inhibitAfterMs) {
              h.emit('inhibited');
              done(false);
            } else if (h.isLatched()) {
              h.emit('stuck');
              this.pressed = true;
              // Keep watching so the latch clears the moment the button is let go (R5.5).
              this.watchEdges();
              done(false);
            } else {
              h.emit('activated');
              done(true);
            }
          },
          (e) => {
            h.report(e);
            done(false);
          },
        );
        return;
      }
      done(false);
    };
    const sample = (): void => {
      this.sampleTimer = undefined;
      if (this.stopped) return;
      after(
        () => this.port.read(),
        (level) => {
          if (level) pressedCount++;
          else sawRelease = true;
          taken++;
          if (taken >= SAMPLES) finish();
          else this.sampleTimer = h.clock.setTimeout(sample, SAMPLE_GAP_MS);
        },
        (e) => {
          h.report(e);
          taken++;
          if (taken >= SAMPLES) finish();
          else this.sampleTimer = h.clock.setTimeout(sample, SAMPLE_GAP_MS);
        },
      );
    };
    sample();
  }

  private watchEdges(): void {
    if (this.unwatch || this.stopped) return;
    try {
      this.unwatch = this.port.watch((edge) => this.onEdge(edge));
    } catch (e) {
      this.host.report(e);
    }
  }

  private onEdge(edge: ButtonEdge): void {
    if (this.stopped) return;
    const h = this.host;
    if (!edge.pressed) {
      if (!this.pressed) return;
      this.pressed = false;
      if (h.isLatched()) h.clearLatch();
      this.ignoring = false;
      if (this.debounceTimer !== undefined) this.cancel('debounceTimer');
      if (this.holdTimer !== undefined) {
        this.cancel('holdTimer');
        h.emit('released');
        h.holdEnded();
      }
      return;
    }
    if (this.pressed) return;
    this.pressed = true;
    // Boot-hold mode watches edges only to clear the latch.
    if (h.holdMs === 0) return;
    after(
      () => h.uptime(),
      (up) => {
        if (this.stopped || !this.pressed) return;
        if (h.inhibitAfterMs > 0 && up > h.inhibitAfterMs) {
          this.ignoring = true;
          h.emit('inhibited');
          return;
        }
        const debounce = this.port.hardwareDebounce ? 0 : h.debounceMs;
        if (debounce === 0) this.confirmPress();
        else
          this.debounceTimer = h.clock.setTimeout(() => {
            this.debounceTimer = undefined;
            this.confirmPress();
          }, debounce);
      },
      (e) => h.report(e),
    );
  }

  private confirmPress(): void {
    const h = this.host;
    if (this.stopped || !this.pressed || this.ignoring) return;
    h.emit('pressed');
    h.holdStarted();
    this.holdTimer = h.clock.setTimeout(() => {
      this.holdTimer = undefined;
      if (this.stopped || !this.pressed) return;
      if (h.isLatched()) {
        h.emit('stuck');
        h.holdEnded();
        return;
      }
      h.emit('activated');
      h.activate();
    }, h.holdMs);
  }

  private cancel(which: 'debounceTimer' | 'holdTimer' | 'sampleTimer'): void {
    const t = this[which];
    if (t !== undefined) {
      this.host.clock.clearTimeout(t);
      this[which] = undefined;
    }
  }
}
