// The Espruino module (dist/espruino/improv.min.js), built when missing or older than its sources.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBundle as ensure } from '../../../test-utils/espruino';

export const PKG = fileURLToPath(new URL('..', import.meta.url));
export const BUNDLE = join(PKG, 'dist', 'espruino', 'improv.min.js');

/** The bundle's text, built first when it is missing or older than the package's src. */
export function ensureBundle(): string {
  return ensure({ bundle: BUNDLE, sources: [join(PKG, 'src')], build: 'node scripts/build-espruino.mjs', cwd: PKG });
}
