// The Espruino bundle (core + adapter), built when missing or older than the sources of either package
// (one build at a time across test workers).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBundle as ensure } from '../../../test-utils/espruino';

export const PKG = fileURLToPath(new URL('..', import.meta.url));
export const BUNDLE = join(PKG, 'dist', 'espruino', 'provision.min.js');

/** The builds: the full one (Wi-Fi boards) and the button + LED one (boards without Wi-Fi). */
export const BUILDS = [
  { name: 'full build', file: 'provision.min.js', wifi: true },
  { name: 'button + LED build', file: 'provision-led.min.js', wifi: false },
];

/**
 * A bundle's text (default: the full build), built first when it is missing or older than the
 * adapter's or the core's src.
 */
export function ensureBundle(file = 'provision.min.js'): string {
  return ensure({ bundle: join(PKG, 'dist', 'espruino', file), sources: [join(PKG, 'src'), join(PKG, '..', 'core', 'src')], build: 'node scripts/build-espruino.mjs', cwd: PKG });
}
