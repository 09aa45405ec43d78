// Provisioner configuration: its types, defaults and validation (R9.1).
import { provisionError } from './errors';
import { isIntIn, isObject } from './guards';

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
  /**
   * How long each factory-reset step (and the reboot request) may take before it counts as failed,
   * ms, 1..600 000 (default 2000). A port that never answers cannot stop the reboot (R7.3).
   */
  resetStepTimeoutMs?: number;
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
  resetStepTimeoutMs: number;
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

/**
 * What kind of value `v` is, for error messages: never the value itself, which may be a secret put in
 * the wrong field (R10.3). @internal
 */
export function kindOf(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return isFinite(v) && Math.floor(v) === v ? 'an integer out of range' : 'a number that is not an integer';
  return typeof v === 'object' ? 'an object' : 'a ' + typeof v;
}

type Obj = { [k: string]: unknown };
/** A schema entry: `[min, max, default]` integer, a boolean default, a list of strings (first is the default), or a section. */
type Rule = number[] | boolean | string[] | Schema | 'patterns';
interface Schema {
  [key: string]: Rule;
}

/**
 * Validate a configuration and fill in the defaults (R9.1). Unknown keys are errors, so a misspelt key
 * is never silently ignored: the message gives its path and the nearest allowed key. Messages name the
 * field, the kind of value that was wrong and what is allowed, never the value itself (it may be a
 * secret typed into the wrong field).
 *
 * @param input - the configuration (undefined or null: every default)
 * @param where - where the configuration sits in the user's file, e.g. `"provision"`: prefixed to the
 *   field names in messages and in `field` (`provision.timeoutMS`). Default: none.
 * @throws {@link ProvisionError} with code `invalid-config`, naming the field and the allowed values.
 *
 * @example
 * ```ts
 * const cfg = validateConfig({ stableState: 2, button: { holdMs: 5000 } });
 * cfg.timeoutMs; // 300000
 * validateConfig({ timeoutMS: 1000 }, 'provision');
 * // throws: unknown config key provision.timeoutMS (did you mean timeoutMs?); allowed keys of provision: …
 * ```
 */
