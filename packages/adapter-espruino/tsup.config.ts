import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  target: 'es2020',
  dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
  clean: true,
  sourcemap: true,
  treeshake: true,
  splitting: false,
  // Private members end in "_" and are mangled: smaller bundles, and on Espruino fewer variables.
  esbuildOptions(options) {
    options.mangleProps = /_$/;
  },
});
