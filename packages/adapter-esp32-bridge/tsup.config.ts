import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'simulator/index': 'src/simulator/index.ts' },
  format: ['esm', 'cjs'],
  target: 'node20',
  platform: 'node',
  dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
  clean: true,
  sourcemap: true,
  treeshake: true,
  splitting: false,
});
