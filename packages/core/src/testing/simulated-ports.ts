import { provisionError } from '../errors';
import type {
  ButtonEdge,
  ButtonPort,
  Clock,
  ConnectOptions,
  DisconnectReason,
  LedPort,
  ScanResult,
  SystemPort,
  TimerHandle,
  WifiCredentials,
  WifiEvent,
  WifiPort,
} from '../ports';

/** A button you can press from a test. */
export interface SimulatedButton extends ButtonPort {
  /** Press (delivers a pressed edge if it was released). */
  press(): void;
  /** Release (delivers a released edge if it was pressed). */
  release(): void;
  /** Deliver `n` press/release pairs at the current time, ending released (contact bounce). */
  bounce(n: number): void;
  /** Current level. */
  isPressed(): boolean;
  /** Number of active watchers. */
  watchers(): number;
}

/**
 * Create a pressable button. Edges carry the clock's `now()`.
 *
 * @example
 * ```ts
 * const button = createSimulatedButton(clock);
 * button.press(); clock.advance(5050); // a 5 s long press with the default 50 ms debounce
 * ```
 */
export function createSimulatedButton(clock: Clock, options?: { pressed?: boolean; hardwareDebounce?: boolean }): SimulatedButton {
  let level = !!(options && options.pressed);
  let listeners: ((e: ButtonEdge) => void)[] = [];
  const edge = (pressed: boolean): void => {
    if (level === pressed) return;
    level = pressed;
    const e = { pressed: pressed, at: clock.now() };
    const ls = listeners.slice();
    for (let i = 0; i < ls.length; i++) ls[i](e);
  };
  const b: SimulatedButton = {
    read: () => level,
    watch(listener) {
      listeners.push(listener);
      return () => {
        listeners = listeners.filter((l) => l !== listener);
      };
    },
    press: () => edge(true),
    release: () => edge(false),
    bounce(n) {
      for (let i = 0; i < n; i++) {
        edge(true);
        edge(false);
      }
    },
    isPressed: () => level,
    watchers: () => listeners.length,
  };
  if (options && options.hardwareDebounce) b.hardwareDebounce = true;
  return b;
}

/** One change of a recorded LED. */
export interface LedChange {
  at: number;
  on: boolean;
}

/** An LED that records what it was told. */
export interface RecordingLed extends LedPort {
  /** Every steady level set, with the time. */
  timeline: LedChange[];
  /** Blink delegations (only when created with `blink: true`). */
  blinks: { at: number; onMs: number; offMs: number }[];
  /** Level now (a blinking LED reports its computed phase). */
  isLit(): boolean;
  /** What it shows: steady or blinking. */
  mode(): 'steady' | 'blink';
}

/**
 * Create an LED that records its timeline. With `blink: true` it offers the optional `blink()` and
 * computes its level from the blink phase, like a kernel timer trigger.
 */
export function createRecordingLed(clock: Clock, options?: { blink?: boolean }): RecordingLed {
  let lit = false;
  let blinking: { start: number; on: number; off: number } | undefined;
  const led: RecordingLed = {
    timeline: [],
    blinks: [],
    set(on) {
      blinking = undefined;
      lit = on;
      led.timeline.push({ at: clock.now(), on: on });
    },
    isLit() {
      if (!blinking) return lit;
      const period = blinking.on + blinking.off;
      const within = (clock.now() - blinking.start) % period;
      return within < blinking.on;
    },
    mode: () => (blinking ? 'blink' : 'steady'),
  };
  if (options && options.blink) {
    led.blink = function (onMs, offMs) {
      blinking = { start: clock.now(), on: onMs, off: offMs };
      led.blinks.push({ at: clock.now(), onMs: onMs, offMs: offMs });
    };
  }
  return led;
}

/** How the simulated network answers a join. */
export type NetworkAnswer = 'connect' | 'auth-error' | 'ap-not-found' | 'other' | 'flaky';

/** A Wi-Fi station you can drive through every outcome. */
export interface SimulatedWifi extends WifiPort {
  /** Put a network in range. */
  addNetwork(ssid: string, passphrase?: string): void;
  /** Take a network out of range. */
  removeNetwork(ssid: string): void;
  /**
   * Force how the next joins answer, whatever the credentials: `connect`, a failure reason, or `flaky`
   * (alternating `other` failures and success). `undefined` returns to judging the credentials.
   */
  answer(a: NetworkAnswer | undefined): void;
  /** Emit a disconnect with this reason now (lost link, or a platform failure). */
  drop(reason: DisconnectReason, raw?: string | number): void;
  /** Credentials applied by the last connect(), passphrase included (test use only). */
  applied(): WifiCredentials | undefined;
  /** Persisted credentials (test use only). */
  stored(): WifiCredentials | undefined;
  /** Number of join attempts so far. */
  attempts: number;
  /** Calls per method. */
  calls: { [method: string]: number };
  /** Number of active subscribers. */
  subscribers(): number;
}

/**
 * Create a simulated Wi-Fi station. A join takes `joinMs` (default 0: answers synchronously); after a
 * failure it retries every `retryMs` (default 5000) like a real supplicant, until `disconnect()`,
 * `forget()` or a new `connect()`. Stored credentials are joined at `subscribe()` (auto-connect).
 */
