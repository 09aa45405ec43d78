import { randomUUID } from 'node:crypto';
import type { DisconnectReason, ScanResult, WifiCredentials, WifiEvent, WifiPort } from '@provision/core';
import EventEmitter from 'eventemitter3';
import { connectBus, dictOf, settingsOf, type Variant } from '../dbus';
import { adapterError, describe } from '../errors';
import { checkCredentials, isHexPsk } from './credentials';

/** Options for {@link createNetworkManagerWifi}. */
export interface NetworkManagerOptions {
  /** The station interface, e.g. `wlan0`. */
  ifname: string;
  /** D-Bus address. Default the system bus (`DBUS_SYSTEM_BUS_ADDRESS` honoured). */
  busAddress?: string;
  /** Prefix of the connection profiles the adapter creates. Default `provision`. */
  connectionPrefix?: string;
}

/** The NetworkManager {@link WifiPort}, plus `close()`. */
export interface NetworkManagerWifi extends WifiPort {
  scan(): Promise<ScanResult[]>;
  /** The device's D-Bus object path. */
  readonly devicePath: string;
  /** Close the D-Bus connection. */
  close(): void;
}

const NM = 'org.freedesktop.NetworkManager';
const NM_PATH = '/org/freedesktop/NetworkManager';
const SETTINGS_PATH = '/org/freedesktop/NetworkManager/Settings';
const DEVICE = `${NM}.Device`;
const SETTINGS = `${NM}.Settings`;
const CONNECTION = `${NM}.Settings.Connection`;
const WIRELESS = `${NM}.Device.Wireless`;

/** NMDeviceState values the adapter reacts to. */
export const NM_DEVICE_STATE = { DISCONNECTED: 30, PREPARE: 40, CONFIG: 50, NEED_AUTH: 60, IP_CONFIG: 70, ACTIVATED: 100, DEACTIVATING: 110, FAILED: 120 } as const;

/** NMDeviceStateReason → the port's classification: NO_SECRETS (7) → auth-error, SSID_NOT_FOUND (53) → ap-not-found. */
export function classifyNmReason(reason: number): DisconnectReason {
  if (reason === 7) return 'auth-error';
  if (reason === 53) return 'ap-not-found';
  return 'other';
}

function isUnknownMethod(e: unknown): boolean {
  return /UnknownMethod|NotSupported/.test((e as { dbusName?: string }).dbusName ?? describe(e));
}

/**
 * Wi-Fi through NetworkManager's D-Bus API (Raspberry Pi OS bookworm's default). Events come from the
 * device's `StateChanged(new, old, reason)` signal. `connect(…, {persist: false})` creates an in-memory
 * profile with `AddAndActivateConnection2(…, {persist: 'memory'})` that NetworkManager never writes to
 * disk until `persist()` calls `Save` (falling back to `Update` on old versions). The passphrase is
 * sent to NetworkManager only.
 *
 * @example
 * ```ts
 * const wifi = await createNetworkManagerWifi({ ifname: 'wlan0' });
 * ```
 */
