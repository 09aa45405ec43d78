// Picking the access point backend: NetworkManager where it manages the interface, else hostapd + dnsmasq.
import { promises as fs } from 'node:fs';
import type { Logger } from '../daemon/log';
import { adapterError } from '../errors';
import { networkManagerManages } from '../wifi/detect';
import type { AccessPoint } from './access-point';
import { createHostapdAccessPoint, type HostapdOptions } from './hostapd';
import { createNmAccessPoint, type NmAccessPointOptions } from './network-manager';
import { resolveAccessPointSettings, shortIdFromMac, type AccessPointOptions } from './settings';

/** `auto` (the default), or a backend by name. */
export type AccessPointBackendChoice = 'auto' | 'network-manager' | 'hostapd';

/** Options of {@link createAccessPoint}. */
export interface CreateAccessPointOptions extends Omit<AccessPointOptions, 'shortId'> {
  /** The device's short id; default the last two octets of the interface's MAC address. */
  shortId?: string;
  /** Default `auto`. */
  backend?: AccessPointBackendChoice;
  /** Whether AP and station can run at once (see the backends). Default false. */
  concurrent?: boolean;
  /** D-Bus address for NetworkManager. Default the system bus. */
  busAddress?: string;
  /** NetworkManager backend options. */
  networkManager?: Omit<NmAccessPointOptions, 'busAddress' | 'concurrent' | 'log'>;
  /** hostapd backend options. */
  hostapd?: Omit<HostapdOptions, 'concurrent' | 'log'>;
  log?: Logger;
}

/** The short id of an interface: the last two octets of its MAC address (`3F2A`). */
export async function interfaceShortId(ifname: string): Promise<string> {
  let mac: string;
  try {
    mac = (await fs.readFile(`/sys/class/net/${ifname}/address`, 'utf8')).trim();
  } catch (e) {
    throw adapterError('invalid-config', `no interface '${ifname}' to name the access point after (set shortId)`, { field: 'ifname', cause: e });
  }
  return shortIdFromMac(mac);
}

/**
 * The provisioning access point on `ifname`: through NetworkManager when it manages the interface
 * (or `backend: 'network-manager'`), else hostapd + dnsmasq.
 *
 * @example
 * ```ts
 * const ap = await createAccessPoint({ ifname: 'wlan0', ssidPrefix: 'PROV', password: 'per-device-secret' });
 * await ap.start(); // PROV_3F2A
 * ```
 */
export async function createAccessPoint(o: CreateAccessPointOptions = {}): Promise<AccessPoint> {
  const ifname = o.ifname ?? 'wlan0';
  const shortId = o.shortId ?? (await interfaceShortId(ifname));
  const settings = resolveAccessPointSettings({ ...o, ifname, shortId });
  const backend = o.backend ?? 'auto';
  if (backend !== 'auto' && backend !== 'network-manager' && backend !== 'hostapd') {
    throw adapterError('invalid-config', `backend must be auto, network-manager or hostapd, got ${JSON.stringify(backend)}`, { field: 'backend' });
  }
  const useNm = backend === 'network-manager' || (backend === 'auto' && (await networkManagerManages(ifname, o.busAddress)));
  if (useNm) return createNmAccessPoint(settings, { ...o.networkManager, busAddress: o.busAddress, concurrent: o.concurrent, log: o.log });
  return createHostapdAccessPoint(settings, { ...o.hostapd, concurrent: o.concurrent, log: o.log });
}