export function createSimulatedWifi(
  clock: Clock,
  options?: { joinMs?: number; retryMs?: number; stored?: WifiCredentials; ip?: string },
): SimulatedWifi {
  const joinMs = options && options.joinMs !== undefined ? options.joinMs : 0;
  const retryMs = options && options.retryMs !== undefined ? options.retryMs : 5000;
  const ip = options && options.ip ? options.ip : '192.168.1.50';
  const networks: { [ssid: string]: string } = {};
  let forced: NetworkAnswer | undefined;
  let flip = false;
  let listeners: ((e: WifiEvent) => void)[] = [];
  let applied: WifiCredentials | undefined;
  let stored: WifiCredentials | undefined = options && options.stored ? Object.assign({}, options.stored) : undefined;
  let timer: TimerHandle | undefined;
  let linked = false;

  const emit = (e: WifiEvent): void => {
    const ls = listeners.slice();
    for (let i = 0; i < ls.length; i++) ls[i](e);
  };
  const cancel = (): void => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  };
  const outcome = (c: WifiCredentials): { ok: true } | { ok: false; reason: DisconnectReason; raw: string } => {
    if (forced === 'connect') return { ok: true };
    if (forced === 'flaky') {
      flip = !flip;
      return flip ? { ok: false, reason: 'other', raw: 'BEACON_TIMEOUT' } : { ok: true };
    }
    if (forced === 'auth-error') return { ok: false, reason: 'auth-error', raw: 'WRONG_KEY' };
    if (forced === 'ap-not-found') return { ok: false, reason: 'ap-not-found', raw: 'NO_AP_FOUND' };
    if (forced === 'other') return { ok: false, reason: 'other', raw: 'ASSOC_FAIL' };
    if (!(c.ssid in networks)) return { ok: false, reason: 'ap-not-found', raw: 'NO_AP_FOUND' };
    if ((c.passphrase || '') !== networks[c.ssid]) return { ok: false, reason: 'auth-error', raw: 'WRONG_KEY' };
    return { ok: true };
  };
  const join = (): void => {
    const c = applied || stored;
    if (!c) return;
    w.attempts++;
    emit({ type: 'connecting' });
    const finish = (): void => {
      timer = undefined;
      const o = outcome(c);
      if (o.ok) {
        linked = true;
        emit({ type: 'connected', ip: ip });
        return;
      }
      linked = false;
      emit({ type: 'disconnected', reason: o.reason, raw: o.raw });
      timer = clock.setTimeout(join, retryMs);
    };
    if (joinMs > 0) timer = clock.setTimeout(finish, joinMs);
    else finish();
  };
  const count = (m: string): void => {
    w.calls[m] = (w.calls[m] || 0) + 1;
  };

  const w: SimulatedWifi = {
    attempts: 0,
    calls: {},
    subscribe(listener) {
      count('subscribe');
      listeners.push(listener);
      if (listeners.length === 1 && stored && !applied && !linked && timer === undefined) join();
      return () => {
        listeners = listeners.filter((l) => l !== listener);
      };
    },
    connect(creds: WifiCredentials, opts: ConnectOptions) {
      count('connect');
      if (!creds || typeof creds.ssid !== 'string') throw provisionError('invalid-credentials', 'connect() needs {ssid}');
      cancel();
      linked = false;
      applied = Object.assign({}, creds);
      if (opts && opts.persist) stored = Object.assign({}, creds);
      join();
    },
    persist() {
      count('persist');
      if (applied) stored = Object.assign({}, applied);
    },
    disconnect() {
      count('disconnect');
      cancel();
      applied = undefined;
      if (linked) {
        linked = false;
        emit({ type: 'disconnected', reason: 'other', raw: 'ASSOC_LEAVE' });
      }
    },
    hasStoredCredentials: () => stored !== undefined,
    forget() {
      count('forget');
      stored = undefined;
      w.disconnect();
    },
    scan(): ScanResult[] {
      const out: ScanResult[] = [];
      const names = Object.keys(networks);
      for (let i = 0; i < names.length; i++) out.push({ ssid: names[i], rssi: -40 - i * 7, secure: networks[names[i]] !== '' });
      return out;
    },
    addNetwork(ssid, passphrase) {
      networks[ssid] = passphrase || '';
    },
    removeNetwork(ssid) {
      delete networks[ssid];
    },
    answer(a) {
      forced = a;
    },
    drop(reason, raw) {
      cancel();
      linked = false;
      emit({ type: 'disconnected', reason: reason, raw: raw === undefined ? 'SIMULATED' : raw });
      if (applied || stored) timer = clock.setTimeout(join, retryMs);
    },
    applied: () => (applied ? Object.assign({}, applied) : undefined),
    stored: () => (stored ? Object.assign({}, stored) : undefined),
    subscribers: () => listeners.length,
  };
  return w;
}

/** A system port that records reboots instead of rebooting. */
export interface RecordingSystem extends SystemPort {
  /** Times (clock ms) at which `reboot()` was called. */
  reboots: number[];
}

/** Create a system port that records reboots. With `uptime: true` it reports the clock as uptime. */
export function createRecordingSystem(clock: Clock, options?: { uptime?: boolean }): RecordingSystem {
  const s: RecordingSystem = {
    reboots: [],
    reboot() {
      s.reboots.push(clock.now());
    },
  };
  if (options && options.uptime) s.uptimeMs = () => clock.now();
  return s;
}
