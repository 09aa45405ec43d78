import { LedDriver, patternFor } from './blink';
import { ButtonWatcher, type ButtonEvent } from './button';
import { defaultClock } from './clock';
import { checkState, validateConfig, type ProvisionConfig, type ResolvedConfig } from './config';
import { validateCredentials } from './credentials';
import { Emitter, type Listener } from './emitter';
import { describeError, isProvisionError, provisionError, type ProvisionError } from './errors';
import { after, andThen, isThenable, sequence } from './maybe';
import type {
  Clock,
  DisconnectReason,
  MaybePromise,
  Ports,
  ProvisionRecord,
  ResetCause,
  ResetJournal,
  TimerHandle,
  WifiCredentials,
  WifiEvent,
} from './ports';
import { CAUSES, checkJournal, checkRecord, freshJournal, isNewerRecord, JOURNAL_LIMIT, RECORD_VERSION } from './record';
import { createSession, type Session, type SessionEvents, type SessionState } from './session';

/** Named provisioning states (R3). States above 3 are application-defined. */
export const State = {
  Unprovisioned: 0,
  NetworkConfigured: 1,
  NetworkConnected: 2,
  CloudConnected: 3,
} as const;

/** Payload of the `state` event (R3.2). */
export interface StateEvent {
  cur: number;
  max: number;
  prevCur: number;
  prevMax: number;
}

/** The Wi-Fi station as the provisioner sees it (R8.8). */
export type WifiState = 'connecting' | 'connected' | 'disconnected' | 'attempt-failed';

/** Payload of the `wifi` event: every station change, classified. */
export interface WifiStateEvent {
  state: WifiState;
  /** For `disconnected`/`attempt-failed`: the classified reason. */
  reason?: DisconnectReason;
  /** The platform's raw reason. */
  raw?: string | number;
  /** For `connected`: the address, when the adapter knows it. */
  ip?: string;
  /** For `attempt-failed`: attempts left in this session (R8.5). */
  attemptsRemaining?: number;
}

/** Payload of the `warning` event: something was wrong and was recovered from. */
export interface WarningEvent {
  message: string;
  cause?: unknown;
}

/** Every event a provisioner emits, with its payload. */
export interface ProvisionEvents extends SessionEvents {
  /** `cur` or `max` changed (R3.2, R3.3); also once at `start()` (R3.6). */
  state: StateEvent;
  /** A factory reset is under way; the reboot follows `rebootDelayMs` later (R7.2). */
  reset: { cause: ResetCause };
  /** The reset button (R5). */
  button: ButtonEvent;
  /** Station changes. */
  wifi: WifiStateEvent;
  /**
   * Recovered problems: an unreadable, corrupt or newer-version record at start (R3.6, R3.7), a record
   * rewound for want of stored credentials (R3.8), a corrupt journal.
   */
  warning: WarningEvent;
  /** Failures of a port or a listener (R7.3). Never contains a secret. */
  error: ProvisionError;
}

