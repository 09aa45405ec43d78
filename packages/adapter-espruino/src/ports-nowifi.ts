// ports-wifi.ts as the build for boards without Wi-Fi has it (dist/espruino/provision-led.min.js):
// asking that build for a Wi-Fi port is a configuration error that names the build to use instead.
import { provisionError, type WifiPort } from '@provision/core';

/**
 * Refuses: this build carries no Wi-Fi.
 *
 * @returns never
 */
export function wifiPort(): WifiPort {
  throw provisionError('invalid-config', 'wifi: not in provision-led; use provision.min.js', { field: 'wifi' });
}
