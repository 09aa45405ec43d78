// Access point settings: the SSID from a prefix and the device's short id, password, address, DHCP range.
import { adapterError } from '../errors';

/** What the access point is configured with. */
export interface AccessPointOptions {
  /** The radio interface. Default `wlan0`. */
  ifname?: string;
  /** SSID prefix; the SSID is `<prefix>_<shortId>` (R11.5). Default `PROV`. */
  ssidPrefix?: string;
  /** The device's short id, e.g. the last two octets of the MAC in hex (`3F2A`). */
  shortId: string;
  /** WPA2 password, 8..63 printable ASCII. Required unless `open` is set. */
  password?: string;
  /**
   * Run the access point without a password: anyone in range can join it and see the network list.
   * Insecure, so opt-in (R11.4). Default false.
   */
  open?: boolean;
  /** The device's address and prefix on the access point. Default `192.168.4.1/24`. */
  address?: string;
  /** First and last address handed out by DHCP. Default: the rest of the subnet. */
  dhcpRange?: [string, string];
  /** Wi-Fi channel. Default 6. */
  channel?: number;
}

/** Settings with every default filled in and checked. */
export interface AccessPointSettings {
  ifname: string;
  ssid: string;
  /** Empty for an open access point (only with `open: true`). */
  password: string;
  /** The device's address, e.g. `192.168.4.1`. */
  address: string;
  /** Prefix length, e.g. 24. */
  prefixLength: number;
  /** DHCP range. */
  dhcpRange: [string, string];
  /** Netmask in dotted form, e.g. `255.255.255.0`. */
  netmask: string;
  channel: number;
}

/** The default device address on the access point (the one Espressif's tools expect). */
export const DEFAULT_AP_ADDRESS = '192.168.4.1/24';

function ipToInt(ip: string, field: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw adapterError('invalid-config', `${field} must be an IPv4 address like 192.168.4.1, got ${JSON.stringify(ip)}`, { field });
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The short id from an interface's MAC address: its last two octets in upper-case hex. */
export function shortIdFromMac(mac: string): string {
  const hex = mac.replace(/[^0-9a-fA-F]/g, '');
  if (hex.length !== 12) throw adapterError('invalid-config', `a MAC address has six octets, got ${JSON.stringify(mac)}`, { field: 'mac' });
  return hex.slice(8).toUpperCase();
}

/**
 * Check access point options and fill in defaults.
 *
 * @throws `invalid-config` naming the field and what it allows.
 * @example
 * ```ts
 * resolveAccessPointSettings({ shortId: '3F2A', password: 'per-device-secret' }).ssid; // 'PROV_3F2A'
 * ```
 */
export function resolveAccessPointSettings(o: AccessPointOptions): AccessPointSettings {
  const ifname = o.ifname ?? 'wlan0';
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(ifname)) throw adapterError('invalid-config', `ifname must be a Linux interface name (1 to 15 of A-Z a-z 0-9 _ . -), got ${JSON.stringify(ifname)}`, { field: 'ifname' });
  const prefix = o.ssidPrefix ?? 'PROV';
  if (typeof o.shortId !== 'string' || !/^[A-Za-z0-9]{1,12}$/.test(o.shortId)) {
    throw adapterError('invalid-config', `shortId must be 1 to 12 letters or digits, got ${JSON.stringify(o.shortId)}`, { field: 'shortId' });
  }
  const ssid = `${prefix}_${o.shortId}`;
  const bytes = Buffer.byteLength(ssid, 'utf8');
  // Control characters would break hostapd.conf lines and confuse phones.
  if (typeof prefix !== 'string' || prefix.length === 0 || bytes > 32 || [...prefix].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    throw adapterError('invalid-config', `ssidPrefix must be 1 or more printable characters and leave room for "_${o.shortId}" in 32 bytes, got ${JSON.stringify(prefix)} (${bytes} bytes with the id)`, { field: 'ssidPrefix' });
  }
  const password = o.password ?? '';
  if (typeof password !== 'string' || (password !== '' && (password.length < 8 || password.length > 63 || !/^[\x20-\x7e]+$/.test(password)))) {
    // Never echo the password itself.
    throw adapterError('invalid-config', 'password must be 8 to 63 printable ASCII characters (or empty with open: true)', { field: 'password' });
  }
  const cidr = o.address ?? DEFAULT_AP_ADDRESS;
  const m = /^([^/]+)(?:\/(\d{1,2}))?$/.exec(cidr);
  if (!m) throw adapterError('invalid-config', `address must be like 192.168.4.1/24, got ${JSON.stringify(cidr)}`, { field: 'address' });
  const ip = ipToInt(m[1], 'address');
  const len = m[2] === undefined ? 24 : Number(m[2]);
  if (len < 8 || len > 30) throw adapterError('invalid-config', `address prefix length must be 8 to 30, got ${len}`, { field: 'address' });
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  const network = (ip & mask) >>> 0;
  const broadcast = (network | (~mask >>> 0)) >>> 0;
  if (ip === network || ip === broadcast) throw adapterError('invalid-config', `address ${m[1]} is the network or broadcast address of /${len}`, { field: 'address' });
  let range: [string, string];
  if (o.dhcpRange) {
    const a = ipToInt(o.dhcpRange[0], 'dhcpRange');
    const b = ipToInt(o.dhcpRange[1], 'dhcpRange');
    if (a > b || (a & mask) >>> 0 !== network || (b & mask) >>> 0 !== network || a === network || b === broadcast || (ip >= a && ip <= b)) {
      throw adapterError('invalid-config', `dhcpRange must be inside ${intToIp(network)}/${len}, first <= last, without ${m[1]}`, { field: 'dhcpRange' });
    }
    range = [o.dhcpRange[0], o.dhcpRange[1]];
  } else {
    const start = ip + 1 < broadcast ? ip + 1 : network + 1;
    const end = start > ip ? Math.min(broadcast - 1, start + 252) : ip - 1;
    range = [intToIp(start), intToIp(end)];
  }
  const channel = o.channel ?? 6;
  if (!Number.isInteger(channel) || channel < 1 || channel > 165) throw adapterError('invalid-config', `channel must be an integer from 1 to 165, got ${String(channel)}`, { field: 'channel' });
  if (password === '' && o.open !== true) {
    throw adapterError('invalid-config', 'password is required (8 to 63 printable ASCII characters); set open: true for an open access point, which anyone in range can join (insecure)', { field: 'password' });
  }
  if (password !== '' && o.open === true) throw adapterError('invalid-config', 'open: true and a password contradict each other; drop one', { field: 'open' });
  return { ifname, ssid, password, address: m[1], prefixLength: len, dhcpRange: range, netmask: intToIp(mask), channel };
}
