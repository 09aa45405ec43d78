import type { DisconnectReason } from '@provision/core';

/**
 * Classify a raw disconnect reason of Espruino's `Wifi` module (R2): ESP32 reason numbers and names,
 * ESP8266 reason names, and the Espruino WiFi board's AT replies (`+CWJAP:2` wrong password,
 * `+CWJAP:3` network not found, inside its `"WiFi connect failed: …"` message). Anything else is
 * `other`.
 *
 * @example
 * ```js
 * classifyWifiReason('202');                          // 'auth-error' (ESP32)
 * classifyWifiReason('no_ap_found');                  // 'ap-not-found' (ESP8266)
 * classifyWifiReason('WiFi connect failed: +CWJAP:2'); // 'auth-error' (Espruino WiFi)
 * ```
 */
export function classifyWifiReason(raw: unknown): DisconnectReason {
  // The lists live inside the function: on Espruino they then cost RAM only while it runs.
  // Wrong passphrase. ESP32 sends the ESP-IDF reason number as a string in `disconnected` events
  // (202 AUTH_FAIL, 15 4WAY_HANDSHAKE_TIMEOUT, 204 HANDSHAKE_TIMEOUT) and the reason's name to the
  // connect callback; ESP8266 sends lowercase names (and `bad_password` to the callback).
  const AUTH = ',202,15,204,auth_fail,auth_failed,4way_handshake_timeout,handshake_timeout,bad_password,';
  // No such network: 201 NO_AP_FOUND; ESP-IDF 5 adds 210..212 (none with a compatible security mode,
  // authmode or RSSI threshold). 200 BEACON_TIMEOUT is a lost link: `other`.
  const MISSING = ',201,210,211,212,no_ap_found,no_ap_found_w_compatible_security,no_ap_found_in_authmode_threshold,no_ap_found_in_rssi_threshold,';
  if (raw === undefined || raw === null) return 'other';
  const s = String(raw).toLowerCase();
  if (s.indexOf('+cwjap:2') >= 0) return 'auth-error';
  if (s.indexOf('+cwjap:3') >= 0) return 'ap-not-found';
  if (s.indexOf(',') >= 0) return 'other';
  const k = ',' + s + ',';
  if (AUTH.indexOf(k) >= 0) return 'auth-error';
  if (MISSING.indexOf(k) >= 0) return 'ap-not-found';
  return 'other';
}
