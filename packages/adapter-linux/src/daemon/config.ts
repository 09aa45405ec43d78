import { promises as fs } from 'node:fs';
import { validateConfig, type ProvisionConfig } from '@provision/core';
import { fromMgosConfig } from '@provision/core/mgos';
import { adapterError, describe } from '../errors';
import type { GpioBias } from '../gpio/libgpiod';
import { parsePortalConfig, type DaemonPortalConfig } from '../portal/config';
import type { WifiBackend } from '../wifi/detect';
import type { EapOptions } from '../wifi/wpa-supplicant';

/** Button wiring in the daemon config. */
export interface DaemonButtonConfig {
  /** Chip name, number or path. Default `gpiochip0` (or every chip for a line name on libgpiod v2). */
  chip?: string;
  /** Line offset or line name. */
  line: number | string;
  /** Pressed = low (a button to ground). Default false. */
  activeLow?: boolean;
  /** Pull resistor. Default `as-is`. */
  bias?: GpioBias;
}

/** LED wiring: an LED class device (`sysfs`), or a GPIO line. */
export type DaemonLedConfig = { sysfs: string; root?: string; activeHigh?: boolean } | { chip?: string; line: number | string; activeHigh?: boolean };

/** Wi-Fi settings in the daemon config. */
export interface DaemonWifiConfig {
  /** Station interface. Default `wlan0`. */
  ifname?: string;
  /** Default `auto`. */
  backend?: WifiBackend;
  /** wpa_supplicant `ctrl_interface` directory. Default `/run/wpa_supplicant`. */
  ctrlDir?: string;
  /** wpa_supplicant: report `connected` only with an IPv4 address. Default true. */
  requireIp?: boolean;
  /** wpa_supplicant: 802.1X settings (the passphrase becomes the EAP password). */
  eap?: EapOptions;
  /** While the Wi-Fi backend cannot be opened (NetworkManager not up yet), retry this often, ms. Default 5000. */
  retryMs?: number;
  /**
   * wpa_supplicant: its configuration file (the `-c` file), checked after every save. Default: found in
   * `/proc`; set it when wpa_supplicant runs in another PID namespace (a container) where it cannot be.
   */
  configFile?: string;
}

/**
 * `transports.protocomm`: Espressif's provisioning protocol (the ESP SoftAP Provisioning app, esp_prov)
 * over HTTP and optionally a serial console. Needs the package `@provision/protocomm`.
 */
export interface DaemonProtocommConfig {
  /** 2 (SRP-6a, the default), 1 (proof of possession) or 0 (plaintext, needs `allowInsecure`). */
  security?: 0 | 1 | 2;
  /** Security 1: a file holding the proof of possession (mode 0600 or stricter, owned by the daemon's user). */
  popFile?: string;
  /** Security 1: the proof of possession itself; only in a config file no one else can read. Prefer `popFile`. */
  pop?: string;
  /** Security 2: the JSON `provision-protocomm srp-verifier` prints (`{"username","salt","verifier"}`), mode 0600. */
  verifierFile?: string;
  /** Security 2: the username the app sends; when set it must match the verifier file's. */
  username?: string;
  /**
   * Where the HTTP server listens, `address:port`. Default: on the portal's server when `portal` runs
   * (one server for both, as the phone app expects port 80), else `0.0.0.0:80`.
   */
  listen?: string;
  /** Also serve the console line protocol on this serial device, e.g. `/dev/ttyGS0` (needs `serialport`). */
  console?: string;
  /** The console's baud rate. Default 115200. */
  consoleBaudRate?: number;
  /** Allow security 0, or security 1 without a proof of possession: anyone in range can provision. Logged as insecure. */
  allowInsecure?: boolean;
}

/**
 * Transports that carry credentials from a phone, browser or computer into the provisioning session
 * (R11.1). They run while the device is unprovisioned or a session is active, or always with
 * `always: true`, and stop `graceMs` after success (R11.3).
 */
