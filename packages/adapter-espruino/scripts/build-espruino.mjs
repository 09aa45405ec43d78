// Builds dist/espruino/provision(.min).js: @provision/core plus this adapter as ONE Espruino module,
// the file users write to Storage as "provision" and load with require("provision").
import { readFileSync } from 'node:fs';
import { buildEspruino } from '../../../scripts/espruino-bundle.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const core = JSON.parse(readFileSync(new URL('../../core/package.json', import.meta.url), 'utf8'));
const here = new URL('..', import.meta.url).pathname;
try {
  const banner = `${pkg.name} ${pkg.version} with ${core.name} ${core.version} (Espruino build)`;
  // The steady-state path, never folded into a dispatcher: the LED blink, its clock and LED port.
  const hot = ['LedDriver', 'defaultClock', 'createEspruinoClock', 'createEspruinoLed'];
  const sizes = await buildEspruino(`${here}src/espruino-entry.ts`, `${here}dist/espruino/provision`, banner, hot);
  for (const [file, bytes] of Object.entries(sizes)) console.log(`espruino: ${file.slice(here.length)} ${bytes} bytes`);
} catch (e) {
  console.error(`espruino build failed: ${e.message}`);
  if (e.errors) for (const err of e.errors) console.error(`  ${err.location ? `${err.location.file}:${err.location.line}: ` : ''}${err.text}`);
  process.exit(1);
}
