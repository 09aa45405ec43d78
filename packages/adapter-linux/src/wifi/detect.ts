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
  /** Time source (wpa_supplicant backend timeouts). */
  clock?: Clock;
}

/** The chosen backend and its port. */
export type LinuxWifi =
  | { backend: 'networkmanager'; port: NetworkManagerWifi; close(): Promise<void> }
  | { backend: 'wpa_supplicant'; port: WpaSupplicantWifi; close(): Promise<void> };

/** True when NetworkManager is on the bus and manages `ifname`. */
export async function networkManagerManages(ifname: string, busAddress?: string): Promise<boolean> {
  let bus;
  try {
    bus = await connectBus(busAddress);
  } catch {
    return false;
  }
  try {
    const [owned] = await bus.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'NameHasOwner', 's', ['org.freedesktop.NetworkManager']);
    if (!owned) return false;
    const [dev] = await bus.call('org.freedesktop.NetworkManager', '/org/freedesktop/NetworkManager', 'org.freedesktop.NetworkManager', 'GetDeviceByIpIface', 's', [ifname]);
    return Boolean(await bus.getProperty('org.freedesktop.NetworkManager', String(dev), 'org.freedesktop.NetworkManager.Device', 'Managed'));
  } catch {
    return false;
  } finally {
    bus.close();
  }
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
  const useNm = backend === 'networkmanager' || (backend === 'auto' && (await networkManagerManages(ifname, options.busAddress)));
  if (useNm) {
    const port = await createNetworkManagerWifi({ ifname, ...(options.busAddress ? { busAddress: options.busAddress } : {}) });
    return { backend: 'networkmanager', port, close: async () => port.close() };
  }
  const ctrlDir = options.ctrlDir ?? '/run/wpa_supplicant';
  try {
    await fs.stat(path.join(ctrlDir, ifname));
  } catch (e) {
    throw adapterError(
      'not-supported',
      `no Wi-Fi backend for '${ifname}': NetworkManager does not manage it and there is no wpa_supplicant control socket ${path.join(ctrlDir, ifname)} (${describe(e)})`,
      { field: 'ifname' },
    );
  }
  const port = await createWpaSupplicantWifi({
    ifname,
    ctrlDir,
    ...(options.requireIp === undefined ? {} : { requireIp: options.requireIp }),
    ...(options.eap ? { eap: options.eap } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return { backend: 'wpa_supplicant', port, close: () => port.close() };
}