/** The provisioner API. Create one with {@link createProvisioner}. */
export interface Provisioner {
  /**
   * Load the record and the journal, ask the Wi-Fi port whether credentials are stored (R3.7, R3.8),
   * emit the first `state`, check the boot button, arm timers, then subscribe to Wi-Fi events (R3.6).
   * Wi-Fi is subscribed only after the boot-button check (10 samples 1 ms apart in boot-hold mode:
   * 9 ms after `start()`), so a join answered during sampling cannot race a boot-hold reset.
   *
   * Resolves once the device runs — or, when the boot-hold check starts a factory reset, once that
   * reset is under way ({@link Provisioner.isResetting} is true; the reboot follows `rebootDelayMs`
   * later). Never rejects for a storage or Wi-Fi failure: those become `warning`/`error` events.
   */
  start(): Promise<void>;
  /**
   * Stop watching ports and cancel every timer. Nothing is written. A factory reset already under way
   * still reboots (R7.3: the reboot always happens).
   */
  stop(): void;
  /** Set the current state 0..255 (R3.2); raises and persists `max` when above it. */
  setCurState(n: number): void;
  /** Set the persisted maximum state directly, e.g. to rewind provisioning (R3.3). */
  setMaxState(n: number): void;
  /** Current state (RAM only, 0 at every start). */
  getCurState(): number;
  /** Persisted maximum state. */
  getMaxState(): number;
  /** `max >= stableState`, or `wifiConfigured` when `stableState` is 0 (R3.5). */
  isProvisioned(): boolean;
  /** True once the device has connected with an IP at least once (R8.1). */
  isWifiConfigured(): boolean;
  /**
   * Journal, wipe, forget, reboot (R7.2). Resolves once the reboot was requested (or, when the system
   * port did not answer within `resetStepTimeoutMs`, given up on with an `error` event, R7.3).
   */
  factoryReset(cause?: ResetCause): Promise<void>;
  /** True from a factory reset until the reboot. */
  isResetting(): boolean;
  /** Start the provisioning session (`init`, `start`; R8.3). */
  startSession(): void;
  /** End the session (`end`, `deinit`). */
  stopSession(): void;
  /** The session's state (R8.3). */
  getSessionState(): SessionState;
  /**
   * Validate credentials (R9.2), announce them (`set-sta-config`, `cred-recv` during a session) and
   * start connecting at once (R8.4). They are persisted only after the connection succeeds unless
   * `session.persist` is `before-connect`. Rejects with `invalid-credentials` (nothing changed) or
   * `invalid-state`.
   */
  configureSta(creds: WifiCredentials): Promise<void>;
  /**
   * IDF `reset_sm_state_on_failure` (R8.5): after `cred-fail`, back to `started` with the state rewound
   * to 0. Returns true when it did so, false when there was nothing to reset: the session is not in
   * `fail`, or no session is running. It never throws.
   */
  resetOnFailure(): boolean;
  /** IDF `reset_sm_state_for_reprovision` (R8.7). */
  resetForReprovision(): void;
  /** IDF `reset_provisioning` (R8.7): forget stored credentials. */
  resetProvisioning(): Promise<void>;
  /** The station state (R8.8). */
  getWifiState(): WifiState;
  /**
   * When the provisioning timeout will fire, in the clock's `now()` milliseconds, or undefined when no
   * timeout is armed (§4). For countdown displays.
   */
  getTimeoutDeadline(): number | undefined;
  /** Reason of the last failed attempt, cleared by a connection or new credentials (R8.5). */
  getWifiDisconnectReason(): DisconnectReason | undefined;
  /** The reset journal as loaded at start (plus resets since). */
  getResetJournal(): ResetJournal;
  /** The configuration in force, defaults filled in. */
  readonly config: ResolvedConfig;
  /** Subscribe to an event; returns an unsubscribe function. */
  on<K extends keyof ProvisionEvents>(name: K, listener: Listener<ProvisionEvents[K]>): () => void;
  /** Subscribe once. */
  once<K extends keyof ProvisionEvents>(name: K, listener: Listener<ProvisionEvents[K]>): () => void;
  /** Unsubscribe. */
  off<K extends keyof ProvisionEvents>(name: K, listener: Listener<ProvisionEvents[K]>): void;
}

