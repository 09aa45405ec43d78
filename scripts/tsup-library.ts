// The build every published package shares: ESM + CJS with their own type declarations, one file per
// entry, source maps. Packages add their entries and platform.
import type { Options } from 'tsup';

/**
 * tsup options for a published library.
 * @param entry - output name → source file
 * @param extra - `mangle: true` mangles members ending in "_" (code that must also run on Espruino);
 *   anything else is passed to tsup as is
 */
export function library(entry: Record<string, string>, extra: Options & { mangle?: boolean } = {}): Options {
  const { mangle, ...rest } = extra;
  return {
    entry,
    format: ['esm', 'cjs'],
    target: 'es2020',
    dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
    clean: true,
    sourcemap: true,
    treeshake: true,
    splitting: false,
    ...(mangle
      ? {
          // Private members end in "_" and are mangled: smaller bundles, and on Espruino fewer variables.
          esbuildOptions(options) {
            options.mangleProps = /_$/;
          },
        }
      : {}),
    ...rest,
  };
}