export interface DaemonTransportsConfig {
  /** Keep the transports running even when provisioned (each success starts a new session). Default false. */
  always?: boolean;
  /** After success, stop this long later (the client has been told by then), ms. Default 30000. */
  graceMs?: number;
  /** The captive web portal on the provisioning access point (see the portal guide); `true` for the defaults. */
  portal?: boolean | Partial<DaemonPortalConfig>;
  /** Espressif's protocol. */
  protocomm?: DaemonProtocommConfig;
  /** Improv Wi-Fi over serial (`{ path, baudRate, firmware, version, deviceName, nextUrl, connectTimeoutMs }`); needs `@provision/improv`. */
  improv?: { path: string; baudRate?: number; [key: string]: unknown };
}

/**
 * The daemon's configuration file (`/etc/provision/config.json`). Every key is optional.
 *
 * @example
 * ```json
 * {
 *   "stateDir": "/var/lib/provision",
 *   "userConfigFiles": ["/etc/myapp/settings.json"],
 *   "provision": { "stableState": 2, "timeoutMs": 600000, "button": { "holdMs": 5000 } },
 *   "button": { "chip": "gpiochip0", "line": 17, "activeLow": true, "bias": "pull-up" },
 *   "led": { "sysfs": "ACT" },
 *   "wifi": { "ifname": "wlan0" }
 * }
 * ```
 */
export interface DaemonConfig {
  /** Record and reset journal (made mode 0700; the daemon locks it). Default `/var/lib/provision`. */
  stateDir?: string;
  /** The control socket's directory (made mode 0700, root only). Default `/run/provision` (systemd `RuntimeDirectory=provision`). */
  runtimeDir?: string;
  /**
   * A group (name or gid) whose members may read `status` on `<runtimeDir>/status.sock`; `reset` and
   * `configure` stay root-only. Default: none (root only).
   */
  statusGroup?: string;
  /** App configuration files a factory reset deletes. */
  userConfigFiles?: string[];
  /** The core's configuration (stable state, timeout, button timing, …). */
  provision?: ProvisionConfig;
  /** Reset button; none when absent. */
  button?: DaemonButtonConfig;
  /** Status LED; none when absent. */
  led?: DaemonLedConfig;
  /** Wi-Fi; `false` runs without it. Default: auto-detected on `wlan0`. */
  wifi?: DaemonWifiConfig | false;
  /** Provisioning transports (protocomm, Improv); none when absent. */
  transports?: DaemonTransportsConfig;
  /** GPIO chip used for mgos pin numbers. Default `gpiochip0`. */
  gpioChip?: string;
  /** Where GPIO chip devices live. Default `/dev`. */
  gpioDevDir?: string;
}

