import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Clock } from '@provision/core';
import { connectBus } from '../dbus';
import { adapterError, describe } from '../errors';
import { createNetworkManagerWifi, type NetworkManagerWifi } from './network-manager';
import { createWpaSupplicantWifi, type EapOptions, type WpaSupplicantWifi } from './wpa-supplicant';

/** Which Wi-Fi backend to use. */
export type WifiBackend = 'auto' | 'networkmanager' | 'wpa_supplicant';

/** Options for {@link createWifi}. */
export interface WifiOptions {
  /** The station interface. Default `wlan0`. */
  ifname?: string;
  /** Default `auto`: NetworkManager when it manages the interface, else wpa_supplicant. */
  backend?: WifiBackend;
  /** D-Bus address for NetworkManager. Default the system bus. */
  busAddress?: string;
  /** wpa_supplicant `ctrl_interface` directory. Default `/run/wpa_supplicant`. */
  ctrlDir?: string;
  /** wpa_supplicant backend: see {@link WpaSupplicantOptions.requireIp}. */
  requireIp?: boolean;
  /** wpa_supplicant backend: 802.1X settings. */
  eap?: EapOptions;
  /** wpa_supplicant backend: its configuration file (see {@link WpaSupplicantOptions.configFile}). */
  configFile?: string;
  /** Time source (wpa_supplicant backend timeouts). */
  clock?: Clock;
}

/** The chosen backend and its port. */
export type LinuxWifi =
  | { backend: 'networkmanager'; port: NetworkManagerWifi; close(): Promise<void> }
  | { backend: 'wpa_supplicant'; port: WpaSupplicantWifi; close(): Promise<void> };

/** Whether NetworkManager manages an interface, and if not, why not (for the log). */
export type NetworkManagerProbe = { manages: true } | { manages: false; reason: string };

/**
 * Ask the bus whether NetworkManager runs and manages `ifname`. When it does not, `reason` says what
 * was missing: the bus itself (D-Bus not running), NetworkManager on it, or the device.
 */
export async function probeNetworkManager(ifname: string, busAddress?: string): Promise<NetworkManagerProbe> {
  let bus;
  try {
    bus = await connectBus(busAddress);
  } catch (e) {
    return { manages: false, reason: `${describe(e)} (is D-Bus running? systemctl start dbus)` };
  }
  try {
    const [owned] = await bus.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'NameHasOwner', 's', ['org.freedesktop.NetworkManager']);
    if (!owned) return { manages: false, reason: 'NetworkManager is not running on the system bus' };
    let dev: unknown;
    try {
      [dev] = await bus.call('org.freedesktop.NetworkManager', '/org/freedesktop/NetworkManager', 'org.freedesktop.NetworkManager', 'GetDeviceByIpIface', 's', [ifname]);
    } catch {
      return { manages: false, reason: `NetworkManager has no device '${ifname}'` };
    }
    const managed = Boolean(await bus.getProperty('org.freedesktop.NetworkManager', String(dev), 'org.freedesktop.NetworkManager.Device', 'Managed'));
    return managed ? { manages: true } : { manages: false, reason: `NetworkManager does not manage '${ifname}'` };
  } catch (e) {
    return { manages: false, reason: `NetworkManager could not be asked: ${describe(e)}` };
  } finally {
    bus.close();
  }
}

/** True when NetworkManager is on the bus and manages `ifname`. */
export async function networkManagerManages(ifname: string, busAddress?: string): Promise<boolean> {
  return (await probeNetworkManager(ifname, busAddress)).manages;
}

/**
 * Open the Wi-Fi port on the right backend. With `backend: 'auto'`, NetworkManager is used when it
 * manages the interface (writing networks through wpa_supplicant under NetworkManager would fight
 * it); otherwise wpa_supplicant's control socket.
 *
 * @example
 * ```ts
 * const { backend, port } = await createWifi({ ifname: 'wlan0' });
 * ```
 */
export async function createWifi(options: WifiOptions = {}): Promise<LinuxWifi> {
  const ifname = options.ifname ?? 'wlan0';
  const backend = options.backend ?? 'auto';
  const probe: NetworkManagerProbe =
    backend === 'auto' ? await probeNetworkManager(ifname, options.busAddress) : backend === 'networkmanager' ? { manages: true } : { manages: false, reason: 'not asked' };
  if (probe.manages) {
    const port = await createNetworkManagerWifi({ ifname, ...(options.busAddress ? { busAddress: options.busAddress } : {}) });
    return { backend: 'networkmanager', port, close: async () => port.close() };
  }
  const ctrlDir = options.ctrlDir ?? '/run/wpa_supplicant';
  try {
    await fs.stat(path.join(ctrlDir, ifname));
  } catch (e) {
    const sock = path.join(ctrlDir, ifname);
    const wpa = `no wpa_supplicant control socket ${sock} (${(e as NodeJS.ErrnoException).code ?? describe(e)}; start wpa_supplicant for ${ifname}, e.g. systemctl start wpa_supplicant@${ifname}, with ctrl_interface=${ctrlDir}, or set wifi.ctrlDir)`;
    const message =
      backend === 'auto'
        ? `no Wi-Fi backend for '${ifname}' (backend auto looked for NetworkManager, then wpa_supplicant): NetworkManager: ${probe.manages ? '' : probe.reason}; wpa_supplicant: ${wpa}`
        : `no Wi-Fi backend for '${ifname}' (backend wpa_supplicant): ${wpa}`;
    throw adapterError('not-supported', message, { field: 'ifname' });
  }
  const port = await createWpaSupplicantWifi({
    ifname,
    ctrlDir,
    ...(options.requireIp === undefined ? {} : { requireIp: options.requireIp }),
    ...(options.eap ? { eap: options.eap } : {}),
    ...(options.configFile ? { configFile: options.configFile } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return { backend: 'wpa_supplicant', port, close: () => port.close() };
}
