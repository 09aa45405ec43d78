// The Espruino bundle (core + adapter), built when missing or older than the sources of either package
// (one build at a time across test workers).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBundle as ensure } from '../../../test-utils/espruino';

export const PKG = fileURLToPath(new URL('..', import.meta.url));
export const BUNDLE = join(PKG, 'dist', 'espruino', 'provision.min.js');

/** The bundle's text, built first when it is missing or older than the adapter's or the core's src. */
export function ensureBundle(): string {
  return ensure({ bundle: BUNDLE, sources: [join(PKG, 'src'), join(PKG, '..', 'core', 'src')], build: 'node scripts/build-espruino.mjs', cwd: PKG });
}
