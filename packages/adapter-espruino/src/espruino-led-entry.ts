// The entry of the Espruino module for boards without Wi-Fi (dist/espruino/provision-led.min.js;
// Puck.js, Pixl.js, nRF52 boards): states, timeout, button, LED and reset journal. The build also
// leaves out the provisioner's Wi-Fi and session methods (see scripts/build-espruino.mjs) and uses
// ports-nowifi.ts for ports-wifi.ts; its API is typed in espruino/provision-led.d.ts.
export { createProvisioner, isProvisionError, provisionError, State, validateConfig } from '@provision/core';
export { createEspruinoPorts } from './index';
