// One call for the daemon: the access point from `transports.portal`, then the portal over the provisioner.
import type { Provisioner, WifiPort } from '@provision/core';
import { createAccessPoint } from '../access-point/detect';
import type { Logger } from '../daemon/log';
import type { DaemonPortalConfig } from './config';
import { startPortalTransport, type PortalTransport } from './transport';

/** What {@link launchPortal} needs from the daemon. */
export interface LaunchPortalDeps {
  /** The station's Wi-Fi port: scanned before the AP comes up, its events name transient failures. */
  wifi?: WifiPort;
  /** The station interface (the AP's too unless `config.ifname` says otherwise). Default `wlan0`. */
  ifname?: string;
  /** D-Bus address for NetworkManager. Default the system bus. */
  busAddress?: string;
  log?: Logger;
}

/**
 * Start the captive portal as the daemon runs it: create the access point (`<ssidPrefix>_<short id>`,
 * NetworkManager or hostapd + dnsmasq) and start the portal over the provisioner. Call `stop()` on the
 * result when the daemon exits; the next start removes what a killed daemon left anyway.
 *
 * @example
 * ```ts
 * const portal = await launchPortal(prov, parsePortalConfig(config.transports?.portal), { wifi: wifi.port, ifname: 'wlan0', log });
 * process.on('SIGTERM', () => void portal.stop());
 * ```
 */
export async function launchPortal(provisioner: Provisioner, config: DaemonPortalConfig, deps: LaunchPortalDeps = {}): Promise<PortalTransport> {
  const ifname = config.ifname ?? deps.ifname ?? 'wlan0';
  const accessPoint = config.noAccessPoint
    ? undefined
    : await createAccessPoint({
        ifname,
        shortId: config.shortId,
        ssidPrefix: config.ssidPrefix,
        password: config.password,
        open: config.open,
        address: config.address,
        backend: config.backend,
        concurrent: config.concurrent,
        busAddress: deps.busAddress,
        hostapd: { portalUrl: `http://${(config.address ?? '192.168.4.1').split('/')[0]}${config.port && config.port !== 80 ? `:${config.port}` : ''}/` },
        log: deps.log,
      });
  const wifi = deps.wifi;
  return startPortalTransport(provisioner, config, {
    accessPoint,
    scan: wifi && wifi.scan ? () => (wifi.scan as NonNullable<WifiPort['scan']>).call(wifi) : undefined,
    stationEvents: wifi ? (l) => wifi.subscribe(l) : undefined,
    log: deps.log,
  });
}
