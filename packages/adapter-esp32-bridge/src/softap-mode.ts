// Whether the module's SoftAP must stay up: the Wi-Fi mode the station commands set (`AT+CWMODE=1`, or 3 while the provisioning SoftAP runs).
import type { AtClient } from './at-client';
import { claimRadio, radioUser, releaseRadio } from './radio-use';

/** What holds the radio while the provisioning SoftAP serves. */
export const SOFTAP_USER = 'the provisioning SoftAP';

/**
 * Mark the module behind `client` as serving a SoftAP (`true`) or not.
 * @throws `ProvisionError` `invalid-state` when SmartConfig, WPS or BluFi holds the radio.
 */
export function setSoftApActive(client: AtClient, active: boolean): void {
  if (active) claimRadio(client, SOFTAP_USER);
  else releaseRadio(client, SOFTAP_USER);
}

/** The `AT+CWMODE` the station needs: 3 (station + SoftAP) while the SoftAP serves, else 1. */
export function stationMode(client: AtClient): 1 | 3 {
  return radioUser(client) === SOFTAP_USER ? 3 : 1;
}
