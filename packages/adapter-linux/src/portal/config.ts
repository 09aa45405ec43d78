// The daemon's `transports.portal` section: checked key by key, with the field and what it allows in every error.
import { adapterError } from '../errors';
import type { AccessPointBackendChoice } from '../access-point/detect';
import type { PortalConfig } from './transport';

/** `transports.portal` as the daemon reads it: the portal's settings plus the access point's. */
export interface DaemonPortalConfig extends PortalConfig {
  /** Run the portal. Default true when the section is present. */
  enabled: boolean;
  /** The access point's interface. Default the Wi-Fi interface. */
  ifname?: string;
  /** Access point backend. Default `auto`. */
  backend?: AccessPointBackendChoice;
  /** AP and station at once (an AP on its own virtual interface). Default false. */
  concurrent?: boolean;
  /** An access point without a password (insecure, opt-in: R11.4). Default false. */
  open?: boolean;
  /** The device's short id in the SSID. Default the last two octets of the interface's MAC address. */
  shortId?: string;
  /** Raise no access point (serve on the networks the device already has). Default false. */
  noAccessPoint?: boolean;
}

const KEYS = ['enabled', 'ssidPrefix', 'password', 'address', 'port', 'listenHost', 'hostNames', 'nextUrl', 'graceMs', 'maxEventStreams', 'limits', 'ifname', 'backend', 'concurrent', 'noAccessPoint', 'shortId', 'open'];
const LIMIT_KEYS = ['maxBodyBytes', 'maxHeaderBytes', 'maxHeaders', 'headersTimeoutMs', 'requestTimeoutMs', 'keepAliveTimeoutMs', 'checkIntervalMs', 'maxConnections'];

/**
 * Check `transports.portal` from the daemon's config file.
 *
 * @throws `invalid-config` naming the field (`transports.portal.<key>`) and the allowed values. The
 * password is never part of a message.
 * @example
 * ```ts
 * parsePortalConfig({ ssidPrefix: 'PROV', password: 'per-device-secret' }); // { enabled: true, ... }
 * ```
 */
export function parsePortalConfig(input: unknown, field = 'transports.portal'): DaemonPortalConfig {
  let value = input;
  const bad = (k: string, msg: string) => adapterError('invalid-config', `${field}.${k} ${msg}`, { field: `${field}.${k}` });
  if (value === false || value === undefined) return { enabled: false };
  if (value === true) value = {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw adapterError('invalid-config', `${field} must be an object or a boolean`, { field });
  const o = value as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.includes(k)) throw bad(k, `is not a known key; allowed: ${KEYS.join(', ')}`);
  const str = (k: string, re?: RegExp, what = 'a string'): string | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || (re && !re.test(v))) throw bad(k, `must be ${what}`);
    return v;
  };
  const int = (k: string, min: number, max: number, src: Record<string, unknown> = o, f = k): number | undefined => {
    const v = src[k];
    if (v === undefined) return undefined;
    if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) throw bad(f, `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const bool = (k: string): boolean | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw bad(k, 'must be true or false');
    return v;
  };
  const out: DaemonPortalConfig = { enabled: bool('enabled') ?? true };
  const set = <K extends keyof DaemonPortalConfig>(k: K, v: DaemonPortalConfig[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  const prefix = str('ssidPrefix', /^.{1,27}$/u, '1 to 27 printable characters');
  if (prefix !== undefined && [...prefix].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) throw bad('ssidPrefix', 'must be 1 to 27 printable characters');
  set('ssidPrefix', prefix);
  if (o.password !== undefined && (typeof o.password !== 'string' || (o.password !== '' && !/^[\x20-\x7e]{8,63}$/.test(o.password)))) {
    throw bad('password', 'must be 8 to 63 printable ASCII characters (or empty with open: true)');
  }
  set('password', o.password as string | undefined);
  set('address', str('address', /^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/, 'an IPv4 address with an optional prefix, like 192.168.4.1/24'));
  set('port', int('port', 1, 65535));
  set('listenHost', str('listenHost'));
  if (o.hostNames !== undefined) {
    if (!Array.isArray(o.hostNames) || o.hostNames.some((h) => typeof h !== 'string' || !/^[A-Za-z0-9.-]{1,253}$/.test(h))) throw bad('hostNames', 'must be a list of host names');
    out.hostNames = o.hostNames as string[];
  }
  set('nextUrl', str('nextUrl', /^https?:\/\//, 'an http:// or https:// URL (use {ip} for the new address)'));
  set('graceMs', int('graceMs', 0, 600_000));
  set('maxEventStreams', int('maxEventStreams', 1, 1024));
  if (o.limits !== undefined) {
    if (!o.limits || typeof o.limits !== 'object' || Array.isArray(o.limits)) throw bad('limits', 'must be an object');
    const l = o.limits as Record<string, unknown>;
    const limits: Record<string, number> = {};
    for (const k of Object.keys(l)) {
      if (!LIMIT_KEYS.includes(k)) throw bad(`limits.${k}`, `is not a known key; allowed: ${LIMIT_KEYS.join(', ')}`);
      limits[k] = int(k, 1, 10_000_000, l, `limits.${k}`) as number;
    }
    out.limits = limits;
  }
  set('ifname', str('ifname', /^[A-Za-z0-9_.-]{1,15}$/, 'a Linux interface name'));
  const backend = str('backend', /^(auto|network-manager|hostapd)$/, 'auto, network-manager or hostapd');
  set('backend', backend as AccessPointBackendChoice | undefined);
  set('concurrent', bool('concurrent'));
  set('noAccessPoint', bool('noAccessPoint'));
  set('open', bool('open'));
  if (out.enabled && !out.noAccessPoint && !out.password && out.open !== true) {
    throw bad('password', 'is required (8 to 63 printable ASCII characters); set "open": true for an open access point, which anyone in range can join (insecure)');
  }
  set('shortId', str('shortId', /^[A-Za-z0-9]{1,12}$/, '1 to 12 letters or digits'));
  return out;
}
