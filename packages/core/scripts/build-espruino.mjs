// Builds dist/espruino/provision-core(.min).js: @provision/core in the Espruino language subset.
import { readFileSync } from 'node:fs';
import { buildEspruino } from '../../../scripts/espruino-bundle.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const here = new URL('..', import.meta.url).pathname;
try {
  const sizes = await buildEspruino(`${here}src/espruino-entry.ts`, `${here}dist/espruino/provision-core`, `${pkg.name} ${pkg.version} (Espruino build)`, [
    // The steady-state path: the LED blink and the clock it runs on.
    'LedDriver',
    'defaultClock',
  ]);
  for (const [file, bytes] of Object.entries(sizes)) console.log(`espruino: ${file.slice(here.length)} ${bytes} bytes`);
} catch (e) {
  console.error(`espruino build failed: ${e.message}`);
  if (e.errors) for (const err of e.errors) console.error(`  ${err.location ? `${err.location.file}:${err.location.line}: ` : ''}${err.text}`);
  process.exit(1);
}
