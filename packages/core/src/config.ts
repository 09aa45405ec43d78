import { provisionError } from './errors';

/**
 * An LED pattern: lit for `on` ms, dark for `off` ms, repeating. `off: 0` is solid on; `on: 0` is
 * solid off (the same convention as the Linux kernel's `timer` trigger).
 */
export interface LedPattern {
  on: number;
  off: number;
}

/** Provisioner configuration. Every field is optional; defaults follow Mongoose OS. */
export interface ProvisionConfig {
  /** The state that counts as provisioned, 0..255 (default 3). 0 disables the timeout (R4.5). */
  stableState?: number;
  /** Provisioning timeout in ms (default 300 000). `<= 0` disables it (R4.5). */
  timeoutMs?: number;
  /** Delay between a factory reset and the reboot, ms, 0..60 000 (default 100). */
  rebootDelayMs?: number;
  /** Reset button (§5). */
  button?: ButtonConfig;
  /** LED (§6). */
  led?: LedConfig;
  /** Bad-credentials reset (R8.2). */
  wifi?: WifiConfig;
  /** Provisioning session (§8). */
  session?: SessionConfig;
}

/** Reset-button configuration (§5). */
export interface ButtonConfig {
  /** `< 0` disables the button; `0` = hold while booting (R5.2); `> 0` = long-press ms (R5.3). Default 0. */
  holdMs?: number;
  /** A press must last this long to count, ms, 0..10 000 (default 50). */
  debounceMs?: number;
  /** Ignore presses once uptime exceeds this, ms; 0 = never (default 0). */
  inhibitAfterMs?: number;
}

/** LED configuration (§6). */
export interface LedConfig {
  /**
   * Override patterns by state number (`"0"`…`"255"`), or `stable` (states at or above the stable
   * state), `resetPending` (a button hold in progress).
   */
  patterns?: { [state: string]: LedPattern };
}

/** Bad-credentials reset configuration (R8.2). */
export interface WifiConfig {
  /** Reset after repeated definitive failures until the first good connection (default true). */
  resetOnBadCredentials?: boolean;
  /** Consecutive `auth-error`/`ap-not-found` disconnects that trigger it, 1..100 (default 3). */
  badCredentialAttempts?: number;
}

/** Provisioning-session configuration (§8). */
export interface SessionConfig {
  /** Definitive failures allowed before `cred-fail`, 0..100; 0 = fail at once (IDF default). */
  attempts?: number;
  /** Stop the session this long after success, ms; 0 disables auto-stop (default 30 000). */
  autoStopMs?: number;
  /** When to persist credentials: after a verified connection (default) or before (IDF). */
  persist?: 'after-connect' | 'before-connect';
  /** Call `resetOnFailure()` automatically after `cred-fail` (default false). */
  autoResetOnFailure?: boolean;
}

/** A configuration with every default filled in. */
export interface ResolvedConfig {
  stableState: number;
  timeoutMs: number;
  rebootDelayMs: number;
  button: { holdMs: number; debounceMs: number; inhibitAfterMs: number };
  led: { patterns: { [state: string]: LedPattern } };
  wifi: { resetOnBadCredentials: boolean; badCredentialAttempts: number };
  session: {
    attempts: number;
    autoStopMs: number;
    persist: 'after-connect' | 'before-connect';
    autoResetOnFailure: boolean;
  };
}

const MAX_MS = 2147483647; // the largest delay every platform's timers accept (2^31 - 1)
const MIN_MS = -2147483648;

function isInt(v: unknown): v is number {
  return typeof v === 'number' && isFinite(v) && Math.floor(v) === v;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'an array' : 'an object';
}

function intField(obj: { [k: string]: unknown }, key: string, path: string, min: number, max: number, dflt: number): number {
  const v = obj[key];
  if (v === undefined) return dflt;
  if (!isInt(v) || v < min || v > max) {
    throw provisionError('invalid-config', `${path} must be an integer from ${min} to ${max}, got ${describe(v)}`, {
      field: path,
    });
  }
  return v;
}

function boolField(obj: { [k: string]: unknown }, key: string, path: string, dflt: boolean): boolean {
  const v = obj[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') {
    throw provisionError('invalid-config', `${path} must be true or false, got ${describe(v)}`, { field: path });
  }
  return v;
}

function checkKeys(obj: { [k: string]: unknown }, path: string, allowed: string[]): void {
  const keys = Object.keys(obj);
  for (let i = 0; i < keys.length; i++) {
    if (allowed.indexOf(keys[i]) < 0) {
      const where = path ? `${path}.${keys[i]}` : keys[i];
      throw provisionError('invalid-config', `unknown config key ${where}; allowed keys${path ? ' of ' + path : ''}: ${allowed.join(', ')}`, {
        field: where,
      });
    }
  }
}

function section(obj: { [k: string]: unknown }, key: string, path: string, allowed: string[]): { [k: string]: unknown } {
  const v = obj[key];
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw provisionError('invalid-config', `${path} must be an object, got ${describe(v)}`, { field: path });
  }
  checkKeys(v as { [k: string]: unknown }, path, allowed);
  return v as { [k: string]: unknown };
}