const TOP = ['stateDir', 'runtimeDir', 'statusGroup', 'userConfigFiles', 'provision', 'button', 'led', 'wifi', 'transports', 'gpioChip', 'gpioDevDir'];
/** The transports the daemon knows; a new one adds its key here and its starter in `transports.ts`. */
export const TRANSPORT_KEYS = ['portal', 'protocomm', 'improv'];
const PROTOCOMM_KEYS = ['security', 'popFile', 'pop', 'verifierFile', 'username', 'listen', 'console', 'consoleBaudRate', 'allowInsecure'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

function bad(field: string, msg: string): Error {
  return adapterError('invalid-config', `${field} ${msg}`, { field });
}

/** Edit distance, for "did you mean" (keys are short). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The known key `k` was probably meant as: same letters in another case, or within two edits. */
export function suggest(k: string, keys: string[]): string | undefined {
  const lower = k.toLowerCase();
  return keys.find((c) => c.toLowerCase() === lower) ?? keys.find((c) => distance(c.toLowerCase(), lower) <= Math.min(2, Math.floor(c.length / 3)));
}

function only(o: Obj, path: string, keys: string[]): void {
  for (const k of Object.keys(o)) {
    if (keys.includes(k)) continue;
    const s = suggest(k, keys);
    throw bad(path ? `${path}.${k}` : k, `is not a known key${s ? ` (did you mean ${s}?)` : ''}; allowed: ${keys.join(', ')}`);
  }
}

function str(o: Obj, k: string, path: string): void {
  if (o[k] !== undefined && (typeof o[k] !== 'string' || o[k] === '')) throw bad(`${path}.${k}`, 'must be a non-empty string');
}
function bool(o: Obj, k: string, path: string): void {
  if (o[k] !== undefined && typeof o[k] !== 'boolean') throw bad(`${path}.${k}`, 'must be true or false');
}
function line(o: Obj, path: string): void {
  const l = o.line;
  if (!((typeof l === 'number' && Number.isInteger(l) && l >= 0) || (typeof l === 'string' && l !== ''))) {
    throw bad(`${path}.line`, 'must be a line offset >= 0 or a line name');
  }
}

/** How the daemon names a field the core reported: the user's key, and optionally its own wording. */
type Rename = (field: string) => { key: string; what?: string } | undefined;

/**
 * A core validation error as the daemon reports it: naming the key as the user wrote it in this file
 * (`provision.timeoutMs`, or for a Mongoose OS config `provision.timeout`, in seconds) and never
 * echoing the offending value, which may be a secret pasted into the wrong field.
 */
function fromCore(e: unknown, rename: Rename): Error {
  const field = (e as { field?: unknown }).field;
  const raw = e instanceof Error ? e.message : String(e);
  // "…, got <value>" would echo the value (older cores quote it); "got a string" only names its kind.
  let msg = raw.replace(/,? got (?!(?:an? [a-z ]+|null|undefined)$)[\s\S]*$/, '');
  let key: string | undefined;
  if (typeof field === 'string') {
    const r = rename(field);
    key = r?.key;
    if (r?.what) msg = `${r.key} ${r.what}`;
    else if (r) msg = msg.includes(field) ? msg.replace(field, r.key) : `${r.key}: ${msg}`;
  }
  const named = key ?? (typeof field === 'string' ? field : undefined);
  return adapterError('invalid-config', msg, { ...(named === undefined ? {} : { field: named }), cause: e });
}

const MAX_S = Math.floor(2147483647 / 1000);
const PIN = 'must be a GPIO line number, an integer from 0 to 65535 (negative: none)';

/**
 * For an mgos config: the mgos key (and its unit) for what the core reports, whether it names our
 * mapped field (`timeoutMs`) or the mgos key itself (`provision.timeout`).
 */
function mgosKey(btnKey: string): Rename {
  const b = `provision.${btnKey}`;
  return (field) => {
    switch (field) {
      case 'timeoutMs':
      case 'provision.timeout':
        return { key: 'provision.timeout', what: `must be a number of seconds from -${MAX_S} to ${MAX_S} (0 or less: no provisioning timeout)` };
      case 'stableState':
      case 'provision.stable_state':
        return { key: 'provision.stable_state', what: 'must be an integer from 0 to 255' };
      case 'button.holdMs':
      case `${b}.hold_ms`:
        return { key: `${b}.hold_ms`, what: 'must be an integer number of milliseconds from -2147483648 to 2147483647 (0 or less: the button never resets)' };
      case 'button.inhibitAfterMs':
      case `${b}.inhibit_after_s`:
        return { key: `${b}.inhibit_after_s`, what: `must be a number of seconds from 0 to ${MAX_S}` };
      case `${b}.pin`:
      case 'provision.led.pin':
        return { key: field, what: PIN };
      default:
        return field.startsWith('provision') ? { key: field } : { key: `provision.${field}` };
    }
  };
}

/** A GPIO line offset as an mgos pin: an integer 0..65535. */
function mgosPin(pin: number, key: string): number {
  if (!Number.isInteger(pin) || pin < 0 || pin > 65535) throw bad(key, PIN);
  return pin;
}

/** True when `json` looks like a Mongoose OS `provision` config (R9.3) rather than ours. */
export function isMgosConfig(json: unknown): boolean {
  if (!isObj(json)) return false;
  const sec = isObj(json.provision) ? json.provision : json;
  if (['btn', 'stable_state', 'timeout', 'wifi_configured', 'configured'].some((k) => k in sec)) return true;
  return (isObj(sec.led) && 'pin' in sec.led) || (isObj(sec.button) && 'pin' in sec.button);
}

/**
 * Validate a parsed config file: ours, or an mgos `provision` object (mapped with the core's
 * `fromMgosConfig`, pins becoming offsets on `gpioChip`). Throws `invalid-config` naming the field.
 */
export function parseDaemonConfig(json: unknown): DaemonConfig {
  if (!isObj(json)) throw bad('config', 'must be a JSON object');
  if (isMgosConfig(json)) {
    const rest: Obj = { ...json };
    const sec = isObj(json.provision) ? json.provision : json;
    const btnKey = sec.btn !== undefined ? 'btn' : 'button';
    let mgos: ReturnType<typeof fromMgosConfig>;
    try {
      mgos = fromMgosConfig(isObj(json.provision) ? { provision: json.provision } : json);
    } catch (e) {
      throw fromCore(e, mgosKey(btnKey));
    }
    delete rest.provision;
    for (const k of ['btn', 'button', 'led', 'stable_state', 'timeout', 'wifi_configured', 'configured']) if (!isObj(json.provision)) delete rest[k];
    const ours = parseDaemonConfig(rest);
    const chip = ours.gpioChip ?? 'gpiochip0';
    const out: DaemonConfig = { ...ours, provision: mgos.config };
    if (mgos.button) {
      const pin = mgosPin(mgos.button.pin, `provision.${btnKey}.pin`);
      out.button = { chip, line: pin, activeLow: mgos.button.pullUp, bias: mgos.button.pullUp ? 'pull-up' : 'as-is' };
    }
    if (mgos.led) out.led = { chip, line: mgosPin(mgos.led.pin, 'provision.led.pin'), activeHigh: mgos.led.activeHigh };
    return out;
  }
  only(json, '', TOP);
  for (const k of ['stateDir', 'runtimeDir']) {
    if (json[k] !== undefined && !(typeof json[k] === 'string' && json[k].startsWith('/'))) throw bad(k, 'must be an absolute path');
  }
  if (json.statusGroup !== undefined && !(typeof json.statusGroup === 'string' && /^[a-z_][a-z0-9_-]{0,31}$|^\d+$/i.test(json.statusGroup))) {
    throw bad('statusGroup', 'must be a group name or a gid');
  }
  str(json, 'gpioChip', 'config');
  str(json, 'gpioDevDir', 'config');
  if (json.userConfigFiles !== undefined) {
    const u = json.userConfigFiles;
    if (!Array.isArray(u) || u.some((f) => typeof f !== 'string' || !f.startsWith('/'))) throw bad('userConfigFiles', 'must be a list of absolute paths');
  }
  if (json.provision !== undefined) {
    if (!isObj(json.provision)) throw bad('provision', 'must be an object');
    try {
      validateConfig(json.provision as ProvisionConfig, 'provision');
    } catch (e) {
      throw fromCore(e, (field) => ({ key: field.startsWith('provision.') ? field : `provision.${field}` }));
    }
  }
  if (json.button !== undefined) {
    const b = json.button;
    if (!isObj(b)) throw bad('button', 'must be an object');
    only(b, 'button', ['chip', 'line', 'activeLow', 'bias']);
    str(b, 'chip', 'button');
    line(b, 'button');
    bool(b, 'activeLow', 'button');
    if (b.bias !== undefined && !['as-is', 'pull-up', 'pull-down', 'disabled'].includes(b.bias as string)) {
      throw bad('button.bias', 'must be one of as-is, pull-up, pull-down, disabled');
    }
  }
  if (json.led !== undefined) {
    const l = json.led;
    if (!isObj(l)) throw bad('led', 'must be an object');
    if ('sysfs' in l) {
      only(l, 'led', ['sysfs', 'root', 'activeHigh']);
      str(l, 'sysfs', 'led');
      str(l, 'root', 'led');
    } else {
      only(l, 'led', ['chip', 'line', 'activeHigh']);
      str(l, 'chip', 'led');
      line(l, 'led');
    }
    bool(l, 'activeHigh', 'led');
  }
  if (json.wifi !== undefined && json.wifi !== false) {
    const w = json.wifi;
    if (!isObj(w)) throw bad('wifi', 'must be an object or false');
    only(w, 'wifi', ['ifname', 'backend', 'ctrlDir', 'requireIp', 'eap', 'retryMs', 'configFile']);
    str(w, 'ifname', 'wifi');
    str(w, 'ctrlDir', 'wifi');
    if (w.configFile !== undefined && !(typeof w.configFile === 'string' && w.configFile.startsWith('/'))) throw bad('wifi.configFile', 'must be an absolute path');
    bool(w, 'requireIp', 'wifi');
    if (w.backend !== undefined && !['auto', 'networkmanager', 'wpa_supplicant'].includes(w.backend as string)) {
      throw bad('wifi.backend', 'must be one of auto, networkmanager, wpa_supplicant');
    }
    if (w.retryMs !== undefined && !(typeof w.retryMs === 'number' && Number.isInteger(w.retryMs) && w.retryMs >= 10 && w.retryMs <= 3_600_000)) {
      throw bad('wifi.retryMs', 'must be an integer 10..3600000');
    }
    if (w.eap !== undefined) {
      const e = w.eap;
      if (!isObj(e)) throw bad('wifi.eap', 'must be an object');
      only(e, 'wifi.eap', ['method', 'identity', 'phase2', 'keyMgmt']);
      for (const k of ['method', 'identity']) if (typeof e[k] !== 'string' || e[k] === '') throw bad(`wifi.eap.${k}`, 'must be a non-empty string');
      str(e, 'phase2', 'wifi.eap');
      if (e.keyMgmt !== undefined && e.keyMgmt !== 'WPA-EAP' && e.keyMgmt !== 'IEEE8021X') throw bad('wifi.eap.keyMgmt', 'must be WPA-EAP or IEEE8021X');
    }
  }
  if (json.transports !== undefined) transports(json.transports);
  return json as DaemonConfig;
}

/** `transports`: each transport's shape; its files are read (and their modes checked) at start. */
function transports(t: unknown): void {
  if (!isObj(t)) throw bad('transports', 'must be an object');
  only(t, 'transports', ['always', 'graceMs', ...TRANSPORT_KEYS]);
  bool(t, 'always', 'transports');
  if (t.graceMs !== undefined && !(typeof t.graceMs === 'number' && Number.isInteger(t.graceMs) && t.graceMs >= 0 && t.graceMs <= 600_000)) {
    throw bad('transports.graceMs', 'must be an integer number of milliseconds 0..600000');
  }
  if (t.portal !== undefined) parsePortalConfig(t.portal);
  if (t.protocomm !== undefined) protocomm(t.protocomm);
  // Improv's keys are checked by @provision/improv's own validator when the transport starts.
  if (t.improv !== undefined && !isObj(t.improv)) throw bad('transports.improv', 'must be an object {path, baudRate?, ...}');
}

function protocomm(p: unknown): void {
  const at = 'transports.protocomm';
  if (!isObj(p)) throw bad(at, 'must be an object');
  only(p, at, PROTOCOMM_KEYS);
  const sec = p.security ?? 2;
  if (sec !== 0 && sec !== 1 && sec !== 2) throw bad(`${at}.security`, 'must be 0, 1 or 2 (2: SRP-6a, the default; 1: proof of possession; 0: plaintext)');
  for (const k of ['popFile', 'verifierFile', 'console']) {
    if (p[k] !== undefined && !(typeof p[k] === 'string' && p[k].startsWith('/'))) throw bad(`${at}.${k}`, 'must be an absolute path');
  }
  if (p.pop !== undefined && (typeof p.pop !== 'string' || p.pop === '' || Buffer.byteLength(p.pop) > 256)) throw bad(`${at}.pop`, 'must be a string of 1 to 256 bytes');
  if (p.username !== undefined && (typeof p.username !== 'string' || p.username === '' || Buffer.byteLength(p.username) > 256)) throw bad(`${at}.username`, 'must be a string of 1 to 256 bytes');
  bool(p, 'allowInsecure', at);
  if (p.consoleBaudRate !== undefined && !(typeof p.consoleBaudRate === 'number' && Number.isInteger(p.consoleBaudRate) && p.consoleBaudRate >= 1200 && p.consoleBaudRate <= 4_000_000)) {
    throw bad(`${at}.consoleBaudRate`, 'must be an integer 1200..4000000');
  }
  if (p.listen !== undefined && (typeof p.listen !== 'string' || !parseListen(p.listen))) {
    throw bad(`${at}.listen`, 'must be address:port, e.g. "192.168.4.1:80" or "0.0.0.0:8080" (port 0..65535)');
  }
  if (p.pop !== undefined && p.popFile !== undefined) throw bad(`${at}.pop`, 'and popFile are exclusive: keep popFile');
  if (sec === 2 && p.verifierFile === undefined) throw bad(`${at}.verifierFile`, 'is required for security 2: the file `provision-protocomm srp-verifier --user U --password-file F > FILE` writes (mode 0600)');
  if (sec !== 2 && (p.verifierFile !== undefined || p.username !== undefined)) throw bad(`${at}.verifierFile`, 'and username are for security 2 only');
  if (sec !== 1 && (p.pop !== undefined || p.popFile !== undefined)) throw bad(`${at}.popFile`, 'and pop are for security 1 only');
  if (sec === 1 && p.pop === undefined && p.popFile === undefined && p.allowInsecure !== true) {
    throw bad(`${at}.popFile`, 'is required for security 1 (or set allowInsecure: true to let anyone in range provision, which is insecure)');
  }
  if (sec === 0 && p.allowInsecure !== true) throw bad(`${at}.security`, '0 sends credentials in plaintext: set allowInsecure: true to allow it (insecure), or use security 2');
}

/** `address:port` → its parts, or undefined. IPv6 addresses go in brackets: `[::]:80`. */
export function parseListen(s: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3}|localhost)):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  const host = m[1] ?? m[2]!;
  if (m[2] && m[2] !== 'localhost' && m[2].split('.').some((o) => Number(o) > 255)) return undefined;
  return { host, port };
}

