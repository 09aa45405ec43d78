/**
 * The ports an adapter implements. This file is the adapter specification: every adapter must behave
 * as the TSDoc here says, and `runPortConformance` from `@provision/core/testing` checks it.
 *
 * Every method may return its value directly or as a Promise (`MaybePromise`). The core never relies
 * on a port being synchronous, but it keeps going synchronously when a port is, which is what makes
 * simulated time deterministic.
 *
 * @module
 */

/** A value or a Promise of it: ports may answer either way. */
export type MaybePromise<T> = T | Promise<T>;

/** An opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/**
 * Time. The only way the core reads time or waits.
 *
 * - `now()` is monotonic milliseconds (never goes backwards; wall-clock changes do not affect it).
 * - `setTimeout` arms a one-shot timer that calls `fn` once, after at least `ms` milliseconds.
 * - `clearTimeout` cancels a timer; clearing a timer that already fired or was cleared does nothing.
 *
 * @example
 * ```ts
 * const clock: Clock = {
 *   now: () => performance.now(),
 *   setTimeout: (fn, ms) => setTimeout(fn, ms),
 *   clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
 * };
 * ```
 */
export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Arm a one-shot timer of `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancel a timer. Must accept a handle that already fired. */
  clearTimeout(handle: TimerHandle): void;
  /**
   * Optional: wall-clock milliseconds since the Unix epoch, used only to time-stamp reset-journal
   * entries. Without it the journal records {@link Clock.now} (uptime) instead.
   */
  wallNow?(): number;
}

/** What a factory reset was caused by (R7.1). */
export type ResetCause = 'button' | 'timeout' | 'bad-credentials' | 'app';

/**
 * The small persisted provisioning record (R10.1). `v` is the format version (currently 1).
 */
export interface ProvisionRecord {
  /** Record format version. */
  v: number;
  /** The persisted maximum provisioning state, 0..255 (R3.1). */
  max: number;
  /** True once the device has connected to Wi-Fi with an IP at least once (R8.1). */
  wifiConfigured: boolean;
}

/** One entry of the reset journal. */
export interface ResetEntry {
  /** Why the device was reset. */
  cause: ResetCause;
  /** Epoch ms when the clock has `wallNow()`, else the clock's monotonic ms. */
  at: number;
}

/**
 * The reset journal: survives factory resets (R7.2) and holds the stuck-button latch (R5.5).
 */
export interface ResetJournal {
  /** Most recent last; the core keeps at most 16 entries. */
  resets: ResetEntry[];
  /** Set by a button-caused reset; cleared when the button is seen released (R5.5). */
  buttonLatched: boolean;
}

/**
 * Persistent storage for the provisioning record and the reset journal.
 *
 * Contract every adapter must meet:
 * - `load()` tells *nothing is stored* apart from *cannot say* (R3.7); the core treats the first as a
 *   fresh device and the second as a device that may well be provisioned:
 *   - it returns `undefined` only when the medium positively holds no record: none was ever saved, or
 *     `wipe()` removed it (a missing file, an absent key);
 *   - it throws (or rejects) when what is stored cannot be read or parsed: an I/O error, a torn or
 *     empty file, bytes that are not a record. Never `undefined` for those;
 *   - it returns a record of a newer format version (`v` above this release's `RECORD_VERSION`) with its `v`
 *     kept, not as an error and not as `undefined`, so the core can refuse to overwrite it (R3.7). Its
 *     other fields need not be understood. (`checkRecord` from `@provision/core` already does this.)
 *   - it must not modify what is stored.
 * - `save(record)` is atomic (R10.2): after power loss at any instant, `load()` returns the old or the
 *   new record, never a torn one.
 * - `wipe()` removes the provisioning record and the user configuration the app registered with the
 *   adapter (mgos `conf9.json`). It must not touch the reset journal.
 * - `loadJournal()` returns the journal, or `undefined` if none exists; like `load()`, it throws when
 *   what is stored cannot be read. `saveJournal()` is atomic too. The journal survives `wipe()`.
 * - `compact()` is optional: garbage-collect the medium after a wipe (mgos does a filesystem GC).
 *
 * A factory reset writes the journal first, then wipes (R7.2); each of these calls may take at most
 * the config's `resetStepTimeoutMs` before the core counts it as failed and goes on (R7.3).
 */
export interface StoragePort {
  /** Read the record; `undefined` only if none is stored; throw if unreadable or corrupt. */
  load(): MaybePromise<ProvisionRecord | undefined>;
  /** Atomically replace the record. */
  save(record: ProvisionRecord): MaybePromise<void>;
  /** Remove the record and the user configuration; keep the journal. */
  wipe(): MaybePromise<void>;
  /** Read the reset journal; `undefined` if none; throw if corrupt. */
  loadJournal(): MaybePromise<ResetJournal | undefined>;
  /** Atomically replace the reset journal. */
  saveJournal(journal: ResetJournal): MaybePromise<void>;
  /** Optional: compact / garbage-collect the medium after a factory reset. */
  compact?(): MaybePromise<void>;
}

/** An edge seen on the reset button. */
export interface ButtonEdge {
  /** True when the button became pressed, false when released (polarity already applied). */
  pressed: boolean;
  /** When the edge happened, in the adapter's own monotonic milliseconds (informative). */
  at: number;
}

/**
 * The reset button.
 *
 * - `read()` returns the current level as *pressed* (true) or *released* (false): active-low,
 *   active-high and pull-up are adapter options, applied before the core sees the value.
 * - `watch(listener)` delivers every edge the adapter sees, in order, until the returned function is
 *   called. Edges may bounce: the core debounces (`button.debounceMs`) unless `hardwareDebounce` is set.
 *   Calling the returned function stops delivery and releases the line (it must be idempotent).
 */
export interface ButtonPort {
  /** Current level: true = pressed. */
  read(): MaybePromise<boolean>;
  /** Subscribe to edges; returns an unsubscribe function. */
  watch(listener: (edge: ButtonEdge) => void): () => void;
  /** Optional: true when the adapter (or hardware) already debounces edges. */
  hardwareDebounce?: boolean;
}

/**
 * The status LED. Polarity (`activeHigh`) is an adapter option: `set(true)` means lit.
 *
 * - `set(on)` stops any `blink()` in progress and sets the LED steady.
 * - `blink(onMs, offMs)` is optional: when present, the core delegates blinking and sets no timers of
 *   its own (R6.2). The LED must start lit for `onMs`, then dark for `offMs`, repeating, until the next
 *   `set()` or `blink()`. Adapters map it to a kernel timer trigger, hardware PWM or their own timer.
 */
export interface LedPort {
  /** Light (true) or darken (false) the LED, steady. */
  set(on: boolean): MaybePromise<void>;
  /** Optional: blink in hardware or in the adapter. */
  blink?(onMs: number, offMs: number): MaybePromise<void>;
}

/** Station credentials (R9.2). */
export interface WifiCredentials {
  /** 1..32 bytes of UTF-8. */
  ssid: string;
  /** Empty (open network), 8..63 printable ASCII, or 64 hex digits. Never logged. */
  passphrase?: string;
  /** Optional BSSID to pin, `aa:bb:cc:dd:ee:ff`. */
  bssid?: string;
  /** Optional channel hint 0..196 (0 = any; ESP-IDF's `channel`). */
  channel?: number;
}

/** How a disconnect is classified (R2). */
export type DisconnectReason = 'auth-error' | 'ap-not-found' | 'other';

/** An event from the Wi-Fi station. */
export type WifiEvent =
  | { type: 'connecting' }
  | { type: 'connected'; ip?: string }
  | { type: 'disconnected'; reason: DisconnectReason; raw?: string | number };

/** One network found by {@link WifiPort.scan}. */
export interface ScanResult {
  ssid: string;
  rssi: number;
  channel?: number;
  bssid?: string;
  /** True when the network needs a passphrase. */
  secure: boolean;
}

/** Options for {@link WifiPort.connect}. */
export interface ConnectOptions {
  /**
   * When false (the default flow, R8.4), the credentials are applied for this attempt only and must
   * not be written to persistent storage until {@link WifiPort.persist} is called. When true they are
   * stored at once (ESP-IDF's behaviour).
   */
  persist: boolean;
}

/**
 * The Wi-Fi station.
 *
 * - `subscribe(listener)` delivers station events until the returned function is called:
 *   `connecting` when a join attempt starts, `connected` once an IP address is acquired, and
 *   `disconnected` after every failed attempt or lost link, classified as `auth-error` (wrong
 *   passphrase / authentication rejected), `ap-not-found` (no such network in range) or `other`, with
 *   the platform's raw reason in `raw`.
 * - `connect(creds, {persist})` applies the credentials and starts joining. After it, the adapter keeps
 *   retrying by itself (the platform's own policy) and reports each failed try as a `disconnected` event,
 *   until `disconnect()`, `forget()` or another `connect()`.
 * - `persist()` writes the credentials of the last `connect()` to persistent storage (called by the core
 *   only after they were verified, unless `persist: 'before-connect'`).
 * - `disconnect()` leaves the network and drops credentials that were never persisted; stored ones stay.
 * - `hasStoredCredentials()` says whether persisted credentials exist. The core asks at `start()` when
 *   the record is unknown or says Wi-Fi is configured (R3.7, R3.8): `false` rewinds a provisioned
 *   record to state 0, so when the adapter cannot tell (its backend is not up yet) it must throw,
 *   never guess `false`.
 * - `forget()` erases persisted credentials and disconnects.
 * - `scan()` is optional.
 *
 * No method may ever put the passphrase into an error message, an event or a log line (R10.3).
 */
export interface WifiPort {
  /** Subscribe to station events; returns an unsubscribe function. */
  subscribe(listener: (event: WifiEvent) => void): () => void;
  /** Apply credentials and start joining. Rejects only when they cannot be applied at all. */
  connect(creds: WifiCredentials, options: ConnectOptions): MaybePromise<void>;
  /** Persist the credentials of the last `connect()`. */
  persist(): MaybePromise<void>;
  /** Leave the network; drop unpersisted credentials. */
  disconnect(): MaybePromise<void>;
  /** Whether persisted credentials exist. */
  hasStoredCredentials(): MaybePromise<boolean>;
  /** Erase persisted credentials (and disconnect). */
  forget(): MaybePromise<void>;
  /** Optional: list networks in range, strongest first. */
  scan?(): MaybePromise<ScanResult[]>;
}

/**
 * The system: reboot, and uptime when the clock cannot tell it.
 *
 * - `reboot()` restarts the device (or the service). The core calls it exactly once per factory reset,
 *   after `rebootDelayMs`; it may never return. A returned Promise still pending after
 *   `resetStepTimeoutMs` is reported as an `error` (code `timeout`) and the reset counts as done; a
 *   rejection is reported too. Either way the device is wiped: an adapter whose reboot can fail should
 *   retry it or end the process itself, so that a supervisor restarts it on the wiped state.
 * - `uptimeMs()` is optional: milliseconds since boot, used for `button.inhibitAfterMs` (R5.4). Without
 *   it the core uses the clock's `now()`.
 */
export interface SystemPort {
  /** Restart the device. */
  reboot(): MaybePromise<void>;
  /** Optional: milliseconds since boot. */
  uptimeMs?(): MaybePromise<number>;
}

/** The ports a provisioner is built from. Only `storage` and `system` are required. */
export interface Ports {
  /** Time; defaults to the global timers ({@link defaultClock}). */
  clock?: Clock;
  storage: StoragePort;
  system: SystemPort;
  /** Without a button, the reset button is disabled (R5.1). */
  button?: ButtonPort;
  /** Without an LED, nothing is shown. */
  led?: LedPort;
  /** Without Wi-Fi, state is driven by the app alone. */
  wifi?: WifiPort;
}
