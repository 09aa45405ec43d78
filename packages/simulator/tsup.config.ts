import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { cli: 'src/cli.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  clean: true,
  sourcemap: true,
  // The screen (ink, react) is its own chunk: --script and --help never load it.
  splitting: true,
  banner: { js: '#!/usr/bin/env node' },
  // The core is bundled from its sources, so `pnpm start` runs whatever the working tree holds; ink and
  // react stay ordinary dependencies.
  noExternal: ['@provision/core'],
  esbuildOptions(options) {
    options.conditions = ['source'];
    options.jsx = 'automatic';
  },
});