/**
 * Where JSON.parse stopped, as " (line L, column C)". V8's own message quotes the text around the
 * error, which may be a secret, so only the position is kept.
 */
function jsonWhere(text: string, message: string): string {
  const m = /at position (\d+)/.exec(message);
  if (!m) return /end of JSON input/i.test(message) ? ' (it ends too early)' : '';
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  return ` (line ${line}, column ${before.length - before.lastIndexOf('\n')})`;
}

/** Read and validate the config file. */
export async function loadDaemonConfig(file: string): Promise<DaemonConfig> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw adapterError('invalid-config', `cannot read config file ${file}: ${describe(e)}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw adapterError('invalid-config', `config file ${file} is not valid JSON${jsonWhere(text, describe(e))}`);
  }
  const cfg = parseDaemonConfig(json);
  const portal = cfg.transports?.portal;
  const secret =
    cfg.transports?.protocomm?.pop !== undefined
      ? { key: 'transports.protocomm.pop', fix: 'move it to popFile (mode 0600) or ' }
      : typeof portal === 'object' && portal.password !== undefined
        ? { key: 'transports.portal.password', fix: '' }
        : undefined;
  if (secret) {
    // A secret in the config file is only as private as the file.
    const st = await fs.stat(file);
    if ((st.mode & 0o077) !== 0) {
      throw adapterError('invalid-config', `${secret.key} is a secret, but ${file} can be read by others (mode ${(st.mode & 0o777).toString(8)}): ${secret.fix}chmod 600 ${file}`, {
        field: secret.key,
      });
    }
  }
  return cfg;
}
