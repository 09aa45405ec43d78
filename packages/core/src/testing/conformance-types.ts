import type {
  ButtonPort,
  Clock,
  LedPort,
  MaybePromise,
  StoragePort,
  SystemPort,
  WifiCredentials,
  WifiPort,
} from '../ports';

/**
 * The test functions the conformance suite registers its tests with. Pass vitest's (or jest's, or
 * `node:test`'s) `describe` and `it`.
 *
 * @example
 * ```ts
 * import { describe, it } from 'vitest';
 * runPortConformance({ describe, it }, { name: 'memory', storage: () => ({ port: createMemoryStorage() }) });
 * ```
 */
export interface TestApi {
  describe(name: string, fn: () => void): void;
  it: {
    (name: string, fn: (ctx?: any) => unknown, timeout?: number): void;
    skip(name: string, fn: () => unknown): void;
  };
}

/** Something a harness may need to tear down after each test. */
export interface Disposable {
  /** Release whatever the harness created (processes, temp dirs, sockets). */
  cleanup?(): MaybePromise<void>;
}

/** A storage port under test. */
export interface StorageHarness extends Disposable {
  port: StoragePort;
  /**
   * Optional: open a second port instance on the same medium (simulates a reboot). Without it the
   * "survives a reboot" tests are skipped.
   */
  reopen?(): MaybePromise<StoragePort>;
  /**
   * Optional: overwrite the stored record with these raw bytes/text (simulates corruption). Without
   * it the corruption tests are skipped.
   */
  corruptRecord?(raw: string): MaybePromise<void>;
  /**
   * Optional: make the stored record unreadable the way a failing medium does (an I/O error on read,
   * e.g. EIO or EISDIR). `load()` must then throw, never return `undefined` (R3.7). Without it that
   * test is skipped.
   */
  makeUnreadable?(): MaybePromise<void>;
  /**
   * Optional: write an app-owned configuration file that `wipe()` must delete, and say whether it still
   * exists. Without them the user-configuration test is skipped.
   */
  writeUserConfig?(): MaybePromise<void>;
  userConfigExists?(): MaybePromise<boolean>;
}

/** A button port under test, with a way to press it. */
export interface ButtonHarness extends Disposable {
  port: ButtonPort;
  /** Drive the physical line to the pressed level. */
  press(): MaybePromise<void>;
  /** Drive the physical line to the released level. */
  release(): MaybePromise<void>;
}

/** What an LED shows, as the harness observes it on the real interface. */
export type LedObservation =
  | { mode: 'steady'; on: boolean }
  | { mode: 'blink'; onMs: number; offMs: number };

/** An LED port under test, with a way to observe it. */
export interface LedHarness extends Disposable {
  port: LedPort;
  /** What the LED shows now (read back from the platform interface, not from the port). */
  observe(): MaybePromise<LedObservation>;
}

/** A Wi-Fi port under test, with the networks its peer offers. */
export interface WifiHarness extends Disposable {
  port: WifiPort;
  /** Credentials the peer accepts. */
  good: WifiCredentials;
  /** Optional: credentials for an existing network with the wrong passphrase (expects `auth-error`). */
  wrongPassphrase?: WifiCredentials;
  /** Optional: credentials for a network that is not in range (expects `ap-not-found`). */
  missingNetwork?: WifiCredentials;
  /** How long to wait for a real peer's events, ms (default 10 000). Simulated peers answer at once. */
  eventTimeoutMs?: number;
  /**
   * Optional: lets simulated peers progress; called while waiting for an event. A harness on a
   * simulated clock advances it here.
   */
  tick?(): MaybePromise<void>;
}

/** A system port under test. */
export interface SystemHarness extends Disposable {
  port: SystemPort;
  /** How many times the platform saw a reboot request. */
  reboots(): MaybePromise<number>;
}

/** A clock under test. */
export interface ClockHarness extends Disposable {
  port: Clock;
  /** Let `ms` milliseconds pass (advance a simulated clock, or wait for a real one). */
  advance(ms: number): MaybePromise<void>;
}

/**
 * An adapter's factories for {@link runPortConformance}. Each factory is called once per test and must
 * return a fresh, isolated port. Ports an adapter does not provide are left out and their tests show as
 * skipped with the reason.
 */
export interface ConformanceTarget {
  /** Shown in the test names, e.g. `"adapter-linux"`. */
  name: string;
  storage?: () => MaybePromise<StorageHarness>;
  button?: () => MaybePromise<ButtonHarness>;
  led?: () => MaybePromise<LedHarness>;
  wifi?: () => MaybePromise<WifiHarness>;
  system?: () => MaybePromise<SystemHarness>;
  clock?: () => MaybePromise<ClockHarness>;
}
