/**
 * `@provision/core/mgos`: mapping a Mongoose OS `provision` config to ours. A separate entry so that
 * apps which do not need it do not ship it.
 *
 * @module
 */
import { kindOf, validateConfig, type ProvisionConfig } from './config';
import { provisionError } from './errors';

/** The result of {@link fromMgosConfig}: our config plus the pin settings an adapter takes. */
export interface MgosMapping {
  /** The provisioner config (already validated). */
  config: ProvisionConfig;
  /** Button wiring for the adapter, or undefined when mgos had the button disabled (`pin < 0`). */
  button?: { pin: number; pullUp: boolean };
  /** LED wiring for the adapter, or undefined when mgos had no LED (`pin < 0`). */
  led?: { pin: number; activeHigh: boolean };
}

type Obj = { [k: string]: unknown };

/**
 * Map a Mongoose OS `provision` config section to ours (R9.3), so mgos users move their
 * `mos.yml`/`conf*.json` values over unchanged. Accepts the section itself or an object holding it
 * under `provision`. Understands `btn.*` and the older `button.*` names, `led.*`, `stable_state`,
 * `timeout` (seconds) and `wifi_configured`/`configured` (ignored: that is device state, not config).
 *
 * @throws {@link "@provision/core".index.ProvisionError | ProvisionError} `invalid-config` naming the mgos key.
 *
 * @example
 * ```ts
 * const { config, button, led } = fromMgosConfig({
 *   provision: { btn: { pin: 17, hold_ms: 5000, pull_up: true }, led: { pin: 2, active_high: false }, stable_state: 2, timeout: 600 },
 * });
 * // config = { stableState: 2, timeoutMs: 600000, button: { holdMs: 5000 } }
 * ```
 */
export function fromMgosConfig(json: unknown): MgosMapping {
  // The helpers live inside: on Espruino a function defined at module level costs memory for as long
  // as the module is loaded, one defined here only while mapping.
  function isObj(v: unknown): v is Obj {
    return !!v && typeof v === 'object' && !Array.isArray(v);
  }

  /**
   * A number of `o[key]` from `lo` to `hi` (an integer when `int`), or undefined when absent. Errors name
   * the user's mgos key in the mgos unit and never echo the value.
   */
  function num(o: Obj, key: string, path: string, lo: number, hi: number, int: boolean, unit: string): number | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !(v >= lo && v <= hi) || (int && Math.floor(v) !== v)) {
      const kind = typeof v === 'number' && !int ? 'a number out of range' : kindOf(v);
      throw provisionError('invalid-config', `mgos ${path} must be ${int ? 'an integer' : 'a number'} from ${lo} to ${hi}${unit}, got ${kind}`, { field: path });
    }
    return v;
  }

  function bool(o: Obj, key: string, path: string): boolean | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') {
      throw provisionError('invalid-config', `mgos ${path} must be true or false, got ${kindOf(v)}`, { field: path });
    }
    return v;
  }

  function onlyKeys(o: Obj, path: string, allowed: string[]): void {
    const keys = Object.keys(o);
    for (let i = 0; i < keys.length; i++) {
      if (allowed.indexOf(keys[i]) < 0) {
        throw provisionError('invalid-config', `unknown mgos key ${path}.${keys[i]}; allowed: ${allowed.join(', ')}`, {
          field: `${path}.${keys[i]}`,
        });
      }
    }
  }

  let root: unknown = json;
  if (typeof root === 'string') {
    try {
      root = JSON.parse(root);
    } catch (e) {
      throw provisionError('invalid-config', 'mgos config is not valid JSON', { cause: e });
    }
  }
  if (!isObj(root)) throw provisionError('invalid-config', 'mgos config must be an object');
  const prov = isObj(root.provision) ? root.provision : root;
  const path = prov === root ? 'provision' : 'provision';
  onlyKeys(prov, path, ['btn', 'button', 'led', 'stable_state', 'timeout', 'wifi_configured', 'configured']);

  const config: ProvisionConfig = {};
  const out: MgosMapping = { config: config };
  // mgos units: pins (negative disables), hold_ms in ms, inhibit_after_s and timeout in seconds. The
  // ranges are those our config can hold, so every error names the user's mgos key.
  const PIN_MIN = -2147483648;
  const PIN_MAX = 65535;
  const S_MAX = 2147483; // seconds that fit our int32 milliseconds

  const btnKey = prov.btn !== undefined ? 'btn' : 'button';
  const btn = prov[btnKey];
  if (btn !== undefined) {
    if (!isObj(btn)) throw provisionError('invalid-config', `mgos ${path}.${btnKey} must be an object`, { field: `${path}.${btnKey}` });
    const bp = `${path}.${btnKey}`;
    onlyKeys(btn, bp, ['pin', 'pull_up', 'hold_ms', 'inhibit_after_s']);
    const pin = num(btn, 'pin', `${bp}.pin`, PIN_MIN, PIN_MAX, true, ' (negative: no button)');
    const holdMs = num(btn, 'hold_ms', `${bp}.hold_ms`, PIN_MIN, 2147483647, true, ' (ms)');
    const inhibitS = num(btn, 'inhibit_after_s', `${bp}.inhibit_after_s`, -S_MAX, S_MAX, false, ' (seconds)');
    const pullUp = bool(btn, 'pull_up', `${bp}.pull_up`);
    config.button = {};
    // mgos: a negative pin disables the button, as does a negative hold_ms.
    if (pin !== undefined && pin < 0) config.button.holdMs = -1;
    else if (holdMs !== undefined) config.button.holdMs = holdMs;
    if (inhibitS !== undefined && inhibitS > 0) config.button.inhibitAfterMs = Math.round(inhibitS * 1000);
    if (pin !== undefined && pin >= 0) out.button = { pin: pin, pullUp: pullUp === true };
  }

  const led = prov.led;
  if (led !== undefined) {
    if (!isObj(led)) throw provisionError('invalid-config', `mgos ${path}.led must be an object`, { field: `${path}.led` });
    onlyKeys(led, `${path}.led`, ['pin', 'active_high']);
    const pin = num(led, 'pin', `${path}.led.pin`, PIN_MIN, PIN_MAX, true, ' (negative: no LED)');
    const activeHigh = bool(led, 'active_high', `${path}.led.active_high`);
    if (pin !== undefined && pin >= 0) out.led = { pin: pin, activeHigh: activeHigh !== false };
  }

  const stable = num(prov, 'stable_state', `${path}.stable_state`, 0, 255, true, '');
  if (stable !== undefined) config.stableState = stable;
  const timeout = num(prov, 'timeout', `${path}.timeout`, -S_MAX, S_MAX, false, ' (seconds)');
  if (timeout !== undefined) config.timeoutMs = Math.round(timeout * 1000);

  // Cannot fail with the ranges above; kept so that a mapping bug can never yield an invalid config.
  validateConfig(config);
  return out;
}
