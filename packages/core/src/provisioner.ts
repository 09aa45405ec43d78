import { LedDriver, patternFor, RESET_PENDING, SOLID_OFF } from './blink';
import { ButtonWatcher, type ButtonEvent, type ButtonEventType } from './button';
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
import { checkJournal, checkRecord, freshJournal, JOURNAL_LIMIT, RECORD_VERSION } from './record';
import { Session, type SessionEvents, type SessionState } from './session';

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
  /** Recovered problems (a corrupt record at start, R3.6). */
  warning: WarningEvent;
  /** Failures of a port or a listener (R7.3). Never contains a secret. */
  error: ProvisionError;
}

/** The provisioner API. Create one with {@link createProvisioner}. */
export interface Provisioner {
  /** Load the record, emit the first `state`, check the boot button, arm timers (R3.6). */
  start(): Promise<void>;
  /** Stop watching ports and cancel every timer. Nothing is written. */
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
  /** Wipe, journal, reboot (R7). Resolves once the reboot was requested. */
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
  /** IDF `reset_sm_state_on_failure` (R8.5): back to `started`, state rewound to 0. */
  resetOnFailure(): boolean;
  /** IDF `reset_sm_state_for_reprovision` (R8.7). */
  resetForReprovision(): void;
  /** IDF `reset_provisioning` (R8.7): forget stored credentials. */
  resetProvisioning(): Promise<void>;
  /** The station state (R8.8). */
  getWifiState(): WifiState;
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

class ProvisionerImpl implements Provisioner {
  readonly config: ResolvedConfig;
  private readonly clock: Clock;
  private readonly events = new Emitter<ProvisionEvents>();
  private readonly led: LedDriver;
  private readonly session: Session;
  private cur = 0;
  private max = 0;
  private wifiConfigured = false;
  private journal: ResetJournal = freshJournal();
  private started = false;
  private startPromise: Promise<void> | undefined;
  private stopped = false;
  private resetting: Promise<void> | undefined;
  private timeoutTimer: TimerHandle | undefined;
  private button: ButtonWatcher | undefined;
  private holdActive = false;
  private unsubscribeWifi: (() => void) | undefined;
  private wifiState: WifiState = 'disconnected';
  private lastReason: DisconnectReason | undefined;
  private badCount = 0;
  private unpersisted = false;
  private dirty = false;
  private writing: MaybePromise<void> = undefined;

  constructor(
    private readonly ports: Ports,
    config: ProvisionConfig | undefined,
  ) {
    this.config = validateConfig(config);
    if (!ports || typeof ports !== 'object') throw provisionError('invalid-config', 'ports must be an object {storage, system, clock?, button?, led?, wifi?}');
    if (!ports.storage) throw provisionError('invalid-config', 'ports.storage is required (a StoragePort)', { field: 'ports.storage' });
    if (!ports.system) throw provisionError('invalid-config', 'ports.system is required (a SystemPort)', { field: 'ports.system' });
    this.clock = ports.clock || defaultClock;
    this.led = new LedDriver(ports.led, this.clock, (e) => this.fail('LED port failed', e));
    this.session = new Session({
      clock: this.clock,
      cfg: this.config.session,
      emit: (name, payload) => this.emit(name, payload as ProvisionEvents[typeof name]),
      discard: () => this.discardCredentials(),
      rewind: () => {
        this.applyCur(0);
        this.setMaxState(0);
      },
    });
    // R6.2: dark until the first state event.
    if (ports.led) this.led.show(SOLID_OFF);
  }

  // ---- events -------------------------------------------------------------------------------

  on<K extends keyof ProvisionEvents>(name: K, listener: Listener<ProvisionEvents[K]>): () => void {
    return this.events.on(name, listener);
  }

  once<K extends keyof ProvisionEvents>(name: K, listener: Listener<ProvisionEvents[K]>): () => void {
    return this.events.once(name, listener);
  }

  off<K extends keyof ProvisionEvents>(name: K, listener: Listener<ProvisionEvents[K]>): void {
    this.events.off(name, listener);
  }

