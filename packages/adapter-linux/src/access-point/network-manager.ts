// The access point as an in-memory NetworkManager connection (mode ap, ipv4 shared), over D-Bus.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../daemon/log';
import { connectBus, settingsOf, type DbusConnection, type Variant } from '../dbus';
import { adapterError, describe } from '../errors';
import type { AccessPoint } from './access-point';
import type { AccessPointSettings } from './settings';

const NM = 'org.freedesktop.NetworkManager';
const NM_PATH = '/org/freedesktop/NetworkManager';
const SETTINGS_PATH = '/org/freedesktop/NetworkManager/Settings';
const SETTINGS = 'org.freedesktop.NetworkManager.Settings';
const CONNECTION = 'org.freedesktop.NetworkManager.Settings.Connection';
const DEVICE = 'org.freedesktop.NetworkManager.Device';
const ACTIVATED = 100;
const FAILED = 120;

/** Options of {@link createNmAccessPoint}. */
export interface NmAccessPointOptions {
  /** D-Bus address. Default the system bus. */
  busAddress?: string;
  /** The connection's id; any connection with this id is ours (a stale one is removed at start). Default `provision-ap`. */
  connectionId?: string;
  /**
   * Whether the station can join a network while the access point is up. NetworkManager does not
   * say which interface combinations a radio allows, so this is configured: true when the access
   * point runs on its own virtual interface (e.g. `uap0` beside `wlan0`). Default false.
   */
  concurrent?: boolean;
  /**
   * NetworkManager's `dnsmasq-shared.d` directory: a file there makes the dnsmasq that NetworkManager
   * runs for shared connections answer every name with the device (wildcard DNS) while the access
   * point is up. Default `/etc/NetworkManager/dnsmasq-shared.d`; `false` leaves DNS alone.
   */
  dnsmasqSharedDir?: string | false;
  /** How long to wait for the access point to come up, ms. Default 30000. */
  activateTimeoutMs?: number;
  log?: Logger;
}

/** The NetworkManager access point. */
export interface NmAccessPoint extends AccessPoint {
  readonly backend: 'network-manager';
  /** The D-Bus path of the connection while up. */
  connectionPath(): string | undefined;
}

/** The connection settings (`a{sa{sv}}`) NetworkManager is given. The password goes only here. */
export function apConnectionSettings(s: AccessPointSettings, id: string): [string, [string, Variant][]][] {
  const out: [string, [string, Variant][]][] = [
    [
      'connection',
      [
        ['id', ['s', id]],
        ['uuid', ['s', randomUUID()]],
        ['type', ['s', '802-11-wireless']],
        ['autoconnect', ['b', false]],
        ['interface-name', ['s', s.ifname]],
      ],
    ],
    [
      '802-11-wireless',
      [
        ['ssid', ['ay', Array.from(Buffer.from(s.ssid, 'utf8'))]],
        ['mode', ['s', 'ap']],
        ['band', ['s', s.channel > 14 ? 'a' : 'bg']],
        ['channel', ['u', s.channel]],
      ],
    ],
    [
      'ipv4',
      [
        ['method', ['s', 'shared']],
        ['address-data', ['aa{sv}', [[['address', ['s', s.address]], ['prefix', ['u', s.prefixLength]]]]]],
      ],
    ],
    ['ipv6', [['method', ['s', 'ignore']]]],
  ];
  if (s.password !== '') {
    out.push([
      '802-11-wireless-security',
      [
        ['key-mgmt', ['s', 'wpa-psk']],
        ['proto', ['as', ['rsn']]],
        ['pairwise', ['as', ['ccmp']]],
        ['group', ['as', ['ccmp']]],
        ['psk', ['s', s.password]],
      ],
    ]);
  }
  return out;
}

/**
 * An access point through NetworkManager: an `802-11-wireless.mode ap` connection with
 * `ipv4.method shared` (NetworkManager's own DHCP and DNS), added with `persist: volatile` so it lives
 * in memory only and goes away when deactivated, and deleted on `stop()`. `start()` first deletes any
 * connection with the same id that a killed predecessor left active.
 *
 * @example
 * ```ts
 * const ap = createNmAccessPoint(resolveAccessPointSettings({ shortId: '3F2A', password: 'per-device-secret' }));
 * await ap.start();
 * ```
 */
