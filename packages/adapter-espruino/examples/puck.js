// Puck.js (or Pixl.js, Bangle.js…): reset button and LED, no Wi-Fi. Upload the button + LED module
// (provision-led.min.js) to Storage as "provision" first (see the README), then send this file.
/* global BTN1, LED1, NRF */
/* eslint-disable @typescript-eslint/no-require-imports */
var P = require('provision');
var ports = P.createEspruinoPorts({
  button: { pin: BTN1 }, // active high on Puck.js
  led: { pin: LED1 },
  storage: { files: ['app.json'] }, // our own settings: erased by a factory reset
});
// No network: the app says when it is set up (state 1 = stable); a 5 s press resets the device.
var prov = P.createProvisioner(ports, { stableState: 1, timeoutMs: 0, button: { holdMs: 5000 } });
prov.on('state', function (s) {
  console.log('state', s.cur, 'max', s.max);
});
prov.on('button', function (b) {
  if (b.type === 'pressed') console.log('keep holding to reset…');
});
prov.on('reset', function (r) {
  console.log('factory reset:', r.cause);
});
prov.start().then(function () {
  if (!prov.isProvisioned()) {
    // First run: store the app's settings, then mark the device set up (persisted at once).
    require('Storage').writeJSON('app.json', { name: 'Puck ' + NRF.getAddress().substr(-5) });
    prov.setCurState(1);
  }
});