  private emit<K extends keyof ProvisionEvents>(name: K, payload: ProvisionEvents[K]): void {
    // A listener that throws must never break the state machine.
    this.events.emit(name, payload, (e) => {
      if (name !== 'error') this.fail(`a "${String(name)}" listener threw`, e);
    });
  }

  private fail(what: string, e: unknown, code?: ProvisionError['code']): void {
    const err = isProvisionError(e) ? e : provisionError(code || 'invalid-state', `${what}: ${describeError(e)}`, { cause: e });
    this.emit('error', err);
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  start(): Promise<void> {
    if (this.startPromise) return this.startPromise;
    this.startPromise = new Promise<void>((resolve, reject) => {
      const storage = this.ports.storage;
      const proceed = (): void => {
        if (this.stopped) return resolve();
        this.started = true;
        this.emitState(0, this.max);
        this.beginButton((resetRequested) => {
          if (resetRequested) {
            this.factoryReset('button').then(resolve, reject);
            return;
          }
          if (this.stopped || this.resetting) return resolve();
          this.armTimeoutIfNeeded();
          this.subscribeWifi();
          resolve();
        });
      };
      const loadJournal = (): MaybePromise<void> =>
        after(
          () => storage.loadJournal(),
          (j) => this.adoptJournal(j),
          (e) => this.warn('reset journal could not be read; starting a new one', e),
        );
      const loaded = after(
        () => storage.load(),
        (rec) => this.adopt(rec),
        (e) => this.warn('provisioning record could not be read; starting from defaults (nothing was reset)', e),
      );
      andThen(andThen(loaded, loadJournal), proceed);
    });
    return this.startPromise;
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimers();
    if (this.unsubscribeWifi) {
      const u = this.unsubscribeWifi;
      this.unsubscribeWifi = undefined;
      try {
        u();
      } catch (e) {
        this.fail('Wi-Fi unsubscribe failed', e);
      }
    }
    this.session.halt();
  }

  private adopt(rec: ProvisionRecord | undefined): void {
    if (rec === undefined) return;
    try {
      const r = checkRecord(rec);
      this.max = r.max;
      this.wifiConfigured = r.wifiConfigured;
    } catch (e) {
      this.warn('provisioning record is corrupt; starting from defaults (nothing was reset)', e);
    }
  }

  private adoptJournal(j: ResetJournal | undefined): void {
    if (j === undefined) return;
    try {
      this.journal = checkJournal(j);
    } catch (e) {
      this.warn('reset journal is corrupt; starting a new one', e);
    }
  }

  private warn(message: string, cause: unknown): void {
    this.emit('warning', { message: `${message}: ${describeError(cause)}`, cause: cause });
  }

  private cancelTimers(): void {
    this.cancelTimeout();
    if (this.button) {
      this.button.stop();
      this.button = undefined;
    }
    this.led.stop();
  }

  // ---- state (R3) ---------------------------------------------------------------------------

  getCurState(): number {
    return this.cur;
  }

  getMaxState(): number {
    return this.max;
  }

  isProvisioned(): boolean {
    return this.config.stableState === 0 ? this.wifiConfigured : this.max >= this.config.stableState;
  }

  isWifiConfigured(): boolean {
    return this.wifiConfigured;
  }

  isResetting(): boolean {
    return this.resetting !== undefined;
  }

  getResetJournal(): ResetJournal {
    return { resets: this.journal.resets.slice(), buttonLatched: this.journal.buttonLatched };
  }

  setCurState(n: number): void {
    checkState(n, 'state');
    if (this.resetting) return;
    this.applyCur(n);
  }

  setMaxState(n: number): void {
    checkState(n, 'max state');
    if (this.resetting || n === this.max) return;
    const prevMax = this.max;
    this.max = n;
    this.dirty = true;
    this.updateTimeout();
    this.flush();
    this.emitState(this.cur, prevMax);
  }

  private applyCur(n: number): void {
    if (n === this.cur) return;
    const prevCur = this.cur;
    const prevMax = this.max;
    this.cur = n;
    if (n > this.max) {
      this.max = n;
      this.dirty = true;
      this.updateTimeout();
    }
    this.flush();
    this.emitState(prevCur, prevMax);
  }

  private emitState(prevCur: number, prevMax: number): void {
    if (!this.holdActive && !this.resetting) this.led.show(patternFor(this.cur, this.config.stableState, this.config.led.patterns));
    this.emit('state', { cur: this.cur, max: this.max, prevCur: prevCur, prevMax: prevMax });
  }

  // ---- persistence (R10) --------------------------------------------------------------------

  private flush(): void {
    if (!this.dirty || this.resetting) return;
    this.dirty = false;
    const rec: ProvisionRecord = { v: RECORD_VERSION, max: this.max, wifiConfigured: this.wifiConfigured };
    this.enqueueWrite(() => this.ports.storage.save(rec), 'saving the provisioning record failed');
  }

  /** Writes go out in order even when the storage port is asynchronous. */
  private enqueueWrite(write: () => MaybePromise<void>, what: string): void {
    const run = (): MaybePromise<void> => {
      // R7.2: once a reset began, nothing more is written.
      if (this.resetting) return undefined;
      return after(write, () => undefined, (e) => this.fail(what, e, 'storage-failed'));
    };
    const prev = this.writing;
    if (isThenable(prev)) this.writing = prev.then(run);
    else this.writing = run();
  }

  private saveJournal(): MaybePromise<void> {
    const j = this.getResetJournal();
    return this.ports.storage.saveJournal(j);
  }

  // ---- provisioning timeout (R4) ------------------------------------------------------------

  private timeoutEnabled(): boolean {
    return this.config.stableState > 0 && this.config.timeoutMs > 0;
  }

  private updateTimeout(): void {
    const stable = this.config.stableState;
    if (this.max === 0 || this.max >= stable) this.cancelTimeout();
    else this.armTimeoutIfNeeded();
  }

  private armTimeoutIfNeeded(): void {
    if (!this.started || this.stopped || this.resetting || this.timeoutTimer !== undefined || !this.timeoutEnabled()) return;
    if (this.max < 1 || this.max >= this.config.stableState) return;
    this.timeoutTimer = this.clock.setTimeout(() => {
      this.timeoutTimer = undefined;
      void this.factoryReset('timeout');
    }, this.config.timeoutMs);
  }

  private cancelTimeout(): void {
    if (this.timeoutTimer !== undefined) {
      this.clock.clearTimeout(this.timeoutTimer);
      this.timeoutTimer = undefined;
    }
  }

  // ---- button (R5) --------------------------------------------------------------------------

  private beginButton(done: (resetRequested: boolean) => void): void {
    const port = this.ports.button;
    const b = this.config.button;
    if (!port || b.holdMs < 0) return done(false);
    this.button = new ButtonWatcher(port, {
      clock: this.clock,
      holdMs: b.holdMs,
      debounceMs: b.debounceMs,
      inhibitAfterMs: b.inhibitAfterMs,
      uptime: () => {
        const sys = this.ports.system;
        return sys.uptimeMs ? sys.uptimeMs() : this.clock.now();
      },
      isLatched: () => this.journal.buttonLatched,
      clearLatch: () => {
        if (this.resetting) return;
        this.journal.buttonLatched = false;
        this.enqueueWrite(() => this.saveJournal(), 'clearing the stuck-button latch failed');
      },
      emit: (type: ButtonEventType) => this.emit('button', { type: type }),
      holdStarted: () => {
        this.holdActive = true;
        if (!this.resetting) this.led.show(RESET_PENDING);
      },
      holdEnded: () => {
        this.holdActive = false;
        if (!this.resetting) this.led.show(patternFor(this.cur, this.config.stableState, this.config.led.patterns));
      },
      activate: () => {
        void this.factoryReset('button');
      },
      report: (e) => this.fail('button port failed', e),
    });
    this.button.begin(done);
  }

  // ---- factory reset (R7) -------------------------------------------------------------------

  factoryReset(cause?: ResetCause): Promise<void> {
    const c: ResetCause = cause === undefined ? 'app' : cause;
    if (['button', 'timeout', 'bad-credentials', 'app'].indexOf(c) < 0) {
      return Promise.reject(
        provisionError('invalid-state', `factoryReset cause must be button, timeout, bad-credentials or app, got ${JSON.stringify(c)}`),
      );
    }
    if (this.resetting) return this.resetting;
    let done: () => void = () => undefined;
    this.resetting = new Promise<void>((resolve) => {
      done = resolve;
    });
    // Step 1: stop every timer and refuse further persistence (R7.2).
    this.cancelTimers();
    this.session.halt();
    this.led.show(SOLID_OFF);
    const storage = this.ports.storage;
    const wifi = this.ports.wifi;
    const at = this.clock.wallNow ? this.clock.wallNow() : this.clock.now();
    const steps: (() => MaybePromise<unknown>)[] = [
      () => storage.wipe(),
      () => (wifi ? wifi.forget() : undefined),
      () => {
        this.max = 0;
        this.wifiConfigured = false;
        const resets = this.journal.resets.concat([{ cause: c, at: at }]);
        this.journal = {
          resets: resets.length > JOURNAL_LIMIT ? resets.slice(resets.length - JOURNAL_LIMIT) : resets,
          buttonLatched: c === 'button' ? true : this.journal.buttonLatched,
        };
        return this.saveJournal();
      },
      () => (storage.compact ? storage.compact() : undefined),
      () => this.emit('reset', { cause: c }),
    ];
    const names = ['wiping storage', 'forgetting Wi-Fi credentials', 'writing the reset journal', 'compacting storage', 'reset listener'];
    const afterWrites = (): void => {
      const r = sequence(steps, (e, i) => this.fail(`factory reset: ${names[i]} failed`, e, i < 4 ? 'storage-failed' : undefined));
      const reboot = (): void => {
        this.clock.setTimeout(() => {
          after(
            () => this.ports.system.reboot(),
            () => done(),
            (e) => {
              this.fail('reboot failed', e);
              done();
            },
          );
        }, this.config.rebootDelayMs);
      };
      if (isThenable(r)) r.then(reboot, reboot);
      else reboot();
    };
    // A write already in flight finishes first, so the wipe cannot be overwritten by it.
    const w = this.writing;
    if (isThenable(w)) w.then(afterWrites, afterWrites);
    else afterWrites();
    return this.resetting;
  }

  // ---- Wi-Fi (R3.4, R8) ---------------------------------------------------------------------

  private subscribeWifi(): void {
    const wifi = this.ports.wifi;
    if (!wifi || this.unsubscribeWifi) return;
    try {
      this.unsubscribeWifi = wifi.subscribe((ev) => this.onWifi(ev));
    } catch (e) {
      this.fail('Wi-Fi subscribe failed', e, 'wifi-failed');
    }
  }

  private setWifiState(ev: WifiStateEvent): void {
    // Repeats of a steady state say nothing new; every failed attempt is reported.
    if (ev.state === this.wifiState && (ev.state === 'connecting' || ev.state === 'connected')) return;
    this.wifiState = ev.state;
    this.emit('wifi', ev);
  }

  private onWifi(ev: WifiEvent): void {
    if (this.resetting || this.stopped || !ev) return;
    if (ev.type === 'connecting') {
      this.setWifiState({ state: 'connecting' });
      this.applyCur(1);
    } else if (ev.type === 'connected') {
      this.badCount = 0;
      this.lastReason = undefined;
      const e: WifiStateEvent = { state: 'connected' };
      if (ev.ip !== undefined) e.ip = ev.ip;
      this.setWifiState(e);
      if (!this.wifiConfigured) {
        this.wifiConfigured = true;
        this.dirty = true;
      }
      if (this.unpersisted) {
        this.unpersisted = false;
        const wifi = this.ports.wifi;
        if (wifi) this.enqueueWrite(() => wifi.persist(), 'persisting Wi-Fi credentials failed');
      }
      // One write for wifiConfigured and a raised max together.
      const prevCur = this.cur;
      if (prevCur !== 2) this.applyCur(2);
      else this.flush();
      this.session.connected();
    } else if (ev.type === 'disconnected') {
      this.onDisconnected(ev.reason, ev.raw);
    }
  }

  private onDisconnected(reason: DisconnectReason, raw: string | number | undefined): void {
    const r: DisconnectReason = reason === 'auth-error' || reason === 'ap-not-found' ? reason : 'other';
    this.lastReason = r;
    // R3.4 first, so that a session failure's rewind (R8.5) is the last word on the state.
    this.applyCur(1);
    const sessionWasActive = this.session.isActive();
    const verdict = this.session.disconnected(r, raw);
    const ev: WifiStateEvent = { state: 'disconnected', reason: r };
    if (raw !== undefined) ev.raw = raw;
    if (verdict === 'attempt-failed') {
      ev.state = 'attempt-failed';
      ev.attemptsRemaining = this.session.attemptsRemaining();
    } else if (verdict === 'retry') ev.state = 'connecting';
    this.setWifiState(ev);
    if (this.resetting || sessionWasActive) return;
    // R8.2: without a session, repeated definitive failures before the first good connection reset.
    const w = this.config.wifi;
    if (this.wifiConfigured || !w.resetOnBadCredentials || r === 'other') return;
    this.badCount++;
    if (this.badCount >= w.badCredentialAttempts) void this.factoryReset('bad-credentials');
  }

  private discardCredentials(): void {
    this.unpersisted = false;
    const wifi = this.ports.wifi;
    if (!wifi) return;
    after(
      () => wifi.disconnect(),
      () => undefined,
      (e) => this.fail('Wi-Fi disconnect failed', e, 'wifi-failed'),
    );
  }

  configureSta(creds: WifiCredentials): Promise<void> {
    try {
      const wifi = this.ports.wifi;
      if (!wifi) throw provisionError('invalid-state', 'configureSta() needs a Wi-Fi port');
      if (this.resetting) throw provisionError('invalid-state', 'configureSta() refused: a factory reset is in progress');
      let c = validateCredentials(creds);
      if (this.session.isActive()) c = this.session.receive(c, validateCredentials);
      const persistNow = this.config.session.persist === 'before-connect';
      this.badCount = 0;
      this.lastReason = undefined;
      this.unpersisted = !persistNow;
      this.setWifiState({ state: 'connecting' });
      this.applyCur(1);
      const r = after(
        () => wifi.connect(c, { persist: persistNow }),
        () => undefined,
        (e) => {
          throw provisionError('wifi-failed', `applying the Wi-Fi credentials failed: ${describeError(e)}`, { cause: e });
        },
      );
      return Promise.resolve(r);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  // ---- session (R8.3–R8.8) ------------------------------------------------------------------

  startSession(): void {
    if (this.resetting) throw provisionError('invalid-state', 'startSession() refused: a factory reset is in progress');
    this.session.start();
  }

  stopSession(): void {
    this.session.stop();
  }

  getSessionState(): SessionState {
    return this.session.state;
  }

  resetOnFailure(): boolean {
    return this.session.resetOnFailure();
  }

  resetForReprovision(): void {
    this.session.resetForReprovision();
    this.setWifiState({ state: 'disconnected' });
  }

  resetProvisioning(): Promise<void> {
    const wifi = this.ports.wifi;
    if (!wifi) return Promise.reject(provisionError('invalid-state', 'resetProvisioning() needs a Wi-Fi port'));
    return Promise.resolve(
      after(
        () => wifi.forget(),
        () => undefined,
        (e) => {
          throw provisionError('wifi-failed', `forgetting the stored Wi-Fi credentials failed: ${describeError(e)}`, { cause: e });
        },
      ),
    );
  }

  getWifiState(): WifiState {
    return this.wifiState;
  }

  getWifiDisconnectReason(): DisconnectReason | undefined {
    return this.lastReason;
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
