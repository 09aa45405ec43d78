// Whether the module's SoftAP must stay up: the Wi-Fi mode the station commands set (`AT+CWMODE=1`, or 3 while the provisioning SoftAP runs).
import type { AtClient } from './at-client';

// A registered symbol, not module state: the main entry and the `softap` entry are separate bundles.
const KEY = Symbol.for('@provision/adapter-esp32-bridge.softap');

type Marked = AtClient & { [KEY]?: boolean };

/** Mark the module behind `client` as serving a SoftAP (`true`) or not. */
export function setSoftApActive(client: AtClient, active: boolean): void {
  (client as Marked)[KEY] = active;
}

/** The `AT+CWMODE` the station needs: 3 (station + SoftAP) while the SoftAP serves, else 1. */
export function stationMode(client: AtClient): 1 | 3 {
  return (client as Marked)[KEY] ? 3 : 1;
}