export async function createNetworkManagerWifi(options: NetworkManagerOptions): Promise<NetworkManagerWifi> {
  const prefix = options.connectionPrefix ?? 'provision';
  const bus = await connectBus(options.busAddress);
  let devicePath: string;
  try {
    devicePath = String((await bus.call(NM, NM_PATH, NM, 'GetDeviceByIpIface', 's', [options.ifname]))[0]);
    await bus.addMatch(`type='signal',interface='${DEVICE}',member='StateChanged',path='${devicePath}'`);
  } catch (e) {
    bus.close();
    throw adapterError('invalid-config', `NetworkManager has no device '${options.ifname}': ${describe(e)}`, { field: 'ifname', cause: e });
  }
  const events = new EventEmitter<{ event: [WifiEvent] }>();
  const emit = (e: WifiEvent): void => void events.emit('event', e);
  let pending: { path: string; settings: [string, [string, Variant][]][] } | undefined;
  let last: typeof pending;
  let connected = false;

  bus.onSignal((s) => {
    if (s.path !== devicePath || s.interface !== DEVICE || s.member !== 'StateChanged') return;
    const [next, prev, reason] = s.body as number[];
    if (next === undefined || prev === undefined || reason === undefined) return;
    onState(next, prev, reason);
  });

  function onState(next: number, prev: number, reason: number): void {
    const S = NM_DEVICE_STATE;
    if (next === S.ACTIVATED) {
      connected = true;
      void ipOf().then((ip) => emit(ip ? { type: 'connected', ip } : { type: 'connected' }));
    } else if (next === S.FAILED) {
      connected = false;
      emit({ type: 'disconnected', reason: classifyNmReason(reason), raw: reason });
    } else if (next === S.DISCONNECTED && connected) {
      connected = false;
      emit({ type: 'disconnected', reason: classifyNmReason(reason), raw: reason });
    } else if ((next === S.PREPARE || next === S.CONFIG) && prev <= S.DISCONNECTED) {
      emit({ type: 'connecting' });
    } else if (next < S.ACTIVATED && prev === S.ACTIVATED) {
      connected = false;
    }
  }

  async function ipOf(): Promise<string | undefined> {
    try {
      const cfg = String(await bus.getProperty(NM, devicePath, DEVICE, 'Ip4Config'));
      if (!cfg || cfg === '/') return undefined;
      const data = (await bus.getProperty(NM, cfg, `${NM}.IP4Config`, 'AddressData')) as unknown[];
      const first = Array.isArray(data) ? dictOf(data[0]) : {};
      return typeof first.address === 'string' ? first.address : undefined;
    } catch {
      return undefined;
    }
  }

  function settingsFor(c: WifiCredentials): [string, [string, Variant][]][] {
    const ssid = Array.from(Buffer.from(c.ssid, 'utf8'));
    const wireless: [string, Variant][] = [
      ['ssid', ['ay', ssid]],
      ['mode', ['s', 'infrastructure']],
    ];
    if (c.bssid) wireless.push(['bssid', ['ay', c.bssid.split(':').map((h) => parseInt(h, 16))]]);
    const out: [string, [string, Variant][]][] = [
      [
        'connection',
        [
          ['id', ['s', `${prefix}-${c.ssid}`]],
          ['uuid', ['s', randomUUID()]],
          ['type', ['s', '802-11-wireless']],
          ['autoconnect', ['b', true]],
          ['interface-name', ['s', options.ifname]],
        ],
      ],
      ['802-11-wireless', wireless],
      ['ipv4', [['method', ['s', 'auto']]]],
      ['ipv6', [['method', ['s', 'auto']]]],
    ];
    const p = c.passphrase ?? '';
    if (p !== '') {
      out.push(['802-11-wireless-security', [['key-mgmt', ['s', 'wpa-psk']], ['psk', ['s', isHexPsk(p) ? p.toLowerCase() : p]]]]);
    }
    return out;
  }

  async function deleteConnection(path: string): Promise<void> {
    try {
      await bus.call(NM, path, CONNECTION, 'Delete');
    } catch (e) {
      if (!/UnknownObject|UnknownMethod|DoesNotExist/.test(describe(e))) throw e;
    }
  }

  async function wifiConnections(): Promise<{ path: string; unsaved: boolean; id: string }[]> {
    const [paths] = (await bus.call(NM, SETTINGS_PATH, SETTINGS, 'ListConnections')) as [string[]];
    const out: { path: string; unsaved: boolean; id: string }[] = [];
    for (const p of paths ?? []) {
      const [raw] = await bus.call(NM, p, CONNECTION, 'GetSettings');
      const s = settingsOf(raw);
      if (s.connection?.type !== '802-11-wireless') continue;
      const unsaved = Boolean(await bus.getProperty(NM, p, CONNECTION, 'Unsaved').catch(() => false));
      out.push({ path: p, unsaved, id: String(s.connection.id ?? '') });
    }
    return out;
  }

  async function addAndActivate(settings: [string, [string, Variant][]][], persist: boolean): Promise<string> {
    try {
      const [path] = await bus.call(NM, NM_PATH, NM, 'AddAndActivateConnection2', 'a{sa{sv}}ooa{sv}', [
        settings,
        devicePath,
        '/',
        [['persist', ['s', persist ? 'disk' : 'memory']]],
      ]);
      return String(path);
    } catch (e) {
      if (!isUnknownMethod(e)) throw e;
    }
    // NetworkManager < 1.16: add an unsaved profile, then activate it.
    const [path] = await bus.call(NM, SETTINGS_PATH, SETTINGS, persist ? 'AddConnection' : 'AddConnectionUnsaved', 'a{sa{sv}}', [settings]);
    await bus.call(NM, NM_PATH, NM, 'ActivateConnection', 'ooo', [String(path), devicePath, '/']);
    return String(path);
  }

  const port: NetworkManagerWifi = {
    devicePath,
    subscribe(listener) {
      events.on('event', listener);
      return () => events.off('event', listener);
    },
    async connect(creds, { persist }) {
      checkCredentials(creds);
      if (pending) {
        await deleteConnection(pending.path);
        pending = undefined;
      }
      const settings = settingsFor(creds);
      connected = false;
      emit({ type: 'connecting' });
      let path: string;
      try {
        path = await addAndActivate(settings, persist);
      } catch (e) {
        throw adapterError('wifi-failed', `NetworkManager could not start the connection: ${describe(e)}`, { cause: e });
      }
      last = { path, settings };
      pending = persist ? undefined : last;
      if (persist) await removeOthers(path);
    },
    async persist() {
      const target = pending ?? last;
      if (!target) throw adapterError('wifi-failed', 'persist() called before connect()');
      try {
        await bus.call(NM, target.path, CONNECTION, 'Save');
      } catch (e) {
        if (!isUnknownMethod(e)) throw adapterError('wifi-failed', `NetworkManager could not save the connection: ${describe(e)}`, { cause: e });
        await bus.call(NM, target.path, CONNECTION, 'Update', 'a{sa{sv}}', [target.settings]);
      }
      pending = undefined;
      await removeOthers(target.path);
    },
    async disconnect() {
      connected = false;
      try {
        await bus.call(NM, devicePath, DEVICE, 'Disconnect');
      } catch (e) {
        if (!/NotActive|UnknownMethod/.test(describe(e))) throw adapterError('wifi-failed', `NetworkManager could not disconnect: ${describe(e)}`, { cause: e });
      }
      if (pending) {
        await deleteConnection(pending.path);
        pending = undefined;
      }
    },
    async hasStoredCredentials() {
      return (await wifiConnections()).some((c) => !c.unsaved);
    },
    async forget() {
      await port.disconnect();
      for (const c of await wifiConnections()) await deleteConnection(c.path);
      last = undefined;
    },
    async scan() {
      await bus.call(NM, devicePath, WIRELESS, 'RequestScan', 'a{sv}', [[]]).catch(() => undefined);
      const [aps] = (await bus.call(NM, devicePath, WIRELESS, 'GetAllAccessPoints')) as [string[]];
      const out: ScanResult[] = [];
      for (const ap of aps ?? []) {
        const [all] = await bus.call(NM, ap, 'org.freedesktop.DBus.Properties', 'GetAll', 's', [`${NM}.AccessPoint`]);
        const p = dictOf(all);
        const ssid = Buffer.isBuffer(p.Ssid) ? p.Ssid.toString('utf8') : '';
        if (!ssid) continue;
        const strength = Number(p.Strength ?? 0);
        const r: ScanResult = {
          ssid,
          rssi: Math.round(strength / 2 - 100),
          secure: Number(p.Flags ?? 0) !== 0 || Number(p.WpaFlags ?? 0) !== 0 || Number(p.RsnFlags ?? 0) !== 0,
        };
        if (typeof p.HwAddress === 'string') r.bssid = p.HwAddress.toLowerCase();
        const f = Number(p.Frequency ?? 0);
        if (f >= 2412 && f <= 2472) r.channel = (f - 2407) / 5;
        else if (f === 2484) r.channel = 14;
        else if (f >= 5000 && f <= 5900) r.channel = (f - 5000) / 5;
        out.push(r);
      }
      return out.sort((a, b) => b.rssi - a.rssi);
    },
    close() {
      events.removeAllListeners();
      bus.close();
    },
  };

  // Profiles this adapter created that replaced ones are gone; keep only the newest saved one.
  async function removeOthers(keep: string): Promise<void> {
    for (const c of await wifiConnections()) {
      if (c.path !== keep && c.id.startsWith(`${prefix}-`)) await deleteConnection(c.path);
    }
  }

  return port;
}