export function validateConfig(input?: ProvisionConfig | null, where?: string): ResolvedConfig {
  // The schema and the helpers live inside: on Espruino a function or table defined at module level
  // costs memory for as long as the module is loaded, one defined here only while validating.
  function bad(path: string, what: string, v: unknown): never {
    throw provisionError('invalid-config', `${path} must be ${what}, got ${kindOf(v)}`, { field: path });
  }

  /** Edit distance of two short strings (Levenshtein). */
  function distance(a: string, b: string): number {
    let prev: number[] = [];
    for (let j = 0; j <= b.length; j++) prev.push(j);
    for (let i = 1; i <= a.length; i++) {
      const row = [i];
      for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
      prev = row;
    }
    return prev[b.length];
  }

  /** The allowed key a misspelt one most likely meant (case, `_`, a missing suffix, two typos), or ''. */
  function nearest(key: string, keys: string[]): string {
    const norm = (k: string): string => k.toLowerCase().split('_').join('');
    const k = norm(key);
    let best = '';
    let score = 3;
    for (let i = 0; i < keys.length && k.length <= 40; i++) {
      const c = norm(keys[i]);
      const d = c === k ? 0 : c.indexOf(k) === 0 || k.indexOf(c) === 0 ? 1 : distance(k, c);
      if (d < score) {
        score = d;
        best = keys[i];
      }
    }
    return best;
  }

  const MAX_MS = 2147483647; // the largest delay every platform's timers accept (2^31 - 1)
  const MIN_MS = -2147483648;
  /** The configuration schema with its defaults (mgos defaults where mgos has the setting). */
  const SCHEMA: Schema = {
    stableState: [0, 255, 3],
    timeoutMs: [MIN_MS, MAX_MS, 300000],
    rebootDelayMs: [0, 60000, 100],
    resetStepTimeoutMs: [1, 600000, 2000],
    button: { holdMs: [MIN_MS, MAX_MS, 0], debounceMs: [0, 10000, 50], inhibitAfterMs: [0, MAX_MS, 0] },
    led: { patterns: 'patterns' },
    wifi: { resetOnBadCredentials: true, badCredentialAttempts: [1, 100, 3] },
    session: { attempts: [0, 100, 0], autoStopMs: [0, MAX_MS, 30000], persist: ['after-connect', 'before-connect'], autoResetOnFailure: false },
  };

  function walk(schema: Schema, input: Obj, path: string): Obj {
    const keys = Object.keys(schema);
    const given = Object.keys(input);
    for (let i = 0; i < given.length; i++) {
      if (keys.indexOf(given[i]) < 0) {
        const at = path ? `${path}.${given[i]}` : given[i];
        const guess = nearest(given[i], keys);
        throw provisionError(
          'invalid-config',
          `unknown config key ${at}${guess ? ` (did you mean ${guess}?)` : ''}; allowed keys${path ? ' of ' + path : ''}: ${keys.join(', ')}`,
          { field: at },
        );
      }
    }
    const out: Obj = {};
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const rule = schema[k];
      const v = input[k];
      const p = path ? `${path}.${k}` : k;
      // Mutual recursion: both functions exist before walk() first runs, also on Espruino.
      // eslint-disable-next-line no-use-before-define
      if (rule === 'patterns') out[k] = patternsField(v, p);
      else if (typeof rule === 'boolean') {
        if (v !== undefined && typeof v !== 'boolean') bad(p, 'true or false', v);
        out[k] = v === undefined ? rule : v;
      } else if (Array.isArray(rule) && typeof rule[0] === 'string') {
        if (v !== undefined && rule.indexOf(v as never) < 0) bad(p, `"${rule.join('" or "')}"`, v);
        out[k] = v === undefined ? rule[0] : v;
      } else if (Array.isArray(rule)) {
        const r = rule as number[];
        if (v !== undefined && !isIntIn(v, r[0], r[1])) bad(p, `an integer from ${r[0]} to ${r[1]}`, v);
        out[k] = v === undefined ? r[2] : v;
      } else {
        if (v !== undefined && !isObject(v)) bad(p, 'an object', v);
        out[k] = walk(rule, v === undefined ? {} : (v as Obj), p);
      }
    }
    return out;
  }

  /** "0".."255" in canonical form: no sign, leading zeros, exponent or spaces. */
  function isStateKey(k: string): boolean {
    const n = Number(k);
    return isIntIn(n, 0, 255) && String(n) === k;
  }

  function patternsField(v: unknown, path: string): { [state: string]: LedPattern } {
    const out: { [state: string]: LedPattern } = {};
    if (v === undefined) return out;
    if (!isObject(v)) bad(path, 'an object', v);
    const keys = Object.keys(v);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const p = `${path}.${k}`;
      if (!isStateKey(k) && k !== 'stable' && k !== 'resetPending') {
        throw provisionError('invalid-config', `unknown LED pattern key ${p}; allowed: a state 0..255, stable, resetPending`, { field: p });
      }
      const pat = v[k];
      const need = '{on, off}, both integers from 0 to 60000 (ms)';
      if (!isObject(pat)) bad(p, need, pat);
      // -1: not given (both are required).
      const ms = walk({ on: [0, 60000, -1], off: [0, 60000, -1] }, pat, p) as unknown as LedPattern;
      if (ms.on < 0 || ms.off < 0) bad(p, need, pat);
      out[k] = ms;
    }
    return out;
  }

  const raw = input === undefined || input === null ? {} : input;
  if (!isObject(raw)) bad(where || 'config', 'an object', raw);
  return walk(SCHEMA, raw as Obj, where || '') as unknown as ResolvedConfig;
}

/** Is `n` an integer 0..255 (a provisioning state)? @internal */
export function checkState(n: unknown, what: string): number {
  if (!isIntIn(n, 0, 255)) {
    throw provisionError('invalid-state', `${what} must be an integer from 0 to 255, got ${kindOf(n)}`, { field: what });
  }
  return n;
}
