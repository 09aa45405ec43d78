import { defineConfig } from 'tsup';
import { library } from '../../scripts/tsup-library';

export default defineConfig([
  library({ index: 'src/index.ts' }, { target: 'node20', platform: 'node', shims: true }),
  {
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    splitting: false,
    shims: true,
    banner: { js: '#!/usr/bin/env node' },
  },
]);