/** "0".."255" without leading zeros. (No RegExp: Espruino's engine is minimal.) */
function isStateKey(k: string): boolean {
  if (k.length < 1 || k.length > 3) return false;
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return (k === '0' || k.charAt(0) !== '0') && Number(k) <= 255;
}

function patternsField(led: { [k: string]: unknown }): { [state: string]: LedPattern } {
  const out: { [state: string]: LedPattern } = {};
  const v = led.patterns;
  if (v === undefined) return out;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw provisionError('invalid-config', `led.patterns must be an object, got ${describe(v)}`, { field: 'led.patterns' });
  }
  const p = v as { [k: string]: unknown };
  const keys = Object.keys(p);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const path = `led.patterns.${k}`;
    const isState = isStateKey(k);
    if (!isState && k !== 'stable' && k !== 'resetPending') {
      throw provisionError('invalid-config', `unknown LED pattern key ${path}; allowed: a state 0..255, stable, resetPending`, {
        field: path,
      });
    }
    const pat = p[k];
    if (pat === null || typeof pat !== 'object' || Array.isArray(pat)) {
      throw provisionError('invalid-config', `${path} must be an object {on, off}, got ${describe(pat)}`, { field: path });
    }
    checkKeys(pat as { [k: string]: unknown }, path, ['on', 'off']);
    const on = intField(pat as { [k: string]: unknown }, 'on', `${path}.on`, 0, 60000, -1);
    const off = intField(pat as { [k: string]: unknown }, 'off', `${path}.off`, 0, 60000, -1);
    if (on < 0 || off < 0) {
      throw provisionError('invalid-config', `${path} needs both on and off (integers from 0 to 60000 ms)`, { field: path });
    }
    out[k] = { on: on, off: off };
  }
  return out;
}

/**
 * Validate a configuration and fill in the defaults (R9.1). Unknown keys are errors, so a misspelt key
 * is never silently ignored.
 *
 * @throws {@link ProvisionError} with code `invalid-config`, naming the field and the allowed values.
 *
 * @example
 * ```ts
 * const cfg = validateConfig({ stableState: 2, button: { holdMs: 5000 } });
 * cfg.timeoutMs; // 300000
 * ```
 */
export function validateConfig(input?: ProvisionConfig | null): ResolvedConfig {
  const raw = (input === undefined || input === null ? {} : input) as { [k: string]: unknown };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw provisionError('invalid-config', `config must be an object, got ${describe(raw)}`, { field: '' });
  }
  checkKeys(raw, '', ['stableState', 'timeoutMs', 'rebootDelayMs', 'button', 'led', 'wifi', 'session']);
  const button = section(raw, 'button', 'button', ['holdMs', 'debounceMs', 'inhibitAfterMs']);
  const led = section(raw, 'led', 'led', ['patterns']);
  const wifi = section(raw, 'wifi', 'wifi', ['resetOnBadCredentials', 'badCredentialAttempts']);
  const session = section(raw, 'session', 'session', ['attempts', 'autoStopMs', 'persist', 'autoResetOnFailure']);
  const persist = session.persist === undefined ? 'after-connect' : session.persist;
  if (persist !== 'after-connect' && persist !== 'before-connect') {
    throw provisionError('invalid-config', `session.persist must be "after-connect" or "before-connect", got ${describe(persist)}`, {
      field: 'session.persist',
    });
  }
  return {
    stableState: intField(raw, 'stableState', 'stableState', 0, 255, 3),
    timeoutMs: intField(raw, 'timeoutMs', 'timeoutMs', MIN_MS, MAX_MS, 300000),
    rebootDelayMs: intField(raw, 'rebootDelayMs', 'rebootDelayMs', 0, 60000, 100),
    button: {
      holdMs: intField(button, 'holdMs', 'button.holdMs', MIN_MS, MAX_MS, 0),
      debounceMs: intField(button, 'debounceMs', 'button.debounceMs', 0, 10000, 50),
      inhibitAfterMs: intField(button, 'inhibitAfterMs', 'button.inhibitAfterMs', 0, MAX_MS, 0),
    },
    led: { patterns: patternsField(led) },
    wifi: {
      resetOnBadCredentials: boolField(wifi, 'resetOnBadCredentials', 'wifi.resetOnBadCredentials', true),
      badCredentialAttempts: intField(wifi, 'badCredentialAttempts', 'wifi.badCredentialAttempts', 1, 100, 3),
    },
    session: {
      attempts: intField(session, 'attempts', 'session.attempts', 0, 100, 0),
      autoStopMs: intField(session, 'autoStopMs', 'session.autoStopMs', 0, MAX_MS, 30000),
      persist: persist,
      autoResetOnFailure: boolField(session, 'autoResetOnFailure', 'session.autoResetOnFailure', false),
    },
  };
}

/** Is `n` an integer 0..255 (a provisioning state)? @internal */
export function checkState(n: unknown, what: string): number {
  if (!isInt(n) || n < 0 || n > 255) {
    throw provisionError('invalid-state', `${what} must be an integer from 0 to 255, got ${describe(n)}`, { field: what });
  }
  return n;
}