// The provisioner is its own emitter (on, once, off come from Emitter): on Espruino every method and
// every object costs memory, and a separate emitter would cost both.
class ProvisionerImpl extends Emitter<ProvisionEvents> implements Provisioner {
  readonly config: ResolvedConfig;
  readonly clock_: Clock;
  private readonly led_: LedDriver;
  /** Created by the first startSession() (undefined means idle): see createSession(). */
  private session_: Session | undefined;
  private cur_ = 0;
  private max_ = 0;
  // Flags are numbers (1 or 0) where they are set often: on Espruino a number field is one variable, a
  // boolean two; undefined (never set) is none.
  private wifiConfigured_?: number;
  private journal_: ResetJournal = freshJournal();
  // Flags without an initialiser start undefined, i.e. false: no constructor code for them.
  private started_?: number;
  /** While start() runs. Not kept once settled: on Espruino a settled promise keeps every reaction ever attached to it. */
  private startPromise_?: Promise<void>;
  /** start() has finished (1): later calls resolve at once. */
  private startDone_?: number;
  private stopped_?: boolean;
  private resetting_: Promise<void> | undefined;
  private timeoutTimer_: TimerHandle | undefined;
  private deadline_: number | undefined;
  private button_: ButtonWatcher | undefined;
  private holdActive_?: boolean;
  private unsubscribeWifi_: (() => void) | undefined;
  /** Undefined until the first change: 'disconnected' (no field until then, which on Espruino is one string less). */
  private wifiState_?: WifiState;
  private lastReason_: DisconnectReason | undefined;
  private badCount_ = 0;
  private unpersisted_?: boolean;
  /**
   * R3.7: the record could not be read, was corrupt or is of a newer version, so the device may well be
   * provisioned. Until a real event proves the state, nothing is persisted and neither the timeout nor
   * the bad-credentials reset can fire.
   */
  private unknown_?: boolean;
  /** R3.7: the record is of a newer version: never written (unknown_ stays set for this boot). */
  private newer_?: boolean;
  private dirty_?: boolean;
  private writing_?: MaybePromise<void>;

  private readonly ports_: Ports;

  constructor(ports: Ports, config: ProvisionConfig | undefined) {
    super();
    this.config = validateConfig(config);
    if (!ports || typeof ports !== 'object') throw provisionError('invalid-config', 'ports must be an object {storage, system, clock?, button?, led?, wifi?}');
    if (!ports.storage) throw provisionError('invalid-config', 'ports.storage is required (a StoragePort)', { field: 'ports.storage' });
    if (!ports.system) throw provisionError('invalid-config', 'ports.system is required (a SystemPort)', { field: 'ports.system' });
    this.ports_ = ports;
    this.clock_ = ports.clock || defaultClock;
    this.led_ = new LedDriver(ports.led, this.clock_, this);
    // The LED driver, the button watcher and the session get the provisioner itself as their host
    // rather than a closure or an object of closures (each closure costs memory on Espruino); the
    // session is created on first use.
    // R6.2: dark until the first state event.
    this.led_.show_({ on: 0, off: 1 }); // solid off
  }

  // ---- events -------------------------------------------------------------------------------

  emit_<K extends keyof ProvisionEvents>(name: K, payload: ProvisionEvents[K]): void {
    // A listener that throws must never break the state machine.
    this.emit(name, payload, (e) => {
      if (name !== 'error') this.fail_(`a "${name}" listener threw`, e);
    });
  }

