// ESP32 (ESP8266 and Espruino WiFi work the same): Wi-Fi provisioning with the BOOT button and an LED.
// Upload the full module (provision.min.js) to Storage as "provision" first (see the README), then
// send this file to the board.
/* global D0, D2 */
/* eslint-disable @typescript-eslint/no-require-imports */
var P = require('provision');
var ports = P.createEspruinoPorts({
  button: { pin: D0, activeLow: true, pullUp: true }, // the BOOT button pulls D0 low
  led: { pin: D2 },
  wifi: { retryDelayMs: 5000 },
});
// Provisioned once connected (state 2); 5 minutes to get there; hold BOOT 5 s to start over.
var prov = P.createProvisioner(ports, { stableState: 2, button: { holdMs: 5000 } });
prov.on('state', function (s) {
  console.log('state', s.cur, 'max', s.max);
});
prov.on('wifi', function (w) {
  console.log('wifi', w.state, w.reason || '', w.ip || '');
});
prov.on('reset', function (r) {
  console.log('factory reset:', r.cause);
});
prov.start().then(function () {
  if (prov.isWifiConfigured()) return; // joins with the stored network by itself
  console.log('not provisioned: call setWifi("ssid", "passphrase") from the console');
});
// Credentials from the console, a BLE UART or a web page: stored only once they work (R8.4).
// eslint-disable-next-line @typescript-eslint/no-unused-vars
function setWifi(ssid, passphrase) {
  prov.configureSta({ ssid: ssid, passphrase: passphrase }).catch(function (e) {
    console.log(e.code, e.message);
  });
}