export function createNmAccessPoint(settings: AccessPointSettings, options: NmAccessPointOptions = {}): NmAccessPoint {
  const id = options.connectionId ?? 'provision-ap';
  const log: Logger = options.log ?? (() => undefined);
  const sharedDir = options.dnsmasqSharedDir === undefined ? '/etc/NetworkManager/dnsmasq-shared.d' : options.dnsmasqSharedDir;
  const dnsFile = sharedDir ? path.join(sharedDir, `${id}.conf`) : undefined;
  let bus: DbusConnection | undefined;
  let conn: string | undefined;
  let up = false;
  let busy: Promise<void> = Promise.resolve();

  const getBus = async (): Promise<DbusConnection> => (bus ??= await connectBus(options.busAddress));

  /** Our connections: every one with our id (one per earlier run that did not stop). */
  const ours = async (b: DbusConnection): Promise<string[]> => {
    const [list] = await b.call(NM, SETTINGS_PATH, SETTINGS, 'ListConnections');
    const found: string[] = [];
    for (const p of (list as string[]) ?? []) {
      try {
        const [raw] = await b.call(NM, p, CONNECTION, 'GetSettings');
        if (settingsOf(raw).connection?.id === id) found.push(p);
      } catch {
        // Deleted meanwhile.
      }
    }
    return found;
  };

  const removeOurs = async (b: DbusConnection, why: string): Promise<void> => {
    for (const p of await ours(b)) {
      await b.call(NM, p, CONNECTION, 'Delete').catch(() => undefined);
      log('access-point-removed', { backend: 'network-manager', path: p, why });
    }
    if (dnsFile) await fs.rm(dnsFile, { force: true });
  };

  const waitActive = (b: DbusConnection, device: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const ms = options.activateTimeoutMs ?? 30_000;
      const timer = setTimeout(() => {
        off();
        reject(adapterError('timeout', `the access point on ${settings.ifname} did not come up in ${ms} ms`));
      }, ms);
      const off = b.onSignal((s) => {
        if (s.path !== device || s.interface !== DEVICE || s.member !== 'StateChanged') return;
        const [next, , reason] = s.body as number[];
        if (next === ACTIVATED) {
          clearTimeout(timer);
          off();
          resolve();
        } else if (next === FAILED) {
          clearTimeout(timer);
          off();
          reject(adapterError('not-supported', `NetworkManager could not raise the access point on ${settings.ifname} (device state reason ${reason})`));
        }
      });
    });

  const doStart = async (): Promise<void> => {
    if (up) return;
    const b = await getBus();
    await removeOurs(b, 'left by an earlier run');
    let device: string;
    try {
      device = String((await b.call(NM, NM_PATH, NM, 'GetDeviceByIpIface', 's', [settings.ifname]))[0]);
    } catch (e) {
      throw adapterError('invalid-config', `NetworkManager has no device '${settings.ifname}': ${describe(e)}`, { field: 'ifname', cause: e });
    }
    // NM_WIFI_DEVICE_CAP_AP: a radio (or driver) without AP mode fails late and vaguely otherwise.
    const caps = await b.getProperty(NM, device, `${DEVICE}.Wireless`, 'WirelessCapabilities').catch(() => undefined);
    if (typeof caps === 'number' && (caps & 0x40) === 0) {
      throw adapterError('not-supported', `the Wi-Fi device ${settings.ifname} cannot run an access point (NetworkManager reports no AP mode); use another adapter or the hostapd backend`);
    }
    await b.addMatch(`type='signal',interface='${DEVICE}',member='StateChanged',path='${device}'`);
    if (dnsFile) {
      await fs.mkdir(path.dirname(dnsFile), { recursive: true });
      await fs.writeFile(dnsFile, `# Written by provision-linux while its access point is up: every name is the device.\naddress=/#/${settings.address}\n`, { mode: 0o644 });
    }
    const active = waitActive(b, device);
    try {
      const [p] = await b.call(NM, NM_PATH, NM, 'AddAndActivateConnection2', 'a{sa{sv}}ooa{sv}', [apConnectionSettings(settings, id), device, '/', [['persist', ['s', 'volatile']]]]);
      conn = String(p);
      await active;
      up = true;
    } catch (e) {
      active.catch(() => undefined);
      await removeOurs(b, 'start failed');
      conn = undefined;
      // The message names the D-Bus error only: the settings (and the password) are never in it.
      throw adapterError('not-supported', `the access point on ${settings.ifname} did not come up: ${describe(e)}`, { cause: e });
    }
  };

  const doStop = async (): Promise<void> => {
    up = false;
    conn = undefined;
    if (!bus) return;
    await removeOurs(bus, 'stopped');
    bus.close();
    bus = undefined;
  };

  const serial = (f: () => Promise<void>): Promise<void> => {
    const next = busy.then(f, f);
    busy = next.catch(() => undefined);
    return next;
  };

  return {
    backend: 'network-manager',
    settings,
    start: () => serial(doStart),
    stop: () => serial(doStop),
    isUp: () => up,
    concurrent: () => options.concurrent ?? false,
    connectionPath: () => conn,
  };
}