  fail_(what: string, e: unknown, code?: ProvisionError['code']): void {
    // Always say which step failed; keep a port's own code.
    const err = provisionError(isProvisionError(e) ? e.code : code || 'invalid-state', `${what}: ${describeError(e)}`, { cause: e });
    this.emit_('error', err);
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  start(): Promise<void> {
    if (this.startPromise_) return this.startPromise_;
    if (this.startDone_) return Promise.resolve();
    // What only start() needs is defined in here, not as methods: on Espruino a method costs memory
    // for as long as the module is loaded, a local function only until start() has finished.
    const started = new Promise<void>((resolve) => {
      const done = (): void => {
        this.startDone_ = 1;
        delete this.startPromise_;
        resolve();
      };
      const storage = this.ports_.storage;
      const wifi = this.ports_.wifi;
      const warn = (message: string, cause?: unknown): void => {
        this.emit_('warning', { message: cause === undefined ? message : `${message}: ${describeError(cause)}`, cause: cause });
      };
      const unknown = (what: string, cause: unknown): void => {
        this.unknown_ = true;
        warn(`provisioning record ${what}; state unknown: nothing is saved or reset until Wi-Fi connects or the app sets a state (nothing was reset)`, cause);
      };
      const buttonChecked = (resetRequested: boolean): void => {
        // A boot-hold reset: start() is done once it is under way; the reboot follows by itself.
        if (resetRequested) void this.factoryReset('button');
        else if (!this.stopped_ && !this.resetting_) {
          this.updateTimeout_();
          this.subscribeWifi_();
        }
        done();
      };
      const proceed = (): void => {
        if (this.stopped_) return done();
        this.started_ = 1;
        this.emitState_(0, this.max_);
        const port = this.ports_.button;
        if (!port || this.config.button.holdMs < 0) return buttonChecked(false);
        this.button_ = new ButtonWatcher(port, this);
        this.button_.begin_(buttonChecked);
      };
      // Created directly in the executor: Espruino 2v29 was seen to lose `this` in a block-bodied arrow
      // created inside an expression-bodied one (such as loadJournal below).
      const adoptJournal = (j: ResetJournal | undefined): void => {
        if (j === undefined) return;
        try {
          this.journal_ = checkJournal(j);
        } catch (e) {
          warn('reset journal is corrupt; starting a new one', e);
        }
      };
      // `undefined` is a fresh device; anything load() could not give is unknown, not fresh (R3.7).
      const adoptRecord = (rec: ProvisionRecord | undefined): void => {
        if (rec === undefined) return;
        if (isNewerRecord(rec)) {
          this.unknown_ = true;
          this.newer_ = true;
          warn(`provisioning record is from a newer version (v${rec.v}): kept as it is; running without saving and without automatic resets`);
          return;
        }
        try {
          const r = checkRecord(rec);
          this.max_ = r.max;
          this.wifiConfigured_ = r.wifiConfigured ? 1 : 0;
        } catch (e) {
          unknown('is corrupt', e);
        }
      };
      // R3.7: an unknown record takes wifiConfigured from the Wi-Fi port. R3.8: a record that says
      // wifiConfigured without stored credentials (a reset interrupted after forget) is rewound.
      const adoptCredentials = (stored: boolean): void => {
        if (this.unknown_) {
          if (stored) this.wifiConfigured_ = 1;
        } else if (!stored) {
          warn(`provisioning record says Wi-Fi is configured but no credentials are stored: rewound to state 0 (max was ${this.max_})`);
          this.max_ = 0;
          this.wifiConfigured_ = 0;
          this.dirty_ = true;
          this.flush_();
        }
      };
      const checkCredentials = (): MaybePromise<void> => {
        if (!wifi || !(this.unknown_ || this.wifiConfigured_)) return undefined;
        return after(
          () => wifi.hasStoredCredentials(),
          adoptCredentials,
          (e) => this.fail_('hasStoredCredentials() failed', e, 'wifi-failed'),
        );
      };
      const loadJournal = (): MaybePromise<void> =>
        after(
          () => storage.loadJournal(),
          adoptJournal,
          (e) => warn('reset journal could not be read; starting a new one', e),
        );
      const loaded = after(
        () => storage.load(),
        adoptRecord,
        (e) => unknown('could not be read', e),
      );
      andThen(andThen(andThen(loaded, loadJournal), checkCredentials), proceed);
    });
    // A start that finished inside the executor (every port synchronous) has nothing to keep.
    if (!this.startDone_) this.startPromise_ = started;
    return started;
  }

  stop(): void {
    this.stopped_ = true;
    this.cancelTimers_();
    const u = this.unsubscribeWifi_;
    this.unsubscribeWifi_ = undefined;
    if (u) {
      try {
        u();
      } catch (e) {
        this.fail_('Wi-Fi unsubscribe failed', e);
      }
    }
  }

  private cancelTimers_(): void {
    this.cancelTimeout_();
    if (this.button_) {
      this.button_.stop_();
      this.button_ = undefined;
    }
    this.led_.stop_();
    if (this.session_) this.session_.halt_();
  }

  // ---- state (R3) ---------------------------------------------------------------------------

  getCurState(): number {
    return this.cur_;
  }

  getMaxState(): number {
    return this.max_;
  }

  isProvisioned(): boolean {
    return this.config.stableState === 0 ? !!this.wifiConfigured_ : this.max_ >= this.config.stableState;
  }

  isWifiConfigured(): boolean {
    return !!this.wifiConfigured_;
  }

  isResetting(): boolean {
    return this.resetting_ !== undefined;
  }

  getResetJournal(): ResetJournal {
    return { resets: this.journal_.resets.slice(), buttonLatched: this.journal_.buttonLatched };
  }

  setCurState(n: number): void {
    checkState(n, 'state');
    if (this.resetting_ || n === this.cur_) return;
    this.known_();
    this.applyCur_(n);
  }

  setMaxState(n: number): void {
    checkState(n, 'max state');
    if (this.resetting_ || n === this.max_) return;
    this.known_();
    const prevMax = this.max_;
    this.max_ = n;
    this.dirty_ = true;
    this.updateTimeout_();
    this.flush_();
    this.emitState_(this.cur_, prevMax);
  }

  /** R3.7: a real event proved the state of an unknown record; the usual rules apply from now on. */
  private known_(): void {
    if (this.unknown_ && !this.newer_) {
      this.unknown_ = false;
      this.updateTimeout_();
    }
  }

  private applyCur_(n: number): void {
    if (n === this.cur_) return;
    const prevCur = this.cur_;
    const prevMax = this.max_;
    this.cur_ = n;
    if (n > this.max_) {
      this.max_ = n;
      this.dirty_ = true;
      this.updateTimeout_();
    }
    this.flush_();
    this.emitState_(prevCur, prevMax);
  }

  /** The LED pattern of the current state (R6.1), unless a reset is under way. */
  private showState_(): void {
    if (!this.resetting_) this.led_.show_(patternFor(this.cur_, this.config.stableState, this.config.led.patterns));
  }

  private emitState_(prevCur: number, prevMax: number): void {
    if (!this.holdActive_) this.showState_();
    this.emit_('state', { cur: this.cur_, max: this.max_, prevCur: prevCur, prevMax: prevMax });
  }

  // ---- persistence (R10) --------------------------------------------------------------------

  private flush_(): void {
    // An unknown record is never overwritten before the state is proven, a newer one never (R3.7).
    if (!this.dirty_ || this.resetting_ || this.unknown_) return;
    this.dirty_ = false;
    const rec: ProvisionRecord = { v: RECORD_VERSION, max: this.max_, wifiConfigured: !!this.wifiConfigured_ };
    this.enqueueWrite_(() => this.ports_.storage.save(rec), 'saving the provisioning record failed');
  }

  /** Writes go out in order even when the storage port is asynchronous. */
  private enqueueWrite_(write: () => MaybePromise<void>, what: string): void {
    const run = (): MaybePromise<void> => {
      // R7.2: once a reset began, nothing more is written.
      if (this.resetting_) return undefined;
      return after(write, () => undefined, (e) => this.fail_(what, e, 'storage-failed'));
    };
    const prev = this.writing_;
    if (isThenable(prev)) this.writing_ = prev.then(run);
    else this.writing_ = run();
  }

  private saveJournal_(): MaybePromise<void> {
    return this.ports_.storage.saveJournal(this.getResetJournal());
  }

  // ---- provisioning timeout (R4) ------------------------------------------------------------

  /**
   * Armed while 1 <= max < stableState (so never when stableState is 0), unless timeoutMs <= 0 (R4.5)
   * or the record is unknown (R3.7).
   */
  private updateTimeout_(): void {
    if (this.max_ < 1 || this.max_ >= this.config.stableState) this.cancelTimeout_();
    else if (this.started_ && !this.stopped_ && !this.resetting_ && !this.unknown_ && this.timeoutTimer_ === undefined && this.config.timeoutMs > 0) {
      this.deadline_ = this.clock_.now() + this.config.timeoutMs;
      // Bound, not a closure: it may wait for the whole timeout (see ButtonWatcher.watchEdges_).
      this.timeoutTimer_ = this.clock_.setTimeout(this.timedOut_.bind(this), this.config.timeoutMs);
    }
  }

  private timedOut_(): void {
    this.timeoutTimer_ = undefined;
    this.deadline_ = undefined;
    void this.factoryReset('timeout');
  }

  private cancelTimeout_(): void {
    // Only when set: on Espruino assigning undefined creates the field.
    if (this.deadline_ !== undefined) this.deadline_ = undefined;
    if (this.timeoutTimer_ !== undefined) {
      this.clock_.clearTimeout(this.timeoutTimer_);
      this.timeoutTimer_ = undefined;
    }
  }

  // ---- the button's and the session's host (R5; see ButtonHost, SessionHost) ----------------

  uptime_(): MaybePromise<number> {
    const sys = this.ports_.system;
    return sys.uptimeMs ? sys.uptimeMs() : this.clock_.now();
  }

  isLatched_(): boolean {
    return this.journal_.buttonLatched;
  }

  clearLatch_(): void {
    if (this.resetting_) return;
    this.journal_.buttonLatched = false;
    this.enqueueWrite_(() => this.saveJournal_(), 'clearing the stuck-button latch failed');
  }

  holdStarted_(): void {
    this.holdActive_ = true;
    if (!this.resetting_) this.led_.show_(this.config.led.patterns.resetPending || { on: 100, off: 100 }); // R6.3
  }

  holdEnded_(): void {
    this.holdActive_ = false;
    this.showState_();
  }

  rewind_(): void {
    // The app asked for it (resetOnFailure(), or autoResetOnFailure): that proves the state (R3.7).
    this.known_();
    this.applyCur_(0);
    this.setMaxState(0);
  }

  // ---- factory reset (R7) -------------------------------------------------------------------

  factoryReset(cause?: ResetCause): Promise<void> {
    const c: ResetCause = cause === undefined ? 'app' : cause;
    if (CAUSES.indexOf(c) < 0) {
      return Promise.reject(provisionError('invalid-state', `factoryReset cause must be one of ${CAUSES.join(', ')}; got ${JSON.stringify(c)}`));
    }
    if (this.resetting_) return this.resetting_;
    let done: () => void = () => undefined;
    this.resetting_ = new Promise<void>((resolve) => {
      done = resolve;
    });
    // Step 1: stop every timer and refuse further persistence (R7.2).
    this.cancelTimers_();
    this.led_.show_({ on: 0, off: 1 }); // solid off
    const storage = this.ports_.storage;
    const wifi = this.ports_.wifi;
    const clock = this.clock_;
    const ms = this.config.resetStepTimeoutMs;
    const at = clock.wallNow ? clock.wallNow() : clock.now();
    // R7.3: each step waits at most resetStepTimeoutMs, then counts as failed. A synchronous step sets no timer.
    const bounded = (step: () => MaybePromise<unknown>): MaybePromise<unknown> => {
      const r = step();
      if (!isThenable(r)) return r;
      return new Promise<unknown>((resolve, reject) => {
        let open = true;
        const timer = clock.setTimeout(() => {
          if (open) reject(provisionError('timeout', `no answer within ${ms} ms (resetStepTimeoutMs)`));
          open = false;
        }, ms);
        const end = (fn: (v: unknown) => void, v: unknown): void => {
          if (open) {
            clock.clearTimeout(timer);
            fn(v);
          }
          open = false;
        };
        r.then(
          (v) => end(resolve, v),
          (e) => end(reject, e),
        );
      });
    };
    let journalFailed = false;
    // R7.2: the journal (with the stuck-button latch) goes first, before anything is wiped, so a power
    // cut later in the reset cannot lose it.
    const steps: (() => MaybePromise<unknown>)[] = [
      () => {
        const resets = this.journal_.resets.concat([{ cause: c, at: at }]);
        this.journal_ = {
          resets: resets.slice(-JOURNAL_LIMIT),
          buttonLatched: c === 'button' || this.journal_.buttonLatched,
        };
        return this.saveJournal_();
      },
      () => {
        this.max_ = 0;
        this.wifiConfigured_ = 0;
        return storage.wipe();
      },
      () => (wifi ? wifi.forget() : undefined),
      // A journal write that failed before the wipe (a full disk) is tried once more, now that the wipe freed space.
      () => (journalFailed ? this.saveJournal_() : undefined),
      () => (storage.compact ? storage.compact() : undefined),
      () => this.emit_('reset', { cause: c }),
    ];
    const names = ['writing the reset journal', 'wiping storage', 'forgetting Wi-Fi credentials', 'writing the reset journal again', 'compacting storage'];
    const afterWrites = (): void => {
      const r = sequence(
        steps,
        (e, i) => {
          if (i === 0) journalFailed = true;
          this.fail_(`factory reset: ${names[i]} failed`, e, i === 2 ? 'wifi-failed' : 'storage-failed');
        },
        bounded,
      );
      const reboot = (): void => {
        clock.setTimeout(() => {
          after(
            () => bounded(() => this.ports_.system.reboot()),
            () => done(),
            (e) => {
              this.fail_('reboot failed', e);
              done();
            },
          );
        }, this.config.rebootDelayMs);
      };
      andThen(r, reboot);
    };
    // A write already in flight finishes first, so the wipe cannot be overwritten by it; a write that
    // never finishes is given resetStepTimeoutMs like a step.
    andThen(
      after(
        () => bounded(() => this.writing_),
        () => undefined,
        (e) => this.fail_('factory reset: the write in flight did not finish', e, 'storage-failed'),
      ),
      afterWrites,
    );
    return this.resetting_;
  }

  // ---- Wi-Fi (R3.4, R8) ---------------------------------------------------------------------

  private subscribeWifi_(): void {
    const wifi = this.ports_.wifi;
    if (!wifi || this.unsubscribeWifi_) return;
    try {
      // Bound rather than a closure: it lives as long as the provisioner (see ButtonWatcher.watchEdges_).
      this.unsubscribeWifi_ = wifi.subscribe(this.onWifi_.bind(this));
    } catch (e) {
      this.fail_('Wi-Fi subscribe failed', e, 'wifi-failed');
    }
  }

  private setWifiState_(ev: WifiStateEvent): void {
    // Repeats of a steady state say nothing new; every failed attempt is reported.
    if (ev.state === this.getWifiState() && (ev.state === 'connecting' || ev.state === 'connected')) return;
    this.wifiState_ = ev.state;
    this.emit_('wifi', ev);
  }

  private onWifi_(ev: WifiEvent): void {
    if (this.resetting_ || this.stopped_ || !ev) return;
    if (ev.type === 'connecting') {
      this.setWifiState_({ state: 'connecting' });
      this.applyCur_(1);
    } else if (ev.type === 'connected') {
      this.known_();
      this.badCount_ = 0;
      this.lastReason_ = undefined;
      const e: WifiStateEvent = { state: 'connected' };
      if (ev.ip !== undefined) e.ip = ev.ip;
      this.setWifiState_(e);
      if (!this.wifiConfigured_) {
        this.wifiConfigured_ = 1;
        this.dirty_ = true;
      }
      if (this.unpersisted_) {
        this.unpersisted_ = false;
        const wifi = this.ports_.wifi;
        if (wifi) this.enqueueWrite_(() => wifi.persist(), 'persisting Wi-Fi credentials failed');
      }
      // One write for wifiConfigured and a raised max together.
      if (this.cur_ !== 2) this.applyCur_(2);
      else this.flush_();
      if (this.session_) this.session_.connected_();
    } else if (ev.type === 'disconnected') {
      this.onDisconnected_(ev.reason, ev.raw);
    }
  }

  private onDisconnected_(reason: DisconnectReason, raw: string | number | undefined): void {
    const r: DisconnectReason = reason === 'auth-error' || reason === 'ap-not-found' ? reason : 'other';
    this.lastReason_ = r;
    // R3.4 first, so that a session failure's rewind (R8.5) is the last word on the state.
    this.applyCur_(1);
    const s = this.session_;
    const sessionWasActive = s && s.isActive_();
    const verdict = s && s.disconnected_(r, raw);
    const ev: WifiStateEvent = { state: 'disconnected', reason: r };
    if (raw !== undefined) ev.raw = raw;
    if (verdict === 'attempt-failed') {
      ev.state = 'attempt-failed';
      ev.attemptsRemaining = (s as Session).attemptsRemaining_();
    } else if (verdict === 'retry') ev.state = 'connecting';
    this.setWifiState_(ev);
    if (this.resetting_ || sessionWasActive) return;
    // R8.2: without a session, repeated definitive failures before the first good connection reset;
    // not while the record is unknown (R3.7): the router may just be down.
    const w = this.config.wifi;
    if (this.wifiConfigured_ || this.unknown_ || !w.resetOnBadCredentials || r === 'other') return;
    this.badCount_++;
    if (this.badCount_ >= w.badCredentialAttempts) void this.factoryReset('bad-credentials');
  }

  discardCredentials_(): void {
    this.unpersisted_ = false;
    const wifi = this.ports_.wifi;
    if (!wifi) return;
    after(
      () => wifi.disconnect(),
      () => undefined,
      (e) => this.fail_('Wi-Fi disconnect failed', e, 'wifi-failed'),
    );
  }

  configureSta(creds: WifiCredentials): Promise<void> {
    try {
      const wifi = this.ports_.wifi;
      if (!wifi) throw provisionError('invalid-state', 'configureSta() needs a Wi-Fi port');
      if (this.resetting_) throw provisionError('invalid-state', 'configureSta() refused: a factory reset is in progress');
      let c = validateCredentials(creds);
      const s = this.session_;
      if (s && s.isActive_()) c = s.receive_(c, validateCredentials);
      // New credentials from the app set the state to 1 (R8.4): that proves it (R3.7).
      this.known_();
      const persistNow = this.config.session.persist === 'before-connect';
      this.badCount_ = 0;
      this.lastReason_ = undefined;
      this.unpersisted_ = !persistNow;
      this.setWifiState_({ state: 'connecting' });
      this.applyCur_(1);
      const r = after(
        () => wifi.connect(c, { persist: persistNow }),
        () => undefined,
        (e) => {
          throw provisionError('wifi-failed', `applying Wi-Fi credentials failed: ${describeError(e)}`, { cause: e });
        },
      );
      return Promise.resolve(r);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  // ---- session (R8.3–R8.8) ------------------------------------------------------------------

  startSession(): void {
    if (this.resetting_) throw provisionError('invalid-state', 'startSession() refused: a factory reset is in progress');
    if (!this.session_) this.session_ = createSession(this);
    this.session_.start_();
  }

  stopSession(): void {
    if (this.session_) this.session_.stop_();
  }

  getSessionState(): SessionState {
    return this.session_ ? this.session_.state_ : 'idle';
  }

  resetOnFailure(): boolean {
    return this.session_ ? this.session_.resetOnFailure_() : false;
  }

  resetForReprovision(): void {
    (this.session_ || createSession(this)).resetForReprovision_();
    this.setWifiState_({ state: 'disconnected' });
  }

  resetProvisioning(): Promise<void> {
    const wifi = this.ports_.wifi;
    if (!wifi) return Promise.reject(provisionError('invalid-state', 'resetProvisioning() needs a Wi-Fi port'));
    return Promise.resolve(
      after(
        () => wifi.forget(),
        () => undefined,
        (e) => {
          throw provisionError('wifi-failed', `forgetting Wi-Fi credentials failed: ${describeError(e)}`, { cause: e });
        },
      ),
    );
  }

  getWifiState(): WifiState {
    return this.wifiState_ || 'disconnected';
  }

  getTimeoutDeadline(): number | undefined {
    return this.deadline_;
  }

  getWifiDisconnectReason(): DisconnectReason | undefined {
    return this.lastReason_;
  }
}

/**
 * Create a provisioner: the Mongoose OS `provision` state machine plus ESP-IDF's provisioning session,
 * over the ports of your platform. Validates `config` at once (R9.1).
 *
 * @throws {@link ProvisionError} `invalid-config` naming the field and the allowed values.
 *
 * @example
 * ```ts
 * import { createProvisioner } from '@provision/core';
 *
 * const prov = createProvisioner({ storage, system, button, led, wifi }, { stableState: 2, button: { holdMs: 5000 } });
 * prov.on('state', (s) => console.log(`state ${s.cur} (max ${s.max})`));
 * prov.on('reset', (r) => console.log(`factory reset: ${r.cause}`));
 * await prov.start();
 * ```
 */
export function createProvisioner(ports: Ports, config?: ProvisionConfig): Provisioner {
  return new ProvisionerImpl(ports, config);
}
