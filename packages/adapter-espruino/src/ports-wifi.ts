// The Wi-Fi port of createEspruinoPorts, in a module of its own: the build for boards without Wi-Fi
// (dist/espruino/provision-led.min.js) puts ports-nowifi.ts in its place and carries no Wi-Fi code.
import type { Clock, WifiPort } from '@provision/core';
import type { EspruinoStorageOptions } from './storage';
import { createEspruinoWifi, type EspruinoWifiOptions } from './wifi';

/**
 * The Wi-Fi port for `createEspruinoPorts({ wifi })`, sharing its clock; the credentials file sits
 * beside the record and the journal unless `w.file` names another.
 *
 * @param w - the `wifi` option
 * @param clock - the ports' clock
 * @param storage - the `storage` option (for its file prefix)
 * @returns the port
 */
export function wifiPort(w: Omit<EspruinoWifiOptions, 'clock'>, clock: Clock, storage: EspruinoStorageOptions | undefined): WifiPort {
  const wo: EspruinoWifiOptions = { clock: clock, connectTimeoutMs: w.connectTimeoutMs, retryDelayMs: w.retryDelayMs, firmwareSave: w.firmwareSave };
  wo.file = w.file === undefined ? (storage && storage.prefix !== undefined ? storage.prefix : 'prov') + '.w' : w.file;
  return createEspruinoWifi(wo);
}
