// Builds the Espruino modules, each @provision/core plus this adapter as ONE module that users write
// to Storage as "provision" and load with require("provision"), from the same TypeScript:
// - dist/espruino/provision(.min).js: the full build, for Wi-Fi boards (ESP32, ESP8266, Espruino WiFi);
// - dist/espruino/provision-led(.min).js: states, timeout, button, LED and reset journal only, for
//   boards without Wi-Fi (Puck.js, Pixl.js, nRF52): no Wi-Fi port, no provisioning session.
// Each has its types beside it (provision.d.ts, provision-led.d.ts, copied from espruino/).
import { copyFileSync, readFileSync } from 'node:fs';
import { buildEspruino } from '../../../scripts/espruino-bundle.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const core = JSON.parse(readFileSync(new URL('../../core/package.json', import.meta.url), 'utf8'));
const here = new URL('..', import.meta.url).pathname;

/** The provisioner's methods the build without Wi-Fi leaves out: Wi-Fi and the provisioning session. */
export const WIFI_METHODS = [
  'configureSta',
  'startSession',
  'stopSession',
  'getSessionState',
  'resetOnFailure',
  'resetForReprovision',
  'resetProvisioning',
  'getWifiState',
  'getWifiDisconnectReason',
];

try {
  const versions = `${pkg.name} ${pkg.version} with ${core.name} ${core.version}`;
  // The steady-state path, never folded into a dispatcher: the LED blink, its clock and LED port.
  const hot = ['LedDriver', 'defaultClock', 'createEspruinoClock', 'createEspruinoLed'];
  const sizes = {
    // The full build carries every member, less what nothing calls or reads (the emitter's listener count).
    ...(await buildEspruino(`${here}src/espruino-entry.ts`, `${here}dist/espruino/provision`, `${versions} (Espruino build, Wi-Fi)`, hot, {
      strip: { className: 'ProvisionerImpl', drop: [], empty: [], dropFrom: { Emitter: ['listenerCount'] } },
    })),
    ...(await buildEspruino(`${here}src/espruino-led-entry.ts`, `${here}dist/espruino/provision-led`, `${versions} (Espruino build, button + LED)`, hot, {
      replace: { [`${here}src/ports-wifi.ts`]: `${here}src/ports-nowifi.ts` },
      // The Wi-Fi subscription has no port to subscribe to on these boards.
      // The configuration's Wi-Fi and session sections configure only what this build leaves out.
      strip: { className: 'ProvisionerImpl', drop: WIFI_METHODS, empty: ['subscribeWifi_'], objects: { SCHEMA: ['wifi', 'session'] }, dropFrom: { Emitter: ['listenerCount'] } },
    })),
  };
  for (const name of ['provision', 'provision-led']) copyFileSync(`${here}espruino/${name}.d.ts`, `${here}dist/espruino/${name}.d.ts`);
  for (const [file, bytes] of Object.entries(sizes)) console.log(`espruino: ${file.slice(here.length)} ${bytes} bytes`);
} catch (e) {
  console.error(`espruino build failed: ${e.message}`);
  if (e.errors) for (const err of e.errors) console.error(`  ${err.location ? `${err.location.file}:${err.location.line}: ` : ''}${err.text}`);
  process.exit(1);
}
