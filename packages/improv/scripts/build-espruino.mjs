// Builds dist/espruino/improv(.min).js: the Improv device and its Espruino transport as one optional
// module, written to Storage as "improv" and loaded with require("improv") beside "provision".
import { readFileSync } from 'node:fs';
import { buildEspruino } from '../../../scripts/espruino-bundle.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const here = new URL('..', import.meta.url).pathname;
try {
  // The byte path (decoder feed, frame handling) runs for every byte received: never folded.
  const hot = ['ImprovDecoder'];
  const sizes = await buildEspruino(`${here}src/espruino-entry.ts`, `${here}dist/espruino/improv`, `${pkg.name} ${pkg.version} (Espruino build)`, hot);
  for (const [file, bytes] of Object.entries(sizes)) console.log(`espruino: ${file.slice(here.length)} ${bytes} bytes`);
} catch (e) {
  console.error(`espruino build failed: ${e.message}`);
  if (e.errors) for (const err of e.errors) console.error(`  ${err.location ? `${err.location.file}:${err.location.line}: ` : ''}${err.text}`);
  process.exit(1);
}
